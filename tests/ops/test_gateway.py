"""The gateway against a real Prefect server (the test harness): its clients, and the health
snapshot, the watchdog and their commands on it, on the embedded default and on the cluster set-up
(PostgreSQL + S3)."""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

import pytest

from engine.config import WatchdogSettings
from ops import (
    PrefectGateway,
    WatchdogState,
    async_prefect_client,
    health_snapshot,
    prefect_client,
    utcnow,
    watchdog_pass,
)


@pytest.fixture(scope="module")
def server_state(prefect_server):
    """Pools cpu (no worker) and gpu (two GPU workers of host hx), a deployment, a late scheduled
    run and a running run without heartbeats."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.states import Running, Scheduled

    with prefect_client() as c:
        for name in ("cpu", "gpu"):
            c.create_work_pool(WorkPoolCreate(name=name, type="process"), overwrite=True)
        c.send_worker_heartbeat("gpu", "hx-gpu0")
        c.send_worker_heartbeat("gpu", "hx-gpu1")
        fid = c.create_flow_from_name("selfplay")
        dep = c.create_deployment(flow_id=fid, name="ops-test", work_pool_name="cpu", tags=["ringrift"])
        # 20 min late: late for the health check (300 s) and the watchdog (900 s), not yet overdue (1800 s)
        late = c.create_flow_run_from_deployment(dep, state=Scheduled(scheduled_time=utcnow() - timedelta(minutes=20)),
                                                 tags=["ringrift"])
        running = c.create_flow_run_from_deployment(dep, state=Running(), tags=["ringrift"])
    return {"late": str(late.id), "running": str(running.id)}


def _state(run_id: str) -> str:
    with prefect_client() as c:
        return c.read_flow_run(run_id).state.type.value


def test_the_clients_reach_the_server_with_the_timeout_asked_for(prefect_server):
    """Both clients of the gateway talk to the same server; ``timeout`` reaches every request."""
    import asyncio

    async def make() -> str:
        async with async_prefect_client() as c:
            return str(await c.create_flow_from_name("gateway-client-test"))

    fid = asyncio.run(make())
    with prefect_client(timeout=7) as c:
        assert c.api_healthcheck() is None and str(c.read_flow(fid).id) == fid
        assert c._client.timeout.read == 7  # httpx's: Prefect passes httpx_settings through
    with prefect_client() as c:
        assert c._client.timeout.read != 7  # Prefect's own default when none is asked for


def test_an_unreachable_server_is_named(closed_api_url):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: closed_api_url}), PrefectGateway(2) as gw:
        assert gw.url == closed_api_url
        with pytest.raises(ConnectionError, match=f"Prefect API {closed_api_url} not reachable"):
            gw.server_version()


def test_health_snapshot_against_the_server(history, server_state):
    rep = health_snapshot(history.cfg)
    checks = {c.name: c for c in rep.checks}
    assert checks["prefect"].status == "ok" and rep.prefect_version.startswith("3.")
    gpu = next(p for p in rep.pools if p.name == "gpu")
    assert gpu.online == 2 and dict(gpu.gpus_by_host) == {"hx": 2}
    assert checks["pool cpu"].status == "warn" and "no worker online" in checks["pool cpu"].detail
    row = next(r for r in rep.runs if r.deployment == "selfplay/ops-test")
    assert row.late >= 1 and row.running >= 1
    assert checks["runs"].status == "warn" and rep.ok  # warnings only
    assert checks["scheduler"].status == "ok"  # late, not overdue; the deployment has no schedule


def test_health_cli_json_against_the_server(history, server_state, capsys):
    from ringrift import health as cmd

    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    assert cmd.run(p.parse_args(["--json", "--config", str(history.config_path)])) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["prefect_version"] and any(pl["name"] == "gpu" for pl in js["pools"])
    assert cmd.run(p.parse_args(["--strict", "--config", str(history.config_path)])) == 1  # warnings count
    assert "pool cpu" in capsys.readouterr().err


def test_watchdog_crashes_a_silent_run(server_state, tmp_path, capsys):
    time.sleep(1.2)
    st = WatchdogSettings(heartbeat_timeout_seconds=1, late_after_seconds=60, late_action="reschedule")
    # dry run first, through the command line: nothing changes
    from ringrift import watchdog as cmd

    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path}\n")
    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    assert cmd.run(p.parse_args(["--once", "--dry-run", "--json", "--config", str(cfg)])) == 1
    js = json.loads(capsys.readouterr().out)
    assert any(f["kind"] == "late" for f in js["findings"]) and _state(server_state["running"]) == "RUNNING"
    state = WatchdogState()
    with PrefectGateway(10) as gw:
        rep = watchdog_pass(gw, st, state)
    mine = {f.run_id: f for f in rep.findings if f.run_id in server_state.values()}
    assert mine[server_state["running"]].kind == "no-heartbeat" and mine[server_state["running"]].outcome == "done"
    assert _state(server_state["running"]) == "CRASHED"
    # the late run's pool (cpu) has no worker: reported, not rescheduled
    assert mine[server_state["late"]].outcome == "reported" and _state(server_state["late"]) == "SCHEDULED"
    with PrefectGateway(10) as gw:
        again = watchdog_pass(gw, st, state)
    assert server_state["running"] not in {f.run_id for f in again.findings}


def test_cluster_health_postgres_s3_and_server(cluster_history, server_state, aws):
    rep = health_snapshot(cluster_history.cfg)
    checks = {c.name: c for c in rep.checks}
    assert checks["store"].status == "ok" and checks["store"].detail.startswith("s3://")
    assert checks["database"].status == "ok" and "postgresql" in checks["database"].detail
    assert checks["champion square8_2p"].status == "ok" and checks["prefect"].status == "ok"
    assert "AKIA" not in rep.format() and "secret" not in json.dumps(rep.to_json())
