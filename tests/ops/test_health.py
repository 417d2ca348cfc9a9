"""The health snapshot: the Prefect checks on a fake server, the whole snapshot against the embedded
default, and the scheduler check and `ringrift health` against a real Prefect server."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.analysis.health_checks import FAIL, OK, SKIP, WARN
from engine.config import HealthSettings
from ops import PoolInfo, WorkerInfo, health_snapshot, prefect_client, utcnow
from ops.health import gpus_by_host, run_table
from tests.ops.fakes import NOW, cluster, run


def snap(history, gw, **kw):
    return health_snapshot(history.cfg, gateway=gw, now=NOW, **kw)


def test_healthy_cluster(history):
    gw = cluster(runs=[run("1", "RUNNING", started=60), run("2", "SCHEDULED", expected=-60)])
    rep = snap(history, gw)
    assert rep.ok and rep.prefect_version == "3.8.8"
    st = {c.name: c.status for c in rep.checks}
    assert st["prefect"] == OK and st["pool cpu"] == OK and st["pool gpu"] == OK and st["runs"] == OK
    assert st["store"] == OK and st["database"] == OK and st["disk"] in (OK, WARN)
    assert st["champion square8_2p"] == OK
    gpu = next(p for p in rep.pools if p.name == "gpu")
    assert gpu.online == 2 and dict(gpu.gpus_by_host) == {"host-a": 2}
    assert "GPUs per host: host-a 2" in rep.check("pool gpu").detail
    ch = next(c for c in rep.champions if c.config_key == "square8_2p")
    assert ch.model_id == history.m2 and ch.agrees and ch.age_hours is not None
    text = rep.format()
    assert "Workers" in text and "host-a-gpu1" in text and "Champions" in text and "HEALTHY" in text
    js = json.loads(json.dumps(rep.to_json()))
    assert js["ok"] is True and js["pools"][1]["gpus_by_host"] == {"host-a": 2}


def test_problems_are_named(history):
    gw = cluster(runs=[run("1", "SCHEDULED", expected=3600), run("2", "CRASHED", expected=600),
                       run("3", "FAILED", expected=600, flow="train")])
    gw.pool_workers["gpu"] = []
    gw.pools.append(PoolInfo("paused", "process", True))
    st = dataclasses.replace(HealthSettings(), pool_without_worker="fail", champion_max_age_hours=0.0001)
    rep = health_snapshot(history.cfg, gateway=gw, settings=st, now=NOW)
    checks = {c.name: c for c in rep.checks}
    assert checks["pool gpu"].status == FAIL and "no worker online" in checks["pool gpu"].detail
    assert checks["pool paused"].status == WARN
    assert checks["runs"].status == WARN and "1 late" in checks["runs"].detail and "1 crashed" in checks["runs"].detail
    assert checks["champion square8_2p"].status == OK  # NOW is before the champion was made
    later = health_snapshot(history.cfg, gateway=gw, settings=dataclasses.replace(st, champion_max_age_hours=24),
                            now=utcnow() + __import__("datetime").timedelta(days=3))
    champ = later.check("champion square8_2p")
    assert champ.status == WARN and "older than" in champ.detail
    # the run an hour past its start is overdue: nothing runs what was scheduled (it was only a warning)
    assert rep.unhealthy == ("pool gpu", "scheduler") and not rep.ok
    assert "1 run(s) still Scheduled more than 30 min past their start (selfplay/default 1)" in \
        checks["scheduler"].detail
    assert rep.verdict().startswith("UNHEALTHY: pool gpu, scheduler")
    table = {r.deployment: r for r in rep.runs}
    assert table["selfplay/default"].late == 1 and table["selfplay/default"].crashed == 1
    assert table["selfplay/default"].overdue == 1
    assert table["train/default"].failed == 1


def test_unreachable_server_and_local_mode(history, monkeypatch, closed_api_url):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: closed_api_url}):  # the real gateway, nothing listening
        rep = health_snapshot(history.cfg, settings=HealthSettings(prefect_timeout_seconds=2), now=NOW)
    assert rep.check("prefect").status == FAIL and "not reachable" in rep.check("prefect").detail
    assert rep.check("pool cpu") is None and rep.unhealthy == ("prefect",)
    with temporary_settings({PREFECT_API_URL: None}):
        rep = health_snapshot(history.cfg, now=NOW)
        assert rep.check("prefect").status == SKIP and rep.ok
        strict = health_snapshot(history.cfg, settings=HealthSettings(require_prefect=True))
        assert strict.check("prefect").status == FAIL
    assert health_snapshot(history.cfg, prefect=False).check("prefect").status == SKIP


def test_missing_pools_are_a_warning(history):
    gw = cluster()
    gw.pools = [p for p in gw.pools if p.name != "gpu"]
    rep = snap(history, gw)
    assert rep.check("pool gpu").status == WARN and "ringrift deploy" in rep.check("pool gpu").detail


def test_store_database_and_champion_problems(tmp_path):
    from engine.config import load_config
    from tests.analysis.helpers import write_config

    p = write_config(tmp_path / "f.yaml", tmp_path / "home", storage={"url": "memory://health-test"})
    cfg = load_config(p, env={})
    rep = health_snapshot(cfg, prefect=False)
    assert rep.check("database").status == FAIL and "does not exist" in rep.check("database").detail
    assert not (tmp_path / "home" / "forge.db").exists()  # looking did not create it
    assert rep.check("store").status == OK and rep.unhealthy == ("database",)


def test_gpus_per_host_and_the_run_table():
    ws = [WorkerInfo(n, "gpu", "ONLINE", NOW) for n in ("a-gpu0", "a-gpu1", "b.lan-gpu3", "plain")]
    assert gpus_by_host(ws) == {"a": 2, "b.lan": 1}
    # the gpu pool served on the CPU (ringrift worker --device cpu) and look-alike names count no GPU
    ws = [WorkerInfo(n, "gpu", "ONLINE", NOW) for n in ("dev-cpu", "x-gpupool", "y-gpu", "my-gpu-box-cpu")]
    assert gpus_by_host(ws) == {}
    t = run_table([run("1", "PENDING"), run("2", "RUNNING"), run("3", "CANCELLING")], NOW, 60)
    assert (t[0].pending, t[0].running) == (1, 2)


def test_health_cli(history, capsys, monkeypatch):
    import argparse

    from ringrift import health as cmd

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    assert cmd.run(p.parse_args(["--config", str(history.config_path), "--no-prefect"])) == 0
    out = capsys.readouterr().out
    assert "HEALTHY" in out and "database" in out
    assert cmd.run(p.parse_args(["--config", str(history.config_path), "--no-prefect", "--json"])) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["ok"] is True and {c["name"] for c in js["checks"]} >= {"store", "database", "disk"}
    bad = history.config_path.parent / "bad.yaml"
    bad.write_text(f"home: {history.config_path.parent / 'nothing-here'}\n")
    assert cmd.run(p.parse_args(["--config", str(bad), "--no-prefect"])) == 1
    assert "unhealthy: database" in capsys.readouterr().err
    typo = history.config_path.parent / "typo.yaml"
    typo.write_text("hom: x\n")
    assert cmd.run(p.parse_args(["--config", str(typo)])) == 2



def test_gpus_are_counted_only_where_there_are_some(history, monkeypatch):
    """A development host serving the gpu pool on the CPU shows no GPU, in the pool line or the header."""
    gw = cluster()
    gw.pool_workers["gpu"] = [WorkerInfo("devbox-cpu", "gpu", "ONLINE", NOW)]
    monkeypatch.setattr("ops.workers.detect_gpus", lambda: None)  # no nvidia-smi
    rep = snap(history, gw)
    gpu = next(p for p in rep.pools if p.name == "gpu")
    assert gpu.online == 1 and dict(gpu.gpus_by_host) == {}
    assert "GPU" not in rep.check("pool gpu").detail and rep.host_gpus is None
    assert "GPU" not in rep.format().splitlines()[0]
    monkeypatch.setattr("ops.workers.detect_gpus", lambda: [])  # nvidia-smi lists none
    assert snap(history, gw).host_gpus is None
    monkeypatch.setattr("ops.workers.detect_gpus", lambda: [0, 1])
    rep = snap(history, gw)
    assert rep.host_gpus == 2 and "(2 GPUs)" in rep.format().splitlines()[0]


def test_a_dead_scheduler_is_unhealthy(history):
    """Schedules whose runs never come (the scheduler service fails) or whose runs sit Scheduled long past
    their time make the snapshot UNHEALTHY; a live schedule with an upcoming run does not."""
    from datetime import timedelta

    from ops import ScheduleInfo

    old = NOW - timedelta(hours=2)
    live = ScheduleInfo("health/hourly", False, 1, old)
    dead = ScheduleInfo("selfplay/square8-2p", False, 1, old)
    new = ScheduleInfo("sync/every-5-min", False, 1, NOW - timedelta(seconds=60))  # just deployed: grace
    paused = ScheduleInfo("prune/daily", True, 1, old)
    gw = cluster(runs=[run("1", "SCHEDULED", expected=-600, flow="health")], schedules=[live, new, paused])
    gw.runs = [dataclasses.replace(r, deployment="health/hourly") for r in gw.runs]
    rep = snap(history, gw)
    assert rep.check("scheduler").status == OK and rep.ok, rep.format()
    gw.schedules.append(dead)
    rep = snap(history, gw)
    c = rep.check("scheduler")
    assert c.status == FAIL and "selfplay/square8-2p" in c.detail and "scheduler service" in c.detail
    assert "health/hourly" not in c.detail and "sync" not in c.detail and "prune" not in c.detail
    assert rep.verdict() == "UNHEALTHY: scheduler"
    # a scheduled run 10 minutes late is only late (a warning); 2 hours late it is overdue
    gw = cluster(runs=[run("2", "SCHEDULED", expected=600)])
    rep = snap(history, gw)
    assert rep.check("scheduler").status == OK and rep.check("runs").status == WARN
    gw = cluster(runs=[run("2", "SCHEDULED", expected=7200)])
    assert snap(history, gw).check("scheduler").status == FAIL
    assert snap(history, gw, settings=HealthSettings(overdue_after_seconds=3 * 3600)).check("scheduler").status == OK


def test_scheduled_deployments_from_a_real_server(prefect_server):
    """The gateway reads the deployments with an active schedule from a real Prefect server."""
    import asyncio
    from datetime import timedelta

    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import IntervalSchedule

    from ops import PrefectGateway, async_prefect_client

    async def make():
        async with async_prefect_client() as c:
            fid = await c.create_flow_from_name("health-sched-test")
            await c.create_deployment(fid, "every-hour", schedules=[DeploymentScheduleCreate(
                schedule=IntervalSchedule(interval=timedelta(hours=1)), active=True)])
            await c.create_deployment(fid, "inactive", schedules=[DeploymentScheduleCreate(
                schedule=IntervalSchedule(interval=timedelta(hours=1)), active=False)])

    asyncio.run(make())
    try:
        with PrefectGateway(30) as gw:
            got = {s.deployment: s for s in gw.scheduled_deployments()}
    finally:  # the session's server runs no scheduler: leave no schedule for the other tests to judge
        _delete_deployments("health-sched-test/every-hour", "health-sched-test/inactive")
    assert "health-sched-test/every-hour" in got and "health-sched-test/inactive" not in got
    s = got["health-sched-test/every-hour"]
    assert s.schedules == 1 and not s.paused and s.updated is not None


def _delete_deployments(*names: str) -> None:
    with prefect_client() as c:
        for n in names:
            c.delete_deployment(c.read_deployment_by_name(n).id)


@pytest.mark.slow
def test_health_command_on_a_real_server_with_an_overdue_run(prefect_server, history):
    """`ringrift health` (subprocess) against a real Prefect server: a run of a scheduled deployment
    still Scheduled two hours past its time makes it UNHEALTHY, naming the scheduler check."""
    import asyncio
    import os
    import subprocess
    import sys
    from datetime import timedelta

    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import IntervalSchedule
    from prefect.states import Scheduled

    from ops import async_prefect_client

    async def make():
        async with async_prefect_client() as c:
            fid = await c.create_flow_from_name("health-overdue-test")
            did = await c.create_deployment(fid, "hourly", tags=["ringrift"], schedules=[DeploymentScheduleCreate(
                schedule=IntervalSchedule(interval=timedelta(hours=1)), active=True)])
            fr = await c.create_flow_run_from_deployment(
                did, state=Scheduled(scheduled_time=utcnow() - timedelta(hours=2)))
            return fr.id

    run_id = asyncio.run(make())
    try:
        p = subprocess.run([sys.executable, "-m", "ringrift", "health", "--config", str(history.config_path), "--json"],
                           env={**os.environ, "PREFECT_API_URL": prefect_server}, capture_output=True, text=True,
                           timeout=600)
    finally:  # the other tests of this session's server expect no overdue run
        from prefect.states import Cancelled

        with prefect_client() as c:
            c.set_flow_run_state(run_id, Cancelled(), force=True)
        _delete_deployments("health-overdue-test/hourly")
    assert p.returncode == 1, p.stderr
    rep = json.loads(p.stdout)
    sched = next(c for c in rep["checks"] if c["name"] == "scheduler")
    assert sched["status"] == FAIL and "health-overdue-test/hourly 1" in sched["detail"], sched
    assert "scheduler" in rep["unhealthy"] and "unhealthy:" in p.stderr and "scheduler" in p.stderr
