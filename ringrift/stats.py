"""`ringrift stats`: game statistics per config and per generation (``analyze_game_statistics``).

    ringrift stats                              # every config in the database, newest 5000 games each
    ringrift stats square8_2p hex8_2p --last 500
    ringrift stats --record shards/ --json      # local shards instead of the database

Tables: game length, how games end, first-seat advantage, draws and stalemates, move-type mix and
search statistics. ``--markdown`` prints the Markdown of the Prefect artifact, ``--artifact KEY``
publishes it. Exit status 0 (1 when no game was found).
"""

from __future__ import annotations

import argparse
import json
import sys

from . import _checks as checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.analysis.cli import add_report_arguments

    parser.add_argument("configs", nargs="*", metavar="CONFIG", help="config keys, e.g. square8_2p (default: all)")
    parser.add_argument("--last", type=checks.non_negative, default=5000,
                        help="newest N games per config (default 5000; 0 = all)")
    parser.add_argument("--record", action="append", default=[], metavar="SHARD",
                        help="read local shards (files or folders; repeatable) instead of the database")
    parser.add_argument("--no-generations", action="store_true", help="one row per config, no generation rows")
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from engine.analysis import analyze_game_statistics
    from engine.analysis.cli import config_keys, load_cfg, open_db_store

    try:
        configs = config_keys(args.configs)
    except ValueError as e:
        print(f"stats: {e}", file=sys.stderr)
        return 2
    if args.record:
        from engine.viewer import records_from_paths

        stats = analyze_game_statistics(records_from_paths(args.record), configs=configs,
                                        per_generation=not args.no_generations)
    else:
        cfg = load_cfg(args)
        db, store, fallbacks = open_db_store(cfg)
        try:
            stats = analyze_game_statistics(db, store=store, configs=configs, last=args.last or None,
                                            per_generation=not args.no_generations, fallbacks=fallbacks)
        finally:
            db.dispose()
    if args.json:
        print(json.dumps(stats.to_json(), sort_keys=True))
    elif args.markdown:
        print(stats.to_markdown())
    else:
        print(stats.format())
    if args.artifact:
        from ops.artifacts import publish_markdown

        publish_markdown(args.artifact, stats.to_markdown(), "Game statistics per config and generation")
    return 0 if stats.groups else 1
