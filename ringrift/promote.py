"""`ringrift promote`: SPRT of a candidate against the champion (the promote flow)."""

from __future__ import annotations

import argparse

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--model", default=None,
                        type=checks.name("model id"),
                        help="candidate model id (default: the newest model of the config)")
    parser.add_argument("--seed", type=checks.seed, default=0)
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    ck = config_key(args.config_key)
    checks.known_model(cfg, args.model, ck)
    rc, res = run_stage(args, "promote", "default", {"config_key": ck, "model_id": args.model, "seed": args.seed})
    text = None
    if rc == 0 and isinstance(res, dict) and "decision" in res:
        s = res.get("sprt") or {}
        text = (f"{ck}: {'PROMOTED' if res['promoted'] else res['decision']}: {res['reason']}\n"
                f"  SPRT llr {s.get('llr', 0):.3f} bounds [{s.get('lower', 0):.3f}, {s.get('upper', 0):.3f}] "
                f"games {res['games']} (W/D/L {res['wins']}/{res['draws']}/{res['losses']})")
    emit(args, res, text)
    return rc
