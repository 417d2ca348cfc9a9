"""The health snapshot: each check on its own (fake Prefect server) and against the embedded default."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.analysis import HealthSettings, PoolInfo, health_snapshot
from engine.analysis.health import (FAIL, OK, SKIP, WARN, DiskInfo, check_disk, gpus_by_host, run_table,
                                    run_with_timeout)

from .fakes import NOW, cluster, run


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
    from engine.analysis.prefect_api import utcnow

    later = health_snapshot(history.cfg, gateway=gw, settings=dataclasses.replace(st, champion_max_age_hours=24),
                            now=utcnow() + __import__("datetime").timedelta(days=3))
    assert later.check("champion square8_2p").status == WARN and "older than" in later.check("champion square8_2p").detail
    assert rep.unhealthy == ("pool gpu",) and not rep.ok
    assert rep.verdict().startswith("UNHEALTHY: pool gpu")
    table = {r.deployment: r for r in rep.runs}
    assert table["selfplay/default"].late == 1 and table["selfplay/default"].crashed == 1
    assert table["train/default"].failed == 1


def test_unreachable_server_and_local_mode(history, monkeypatch):
    rep = snap(history, cluster(reachable=False))
    assert rep.check("prefect").status == FAIL and "not reachable" in rep.check("prefect").detail
    assert rep.check("pool cpu") is None and rep.unhealthy == ("prefect",)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    from prefect.settings import PREFECT_API_URL, temporary_settings

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

    from .helpers import write_config

    p = write_config(tmp_path / "f.yaml", tmp_path / "home", storage={"url": "memory://health-test"})
    cfg = load_config(p, env={})
    rep = health_snapshot(cfg, prefect=False)
    assert rep.check("database").status == FAIL and "does not exist" in rep.check("database").detail
    assert not (tmp_path / "home" / "forge.db").exists()  # looking did not create it
    assert rep.check("store").status == OK and rep.unhealthy == ("database",)


def test_a_hung_probe_times_out():
    import time

    from engine.analysis.health import _Timeout

    with pytest.raises(_Timeout):
        run_with_timeout(lambda: time.sleep(5), 0.2)
    assert run_with_timeout(lambda: 7, 1) == 7


def test_disk_thresholds_and_helpers():
    st = HealthSettings(min_free_disk_gb=2, warn_free_disk_gb=10)
    assert check_disk(DiskInfo("/c", 1.0, 100), st)[0] == FAIL
    assert check_disk(DiskInfo("/c", 5.0, 100), st)[0] == WARN
    assert check_disk(DiskInfo("/c", 50.0, 100), st)[0] == OK
    from engine.analysis import WorkerInfo

    ws = [WorkerInfo(n, "gpu", "ONLINE", NOW) for n in ("a-gpu0", "a-gpu1", "b.lan-gpu3", "plain")]
    assert gpus_by_host(ws) == {"a": 2, "b.lan": 1}
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

