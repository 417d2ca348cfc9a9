"""`ringrift prune`: delete store objects nothing references (a dry run unless --delete)."""

from __future__ import annotations

import argparse

from . import _checks as checks
from ._pipeline import add_common, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--delete", action="store_true", help="delete (default: only list what would go)")
    parser.add_argument("--grace-seconds", type=checks.float_at_least(0), default=None,
                        help="keep unreferenced objects younger than this (default: the store's grace period)")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    setup(args)
    rc, res = run_stage(args, "prune", "default", {"dry_run": not args.delete, "grace_seconds": args.grace_seconds})
    text = None
    if rc == 0 and isinstance(res, dict) and "deleted" in res:
        verb = "would delete" if res["dry_run"] else "deleted"
        text = (f"prune: {verb} {res['deleted']} items ({res['bytes']} bytes); kept {res['kept_manifests']} manifests, "
                f"{res['kept_objects']} objects, {res['young']} young")
    emit(args, res, text)
    return rc
