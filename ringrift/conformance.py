"""`ringrift conformance`: run the canonical contract vectors through the engine and print the table.

Exit status 0 when every vector of TRUSTED.txt passes, 1 otherwise, 2 when the folder is missing.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", default=None,
                        help="conformance folder (default: $RINGRIFT_CONFORMANCE_DIR, else ../shared/conformance)")
    parser.add_argument("--strict", action="store_true",
                        help="do not force vector moves the move generator rejects (they count as errors)")


def run(args: argparse.Namespace) -> int:
    from engine.game.checks import conformance

    argv = (["--strict"] if args.strict else []) + ([args.folder] if args.folder else [])
    return conformance.main(argv)
