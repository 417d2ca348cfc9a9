"""`ringrift soak`: many uniformly random games, every invariant checked after every move.

Prints a table per config (moves per game, how games ended, next to the reference figures) and a
JSON line; exits 1 on any invariant violation or exception.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.game import soak

    soak.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from engine.game import soak

    return soak.run(args)
