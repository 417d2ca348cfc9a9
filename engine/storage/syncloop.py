"""A periodic sync with a heartbeat, and a watchdog that restarts it when it stalls.

Why a watchdog: a sync can hang without failing (a dead TCP connection with no timeout, a stuck
NFS mount). ``SyncLoop`` records a heartbeat (monotonic time) at every iteration and on every
chunk copied, so a long but progressing copy is not a stall. ``run_with_watchdog`` runs a loop in
a thread and, when the heartbeat is older than ``stall_intervals`` intervals, abandons that thread
(Python cannot kill a thread; it is told to stop at its next check and is a daemon) and starts a
fresh loop from the factory, which builds new stores and therefore new connections. Syncs are
idempotent and every write is atomic, so an abandoned thread that wakes up late does no harm.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .store import ArtifactStore, as_store
from .sync import SyncReport, sync_store

log = logging.getLogger(__name__)

SyncFn = Callable[..., SyncReport]


class SyncLoop:
    """Calls ``sync_store(remote, local, manifests=..., pointers=...)`` every ``interval`` seconds.

    ``sync`` can be replaced (same signature as ``sync_store``) to wrap or instrument the call.
    """

    def __init__(self, remote: ArtifactStore, local: ArtifactStore | str | os.PathLike[str], *,
                 manifests: Iterable[str] | None = None, pointers: Iterable[str] | None = None,
                 sync: SyncFn = sync_store, clock: Callable[[], float] = time.monotonic):
        self.remote = remote
        self.local = as_store(local)
        self.manifests = None if manifests is None else tuple(manifests)
        self.pointers = None if pointers is None else tuple(pointers)
        self._sync = sync
        self.clock = clock
        self.heartbeat = clock()
        self.iterations = 0
        self.failures = 0
        self.last_report: SyncReport | None = None
        self.last_error: str | None = None

    def beat(self, _n: int = 0) -> None:
        self.heartbeat = self.clock()

    def run_once(self) -> SyncReport:
        """One sync; exceptions propagate (``run`` catches and logs them)."""
        self.beat()
        report = self._sync(self.remote, self.local, manifests=self.manifests, pointers=self.pointers,
                            progress=self.beat)
        self.iterations += 1
        self.last_report = report
        self.beat()
        if report.errors:
            log.warning("sync %s -> %s: %d error(s), first: %s: %s", self.remote.url, self.local.url,
                        len(report.errors), report.errors[0].key, report.errors[0].message)
        return report

    def run(self, interval: float, stop_event: threading.Event, cancel: threading.Event | None = None) -> None:
        """Sync every ``interval`` seconds until ``stop_event`` (or ``cancel``) is set.

        A failing iteration is logged and retried at the next interval: a remote that is down for
        a while must not end the loop.
        """
        while not stop_event.is_set() and not (cancel is not None and cancel.is_set()):
            try:
                self.run_once()
                self.last_error = None
            except Exception as e:  # noqa: BLE001 - keep looping; the error is recorded and logged
                self.failures += 1
                self.last_error = f"{type(e).__name__}: {e}"
                log.warning("sync %s -> %s failed: %s", self.remote.url, self.local.url, self.last_error)
            self.beat()
            stop_event.wait(interval)


@dataclass(frozen=True)
class WatchdogReport:
    restarts: int  # loops abandoned because their heartbeat went stale
    loops_started: int


def run_with_watchdog(make_loop: Callable[[], SyncLoop], interval: float, stop_event: threading.Event, *,
                      stall_intervals: float = 3.0, check_every: float | None = None) -> WatchdogReport:
    """Run ``make_loop().run(interval, ...)`` until ``stop_event``; restart it when it stalls.

    A loop is stalled when its heartbeat is older than ``stall_intervals * interval`` seconds. The
    watchdog checks every ``check_every`` seconds (default: ``interval / 2``). Blocks; returns
    when ``stop_event`` is set.
    """
    check = check_every if check_every is not None else max(interval / 2, 0.01)
    limit = stall_intervals * interval
    restarts = started = 0
    thread: threading.Thread | None = None
    while not stop_event.is_set():
        loop = make_loop()
        cancel = threading.Event()
        thread = threading.Thread(target=loop.run, args=(interval, stop_event, cancel),
                                  name=f"sync-loop-{started}", daemon=True)
        loop.beat()
        thread.start()
        started += 1
        while not stop_event.wait(check):
            stale = loop.clock() - loop.heartbeat
            if stale > limit or not thread.is_alive():
                log.warning("sync loop %s -> %s stalled (no heartbeat for %.1fs); restarting",
                            loop.remote.url, loop.local.url, stale)
                cancel.set()
                restarts += 1
                break
    if thread is not None:
        thread.join(timeout=interval)
    return WatchdogReport(restarts, started)
