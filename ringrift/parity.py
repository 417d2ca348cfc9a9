"""`ringrift parity`: replay stored games move by move and run the conformance vectors.

    ringrift parity                             # newest 50 games per config from the database + vectors
    ringrift parity square8_2p --last 500 --deep
    ringrift parity --game g3f9c0... --game g77a1...
    ringrift parity --record shards/games-000.jsonl.zst --no-conformance

Each game is replayed through the engine (record parity gate, validated vs in-place replay, with
``--deep`` the wire format after every move, and its database row); the first diverging move of
each game is reported. Exit status 0 when everything agrees, 1 when a game diverges or a trusted
vector fails, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import _checks as checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.analysis.cli import add_report_arguments

    parser.add_argument("configs", nargs="*", metavar="CONFIG", help="config keys (default: all)")
    parser.add_argument("--last", type=checks.non_negative, default=50,
                        help="newest N games per config (default 50; 0 = all)")
    parser.add_argument("--game", action="append", default=[], metavar="GAME_ID", help="check these games only")
    parser.add_argument("--record", action="append", default=[], metavar="SHARD",
                        help="replay local shards (files or folders; repeatable) instead of the database")
    parser.add_argument("--include-quarantined", action="store_true",
                        help="also replay the games the ingest quarantined (they failed the parity gate then)")
    parser.add_argument("--deep", action="store_true",
                        help="also round-trip every position through the wire format (state JSON)")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--conformance", metavar="DIR", default=None,
                   help="conformance folder (default: $RINGRIFT_CONFORMANCE_DIR or ../shared/conformance when present)")
    g.add_argument("--no-conformance", action="store_true", help="do not run the conformance vectors")
    parser.add_argument("--limit", type=checks.non_negative, default=20, help="diverging games listed (default 20)")
    add_report_arguments(parser, markdown=False)


def run(args: argparse.Namespace) -> int:
    from engine.analysis import check_replay_parity
    from engine.analysis.cli import config_keys, load_cfg, open_db_store

    try:
        configs = config_keys(args.configs)
    except ValueError as e:
        print(f"parity: {e}", file=sys.stderr)
        return 2
    conformance = False if args.no_conformance else (args.conformance or True)
    if args.record:
        from engine.viewer import records_from_paths

        rep = check_replay_parity(records_from_paths(args.record), configs=configs, game_ids=args.game or None,
                                  deep=args.deep, conformance=conformance)
    else:
        cfg = load_cfg(args)
        db, store, fallbacks = open_db_store(cfg)
        try:
            rep = check_replay_parity(db, store=store, configs=configs, last=args.last or None,
                                      game_ids=args.game or None, deep=args.deep, conformance=conformance,
                                      include_quarantined=args.include_quarantined, fallbacks=fallbacks)
        finally:
            db.dispose()
    if args.conformance and rep.conformance is None:
        print(f"parity: no conformance vectors in {args.conformance}", file=sys.stderr)
        return 2
    print(json.dumps(rep.to_json(), sort_keys=True) if args.json else rep.format(limit=args.limit))
    if args.artifact:
        from ops.artifacts import publish_markdown

        publish_markdown(args.artifact, rep.to_markdown(), "Replay parity and conformance")
    return 0 if rep.ok else 1
