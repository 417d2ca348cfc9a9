"""`ringrift gauntlet`: a candidate against the config's ladder (the gauntlet flow); the table."""

from __future__ import annotations

import argparse

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--model", default=None,
                        type=checks.name("model id"), help="model id (default: the newest model of the config)")
    parser.add_argument("--games-per-opponent",
                        type=checks.count, default=None, help="default gauntlet.games_per_opponent")
    parser.add_argument("--seed", type=checks.seed, default=0)
    parser.add_argument("--no-chain", action="store_true", help="no automatic promotion afterwards")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    ck = config_key(args.config_key)
    checks.known_model(cfg, args.model, ck)
    params = {"config_key": ck, "model_id": args.model, "games_per_opponent": args.games_per_opponent,
              "seed": args.seed, "chain": not args.no_chain}
    rc, res = run_stage(args, "gauntlet", "default", params)
    text = None
    if rc == 0 and isinstance(res, dict) and "rows" in res:
        text = "\n".join([f"gauntlet {ck} {res['model_id'][:12]} ({res['games']} games)"] +
                         [f"  {r['opponent']:<24} {r['games']:>4} games  W/D/L {r['wins']}/{r['draws']}/{r['losses']}  "
                          f"score {r['score']:.3f}  elo {r['elo_diff']:+.0f}" for r in res["rows"]])
    emit(args, res, text)
    return rc
