"""`ringrift sync`: mirror the champions of the shared store into this host's cache.

    ringrift sync --once                  # one sync (the sync flow; the default)
    ringrift sync --watchdog --interval 60    # forever, restarted when a sync stalls (Ctrl-C ends)
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks
from ._pipeline import add_common, emit, run_stage, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one sync through the sync flow (default)")
    mode.add_argument("--watchdog", action="store_true",
                      help="sync every --interval seconds in the foreground, with a watchdog that restarts a "
                           "stalled sync (engine.storage.syncloop)")
    parser.add_argument("--interval",
                        type=checks.float_at_least(0, strict=True), default=300.0,
                        help="seconds between syncs (--watchdog)")
    parser.add_argument("--stall-intervals", type=checks.float_at_least(1), default=3.0,
                        help="--watchdog: restart when no progress for this many intervals")
    parser.add_argument("--remote", default=None, help="store URL to mirror from (default: the configured store)")
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    setup(args)
    if args.watchdog:
        return _watchdog(args)
    rc, res = run_stage(args, "sync", "default", {"remote_url": args.remote})
    text = None
    if rc == 0 and isinstance(res, dict) and "copied" in res:
        text = (f"sync: {res['copied']} copied, {res['skipped']} present, {res['bytes']} bytes, "
                f"pointers {res['pointers_updated']}")
    emit(args, res, text)
    return rc


def _watchdog(args: argparse.Namespace) -> int:
    import threading

    from engine.loop.context import forge_config, forge_context
    from engine.storage import open_store
    from engine.storage.syncloop import SyncLoop, run_with_watchdog

    cfg = forge_config()
    ctx = forge_context(cfg)

    def make_loop() -> SyncLoop:
        remote = ctx.store if args.remote is None else open_store(
            args.remote, s3_endpoint_url=cfg.storage.s3_endpoint_url, s3_region=cfg.storage.s3_region)
        names = [p for p in remote.list_pointers() if p.startswith("champion/")]
        return SyncLoop(remote, str(ctx.cache_dir / "mirror"), pointers=names)

    stop = threading.Event()
    print(f"sync every {args.interval:g} s into {ctx.cache_dir / 'mirror'} (Ctrl-C ends)", file=sys.stderr)
    try:
        rep = run_with_watchdog(make_loop, args.interval, stop, stall_intervals=args.stall_intervals)
    except KeyboardInterrupt:
        stop.set()
        return 0
    emit(args, rep.__dict__ if hasattr(rep, "__dict__") else str(rep), str(rep))
    return 0
