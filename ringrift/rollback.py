"""`ringrift rollback`: move a config's champion pointer back (to the previous champion, or to a
given model); the pointer history records it."""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--to", dest="to_model", default=None,
                        type=checks.name("model id"), help="model id (default: the previous champion)")
    add_common(parser, deployment=False)


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    ck = config_key(args.config_key)
    checks.known_model(cfg, args.to_model, ck, option="--to")
    from prefect import flow

    from tasks.evaluation import rollback_champion

    @flow(name="rollback", log_prints=True)
    def rollback_flow(config_key: str, to_model: str | None = None):
        return rollback_champion(config_key, to_model)

    state = rollback_flow(ck, args.to_model, return_state=True)
    if not state.is_completed():
        print(f"rollback: {state.message}", file=sys.stderr)
        return 1
    mv = state.result()
    emit(args, {"config_key": ck, "old": mv.old_target, "new": mv.new_target, "reason": mv.reason},
         f"{ck}: champion {mv.old_target} -> {mv.new_target}")
    return 0
