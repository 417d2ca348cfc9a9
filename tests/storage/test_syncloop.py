"""SyncLoop and its watchdog, with short intervals."""

from __future__ import annotations

import threading
import time

from engine.storage import SyncLoop, SyncReport, run_with_watchdog, sync_store
from tests.storage.helpers import publish

NAME = "champion/square8_2p"


def test_run_once_syncs_and_beats(new_target):
    remote, local = new_target("memory").open(), new_target("file").open()
    mid = publish(remote, {"w": b"weights"}, "model")
    remote.swap_pointer(NAME, mid, None)
    loop = SyncLoop(remote, local, pointers=[NAME])
    before = loop.heartbeat
    time.sleep(0.01)
    r = loop.run_once()
    assert r.ok and r.pointers_updated == (NAME,) and loop.heartbeat > before and loop.iterations == 1
    assert local.read_pointer(NAME).target == mid


def test_run_follows_the_remote_until_stopped(new_target):
    remote, local = new_target("memory").open(), new_target("file").open()
    m1 = publish(remote, {"w": b"one"}, "model")
    p = remote.swap_pointer(NAME, m1, None)
    stop = threading.Event()
    loop = SyncLoop(remote, local, pointers=[NAME])
    t = threading.Thread(target=loop.run, args=(0.02, stop))
    t.start()
    try:
        m2 = publish(remote, {"w": b"two"}, "model")
        remote.swap_pointer(NAME, m2, p)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            got = local.read_pointer(NAME)
            if got is not None and got.target == m2:
                break
            time.sleep(0.01)
        assert local.read_pointer(NAME).target == m2
    finally:
        stop.set()
        t.join(5)
    assert not t.is_alive() and loop.iterations >= 2


def test_failures_are_logged_and_the_loop_goes_on(new_target, caplog):
    remote, local = new_target("memory").open(), new_target("memory").open()
    calls = []

    def flaky(*a, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("remote unreachable")
        return sync_store(*a, **kw)

    stop = threading.Event()
    loop = SyncLoop(remote, local, sync=flaky)
    t = threading.Thread(target=loop.run, args=(0.01, stop))
    t.start()
    while len(calls) < 3:
        time.sleep(0.005)
    stop.set()
    t.join(5)
    assert loop.failures == 1 and loop.iterations >= 2 and loop.last_error is None
    assert "remote unreachable" in caplog.text


def test_watchdog_restarts_a_stalled_loop(new_target):
    remote, local = new_target("memory").open(), new_target("memory").open()
    mid = publish(remote, {"w": b"weights"}, "model")
    remote.swap_pointer(NAME, mid, None)
    hang = threading.Event()  # the first loop's sync hangs forever (until the test ends)
    made: list[SyncLoop] = []

    def hanging(*a, **kw):
        hang.wait(30)
        return SyncReport(0, 0, 0)

    def make_loop():
        loop = SyncLoop(remote, local, pointers=[NAME], sync=hanging if not made else sync_store)
        made.append(loop)
        return loop

    stop = threading.Event()
    result = []
    w = threading.Thread(target=lambda: result.append(run_with_watchdog(make_loop, 0.05, stop, stall_intervals=3)))
    w.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (len(made) >= 2 and made[1].iterations >= 1):
            time.sleep(0.01)
        assert len(made) >= 2 and made[1].iterations >= 1
        assert local.read_pointer(NAME).target == mid
    finally:
        stop.set()
        hang.set()
        w.join(5)
    assert result and result[0].restarts >= 1 and result[0].loops_started == len(made)


def test_watchdog_leaves_a_healthy_loop_alone(new_target):
    remote, local = new_target("memory").open(), new_target("memory").open()
    made = []

    def make_loop():
        made.append(SyncLoop(remote, local))
        return made[-1]

    stop = threading.Event()
    threading.Timer(0.4, stop.set).start()
    report = run_with_watchdog(make_loop, 0.02, stop, stall_intervals=5)
    assert report.restarts == 0 and report.loops_started == 1 and made[0].iterations >= 3


def test_a_long_copy_that_makes_progress_is_not_a_stall(new_target):
    """Heartbeats come from every chunk copied, not only from finished iterations."""
    remote, local = new_target("memory").open(), new_target("memory").open()
    made = []

    def slow_but_alive(*a, progress, **kw):
        for _ in range(20):
            time.sleep(0.02)
            progress(1)
        return SyncReport(0, 0, 0)

    def make_loop():
        made.append(SyncLoop(remote, local, sync=slow_but_alive))
        return made[-1]

    stop = threading.Event()
    threading.Timer(0.6, stop.set).start()
    report = run_with_watchdog(make_loop, 0.03, stop, stall_intervals=3)
    assert report.restarts == 0
