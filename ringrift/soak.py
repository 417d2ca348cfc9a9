"""`ringrift soak`: many uniformly random games, every invariant checked after every move.

Prints a table per config (moves per game, how games ended, next to the reference figures) and a
JSON line; exits 1 on any invariant violation or exception.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.game.checks import soak

    soak.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from engine.game.checks import soak

    from ._errors import UsageError

    try:  # the config names first: a typo is one line, not a traceback from the worker pool
        soak.parse_configs(args.configs)
    except ValueError as e:
        raise UsageError(f"--configs: {e}") from None
    for option, value, low in (("--games", args.games, 1), ("--workers", getattr(args, "workers", 0) or 0, 0)):
        if value < low:
            raise UsageError(f"{option}: must be >= {low}, got {value}")
    return soak.run(args)
