"""The proposed ``ops:`` config section."""

from __future__ import annotations

import pytest

from engine.analysis import OpsSettings, ops_settings


def test_defaults_without_the_section():
    from engine.config import config_from_dict

    assert ops_settings(config_from_dict({}, env={})) == OpsSettings()
    assert ops_settings(None) == OpsSettings()


def test_a_mapping_section():
    class Cfg:
        ops = {"health": {"pools": ["cpu"], "min_free_disk_gb": 1},
               "watchdog": {"stuck_action": "cancel", "backoff_seconds": 60},
               "workers": {"cpu_limit": 3}}

    st = ops_settings(Cfg())
    assert st.health.pools == ("cpu",) and st.health.min_free_disk_gb == 1
    assert st.watchdog.stuck_action == "cancel" and st.watchdog.backoff_seconds == 60
    assert st.workers.cpu_limit == 3
    assert ops_settings({"ops": {"workers": {"gpu_pool": "g"}}}).workers.gpu_pool == "g"


def test_bad_keys_and_values_are_named():
    class Cfg:
        ops = {"watchdog": {"stuck_action": "explode"}}

    with pytest.raises(ValueError, match="stuck_action"):
        ops_settings(Cfg())
    Cfg.ops = {"health": {"nope": 1}}
    with pytest.raises(ValueError, match="nope"):
        ops_settings(Cfg())
    # the watchdog has no timeout table of its own any more (orchestration.timeouts is the one)
    Cfg.ops = {"watchdog": {"timeouts": {"train": 60}}}
    with pytest.raises(ValueError, match="timeouts"):
        ops_settings(Cfg())


def test_a_dataclass_section_as_the_config_loader_would_build_it():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Watchdog:
        stuck_action: str = "reschedule"
        max_actions_per_hour: int = 3

    @dataclass(frozen=True)
    class Ops:
        watchdog: Watchdog = field(default_factory=Watchdog)
        health: dict = field(default_factory=lambda: {"pools": ("gpu",)})

    @dataclass(frozen=True)
    class Cfg:
        ops: Ops = field(default_factory=Ops)

    st = ops_settings(Cfg())
    assert st.watchdog.stuck_action == "reschedule" and st.watchdog.max_actions_per_hour == 3
    assert st.health.pools == ("gpu",) and st.workers == OpsSettings().workers
