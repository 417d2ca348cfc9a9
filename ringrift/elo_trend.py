"""`ringrift elo-trend`: ratings per config over generations, with error bars (``track_elo_improvement``).

    ringrift elo-trend                         # every config with rated matches; plot ./elo-trend.png
    ringrift elo-trend square8_2p --out reports/elo.png --all

The ratings are fitted on the match log (gauntlets, promotions); a generation is a model's lineage
depth. The table has the headline per generation (its champion, else its best model) with the
gain over the previous one; ``--all`` adds every player's rating. Exit status 0 (1 when nothing
is rated yet).
"""

from __future__ import annotations

import argparse
import json
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.analysis.cli import add_report_arguments

    parser.add_argument("configs", nargs="*", metavar="CONFIG", help="config keys (default: all)")
    parser.add_argument("--out", default="elo-trend.png", help="the plot (PNG; default ./elo-trend.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the plot")
    parser.add_argument("--per-generation", action="store_true",
                        help="fit each generation's matches alone (default: cumulative)")
    parser.add_argument("--all", action="store_true", help="also list every player's rating per generation")
    add_report_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from engine.analysis import track_elo_improvement
    from engine.analysis.cli import config_keys, load_cfg, open_report_database

    try:
        configs = config_keys(args.configs)
    except ValueError as e:
        print(f"elo-trend: {e}", file=sys.stderr)
        return 2
    cfg = load_cfg(args)
    db = open_report_database(cfg)
    try:
        rep = track_elo_improvement(db, configs=configs, out=None if args.no_plot else args.out,
                                    cumulative=not args.per_generation, settings=cfg)
    finally:
        db.dispose()
    if args.json:
        print(json.dumps(rep.to_json(), sort_keys=True))
    elif args.markdown:
        print(rep.to_markdown())
    else:
        print(rep.format(all_points=args.all))
    if args.artifact:
        from ops.artifacts import publish_markdown

        publish_markdown(args.artifact, rep.to_markdown(), "Elo per generation")
    return 0 if rep.points else 1
