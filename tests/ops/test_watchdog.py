"""The watchdog's findings, actions, backoff and caps (fake Prefect server); the command against a real one."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.config import WatchdogSettings
from ops import WatchdogState, watchdog_pass
from ops.watchdog import LATE, NO_HEARTBEAT, NO_WORKERS, STUCK, Watchdog
from tests.ops.fakes import NOW, ago, cluster, run

ST = WatchdogSettings(heartbeat_timeout_seconds=300, late_after_seconds=600, backoff_seconds=600,
                      max_actions_per_run=3, max_actions_per_hour=10)


def kinds(rep):
    return sorted((f.kind, f.run_id or f.pool, f.outcome) for f in rep.findings)


def test_finds_stuck_silent_and_late_runs():
    gw = cluster(runs=[
        run("ok", "RUNNING", started=100), run("old", "RUNNING", flow="health", started=3600),
        run("quiet", "RUNNING", started=2000), run("beating", "RUNNING", started=2000),
        run("late", "SCHEDULED", expected=3600), run("soon", "SCHEDULED", expected=-100),
        run("untagged", "RUNNING", started=99999, tags=())],
        heartbeats={"beating": ago(30), "quiet": ago(1000)})
    state = WatchdogState()
    rep = watchdog_pass(gw, ST, state, now=NOW)
    assert kinds(rep) == [(LATE, "late", "reported"), (NO_HEARTBEAT, "quiet", "done"), (STUCK, "old", "done")]
    assert sorted(gw.actions)[0][:2] == ("old", "crash") and len(gw.actions) == 2
    assert {e[0] for e in gw.events} == {"ringrift.watchdog.stuck", "ringrift.watchdog.no-heartbeat",
                                         "ringrift.watchdog.late"}
    ev = next(e for e in gw.events if e[0].endswith("stuck"))
    assert ev[1]["prefect.resource.id"] == "ringrift.watchdog.old" and ev[2]["action"] == "crash"
    assert len(state.actions) == 2 and state.runs["old"]["count"] == 1
    assert "no-heartbeat" in rep.format() and json.dumps(rep.to_json())


def test_stuck_only_after_the_runs_own_timeout_plus_margin():
    from datetime import timedelta

    from engine.config import config_from_dict

    data = {"orchestration": {"timeouts": {"train": 1000}, "watchdog_margin_seconds": 60}}
    orch = config_from_dict(data).orchestration
    limits = orch.watchdog_limits()
    assert limits["train"] == orch.flow_timeout("train") + 60
    assert all(limits[f] > t for f, t in orch.flow_timeouts().items())  # never before a run's own timeout
    st = dataclasses.replace(ST, heartbeat_timeout_seconds=0)
    for age, stuck in ((orch.flow_timeout("train") - 1, False), (limits["train"] - 1, False),
                       (limits["train"] + 1, True)):
        gw = cluster(runs=[run("t", "RUNNING", flow="train", started=age)])
        rep = watchdog_pass(gw, st, WatchdogState(), now=NOW, limits=limits)
        assert [f.kind for f in rep.findings if f.run_id == "t"] == ([STUCK] if stuck else []), age
    # the defaults come from the default table; a flow without a limit is never stuck by age
    gw = cluster(runs=[run("d", "RUNNING", flow="train", started=orch.flow_timeout("train") + 100),
                       run("x", "RUNNING", flow="not-a-pipeline-flow", started=10**7)])
    rep = watchdog_pass(gw, st, WatchdogState(), now=NOW)
    assert [f.run_id for f in rep.findings if f.kind == STUCK] == []
    rep = watchdog_pass(gw, st, WatchdogState(), now=NOW + timedelta(days=30))
    assert [f.run_id for f in rep.findings if f.kind == STUCK] == ["d"]


def test_backoff_then_exhaustion():
    st = dataclasses.replace(ST, stuck_action="report", max_actions_per_run=2)
    gw = cluster(runs=[run("q", "RUNNING", started=5000)])
    state = WatchdogState()
    outcomes = []
    for minutes in (0, 5, 11, 30, 60):
        rep = watchdog_pass(gw, st, state, now=NOW + __import__("datetime").timedelta(minutes=minutes))
        outcomes.append(rep.findings[0].outcome.split(" ")[0])
    # acted at 0; 5 min < 600 s backoff; acted at 11; then the cap per run is reached
    assert outcomes == ["reported", "backoff", "reported", "exhausted", "exhausted"]
    assert gw.actions == []  # "report" never changes a state


def test_hourly_cap_prevents_a_restart_storm():
    gw = cluster(runs=[run(f"r{i}", "RUNNING", started=99999) for i in range(6)])
    st = dataclasses.replace(ST, max_actions_per_hour=4, stuck_action="reschedule")
    state = WatchdogState()
    rep = watchdog_pass(gw, st, state, now=NOW)
    assert [f.outcome for f in rep.findings].count("done") == 4
    assert [f.outcome for f in rep.findings].count("capped") == 2
    assert {a[1] for a in gw.actions} == {"reschedule"}
    later = watchdog_pass(gw, st, state, now=NOW + __import__("datetime").timedelta(hours=2))
    assert later.acted == 2  # the window moved on; the rest are the two capped ones (rescheduled in the fake)


def test_late_runs_of_a_pool_without_workers_are_only_reported():
    gw = cluster(runs=[run("l1", "SCHEDULED", expected=5000, pool="gpu")])
    gw.pool_workers["gpu"] = []
    st = dataclasses.replace(ST, late_action="reschedule")
    state = WatchdogState()
    rep = watchdog_pass(gw, st, state, now=NOW)
    assert kinds(rep) == [(LATE, "l1", "reported"), (NO_WORKERS, "gpu", "reported")]
    assert "no online worker" in rep.findings[0].detail and gw.actions == []
    assert [e[0] for e in gw.events] == ["ringrift.watchdog.pool-without-workers"]
    watchdog_pass(gw, st, state, now=NOW + __import__("datetime").timedelta(minutes=10), worker_offline_seconds=3600)
    assert len(gw.events) == 1  # one pool event per hour


def test_dry_run_changes_nothing():
    gw = cluster(runs=[run("s", "RUNNING", started=99999)])
    state = WatchdogState()
    rep = watchdog_pass(gw, ST, state, now=NOW, dry_run=True)
    assert rep.findings[0].outcome == "dry-run" and gw.actions == [] and gw.events == [] and not state.runs


def test_state_file_round_trip_and_corruption(tmp_path):
    p = tmp_path / "wd" / "state.json"
    s = WatchdogState([1.0], {"r": {"count": 2, "last": 5.0}}, {"gpu": 3.0})
    s.save(p)
    assert WatchdogState.load(p) == s
    p.write_text("{not json")
    assert WatchdogState.load(p) == WatchdogState()
    assert WatchdogState.load(tmp_path / "missing.json") == WatchdogState()


def test_watchdog_loop_keeps_state_between_passes(tmp_path):
    gw = cluster(runs=[run("s", "RUNNING", started=99999)])
    dog = Watchdog(lambda: gw, dataclasses.replace(ST, interval_seconds=1), tmp_path / "state.json",
                   clock=lambda: NOW)
    reports = []
    dog.run_forever(lambda rep, err: reports.append(rep or err), max_passes=2, sleep=lambda s: None)
    assert [f.outcome for f in reports[0].findings] == ["done"]
    assert reports[1].findings == () or reports[1].findings[0].outcome != "done"
    assert WatchdogState.load(tmp_path / "state.json").runs["s"]["count"] == 1


def test_watchdog_cli_needs_a_server(capsys, monkeypatch, tmp_path):
    import argparse

    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ringrift import watchdog as cmd

    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path}\n")
    with temporary_settings({PREFECT_API_URL: None}):
        assert cmd.run(p.parse_args(["--once", "--config", str(cfg)])) == 2
    assert "PREFECT_API_URL" in capsys.readouterr().err


@pytest.mark.slow
def test_watchdog_cli_exits_without_a_stray_prefect_message(prefect_server, tmp_path):
    """`ringrift watchdog --once` against a real server, with a pool without workers (a finding that
    emits an event): the event reaches the server before the command exits, and stderr holds no
    `Still processing items: 1 items remaining...` (Prefect draining its queue at interpreter exit)."""
    import os
    import subprocess
    import sys
    import time

    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    from ops import prefect_client

    with prefect_client() as c:
        c.create_work_pool(WorkPoolCreate(name="wd-no-workers", type="process"), overwrite=True)
    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path / 'home'}\n")
    p = subprocess.run([sys.executable, "-m", "ringrift", "watchdog", "--once", "--config", str(cfg)],
                       env={**os.environ, "PREFECT_API_URL": prefect_server}, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 1, p.stderr  # the finding is reported, so it remains
    assert "wd-no-workers" in p.stdout and "pool-without-workers" in p.stdout
    assert "Still processing" not in p.stderr and p.stderr.strip() == "", p.stderr
    filt = EventFilter(event=EventNameFilter(name=["ringrift.watchdog.pool-without-workers"]),
                       resource=EventResourceFilter(id=["ringrift.work-pool.wd-no-workers"]))
    deadline = time.monotonic() + 60  # the server stores events asynchronously
    events = []
    while time.monotonic() < deadline and not events:
        with prefect_client() as c:
            events = c.read_events(filter=filt, limit=10).events
        time.sleep(0.5)
    assert events and events[0].payload["pool"] == "wd-no-workers"
