"""The health checks of what the engine owns (store, database, disk, champions) and the time limit
every probe runs under."""

from __future__ import annotations

import dataclasses
import time

import pytest

from engine.analysis.health_checks import (
    FAIL,
    OK,
    WARN,
    DiskInfo,
    ProbeTimeout,
    champion_checks,
    champions,
    check_database,
    check_disk,
    check_store,
    probe,
    run_with_timeout,
)
from engine.config import HealthSettings


def test_a_hung_probe_times_out():
    with pytest.raises(ProbeTimeout):
        run_with_timeout(lambda: time.sleep(5), 0.2)
    assert run_with_timeout(lambda: 7, 1) == 7
    c = probe("store", lambda: time.sleep(5), 0.2)
    assert (c.name, c.status, c.detail) == ("store", FAIL, "timed out after 0.2 s")


def test_a_failing_probe_reports_without_a_secret():
    def boom():
        raise OSError("cannot reach postgresql://forge:hunter2@db:5432/forge\nsecond line")

    c = probe("database", boom, 5)
    assert c.status == FAIL and c.detail.startswith("OSError: cannot reach postgresql://forge:***@db")
    assert "hunter2" not in c.detail and "second line" not in c.detail
    c = probe("disk", lambda: (WARN, "low"), 5)
    assert (c.name, c.status, c.detail) == ("disk", WARN, "low") and c.seconds >= 0


def test_disk_thresholds():
    st = HealthSettings(min_free_disk_gb=2, warn_free_disk_gb=10)
    assert check_disk(DiskInfo("/c", 1.0, 100), st)[0] == FAIL
    assert check_disk(DiskInfo("/c", 5.0, 100), st)[0] == WARN
    assert check_disk(DiskInfo("/c", 50.0, 100), st)[0] == OK


def test_store_and_a_database_that_does_not_exist(tmp_path):
    from engine.config import load_config

    from .helpers import write_config

    p = write_config(tmp_path / "f.yaml", tmp_path / "home", storage={"url": "memory://checks-test"})
    cfg = load_config(p, env={})
    status, detail = check_database(cfg)
    assert status == FAIL and "does not exist" in detail
    assert not (tmp_path / "home" / "forge.db").exists()  # looking did not create it
    status, detail = check_store(cfg)
    assert status == OK and "writable" in detail
    from engine.storage import store_from_config

    assert store_from_config(cfg).backend.list("health-probes/") == []  # the probe object was deleted


def test_champions_of_the_history(history):
    assert check_database(history.cfg)[0] == OK
    infos = {c.config_key: c for c in champions(history.cfg, ["hex8_3p"])}
    ch = infos["square8_2p"]
    assert ch.model_id == history.m2 and ch.store_model_id == history.m2 and ch.agrees and ch.age_hours is not None
    assert infos["hex8_3p"].model_id is None  # asked for: listed although it has none
    checks = {c.name: c for c in champion_checks(infos.values(), HealthSettings())}
    assert checks["champion square8_2p"].status == OK and checks["champion hex8_3p"].detail.startswith("none yet")
    old = champion_checks([dataclasses.replace(ch, age_hours=30.0)], HealthSettings(champion_max_age_hours=24))
    assert old[0].status == WARN and "older than 24 h" in old[0].detail
    split = champion_checks([dataclasses.replace(ch, store_model_id="m-other", agrees=False)], HealthSettings())
    assert split[0].status == WARN and "the store's pointer names m-other" in split[0].detail
