"""`ringrift train`: a candidate network for one config (the train flow: export when no dataset is
given and the training threshold is reached, then training; emits ringrift.candidate.trained)."""

from __future__ import annotations

import argparse

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--dataset", default=None,
                        type=checks.name("dataset id"), help="dataset manifest id (default: export the current window)")
    parser.add_argument("--run-id", default=None,
                        type=checks.name("run id"), help="training run id (the same id resumes a killed run)")
    parser.add_argument("--init", default="champion", choices=("champion", "scratch"),
                        help="start from the champion (scratch when there is none) or from scratch")
    parser.add_argument("--force", action="store_true", help="train even below loop.train_threshold_games")
    parser.add_argument("--no-chain", action="store_true", help="no automatic gauntlet/promotion afterwards")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    ck = config_key(args.config_key)
    checks.known_dataset(cfg, args.dataset, ck)  # before Prefect: an unknown id is one line, not retries
    params = {"config_key": ck, "dataset_id": args.dataset, "run_id": args.run_id, "init": args.init,
              "force": args.force, "chain": not args.no_chain}
    rc, res = run_stage(args, "train", ck.replace("_", "-"), params)
    text = None
    if rc == 0 and isinstance(res, dict) and "config_key" in res:  # a TrainStageResult or a StageSkipped
        text = (f"{ck}: candidate {res['model_id']} ({res['steps']} steps, init {res['init']}, best val "
                f"{res['best_val']})" if "model_id" in res else f"{ck}: not trained: {res['reason']}")
    emit(args, res, text)
    return rc
