"""`ringrift selfplay`: games of one config into the store and the database (the selfplay flow).

    ringrift selfplay square8_2p --games 200 --workers 2
    ringrift selfplay square8-2p --games 200 --deployment     # = prefect deployment run 'selfplay/square8-2p'
"""

from __future__ import annotations

import argparse

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--games", type=checks.count, default=None, help="games (default loop.train_threshold_games)")
    parser.add_argument("--batch-games", type=checks.count, default=None,
                        help="games per batch (default selfplay.games_per_batch)")
    parser.add_argument("--engine", default="auto", choices=("auto", "heuristic", "gumbel", "random"),
                        help="auto: the champion network with Gumbel search, the heuristic until a champion exists")
    parser.add_argument("--simulations", type=checks.count, default=None, help="Gumbel simulations per move")
    parser.add_argument("--seed", type=checks.seed, default=None, help="seed (default: derived from the flow run)")
    parser.add_argument("--workers", type=checks.non_negative, default=0,
                        help="processes playing batches in parallel (default: threads in this process)")
    parser.add_argument("--no-chain", action="store_true",
                        help="emit ringrift.games.committed with chain=manual (no automatic training)")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    setup(args)
    ck = config_key(args.config_key)
    params = {"config_key": ck, "games": args.games, "batch_games": args.batch_games, "engine": args.engine,
              "simulations": args.simulations, "seed": args.seed, "chain": not args.no_chain}
    flow_obj = None
    if args.workers and args.workers > 1:
        from prefect.task_runners import ProcessPoolTaskRunner

        from flows.selfplay import selfplay_flow

        flow_obj = selfplay_flow.with_options(task_runner=ProcessPoolTaskRunner(max_workers=args.workers))
    rc, res = run_stage(args, "selfplay", ck.replace("_", "-"), params, flow_obj=flow_obj)
    text = None
    if rc == 0 and isinstance(res, dict) and "games" in res:
        text = (f"{ck}: {res['games']} games ({res['inserted']} new) in {len(res['batches'])} batches; "
                f"{res['games_since_training']} since the last training (threshold {res['threshold']})")
    emit(args, res, text)
    return rc
