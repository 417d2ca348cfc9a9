"""Operations settings: the health check, the watchdog and the worker launcher.

These keys belong in ``config/unified_loop.yaml`` as an ``ops:`` section of ``ForgeConfig``
(``ops.health.*``, ``ops.watchdog.*``, ``ops.workers.*``). Until the section exists,
``ops_settings(cfg)`` returns the defaults below (and reads ``cfg.ops`` as soon as it does: a
mapping, or a dataclass with these fields), so nothing depends on a key the config loader does
not know yet. docs/OPERATIONS.md documents every key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STUCK_ACTIONS = ("crash", "cancel", "reschedule", "report")
LATE_ACTIONS = ("report", "reschedule", "cancel")


@dataclass(frozen=True)
class HealthSettings:
    prefect_timeout_seconds: float = 5.0  # every Prefect API call of the snapshot
    require_prefect: bool = False  # PREFECT_API_URL unset: a failure (True) or a skipped check (False)
    worker_offline_seconds: int = 120  # a worker whose last heartbeat is older counts as offline
    pools: tuple[str, ...] = ("cpu", "gpu")  # pools that should have an online worker
    pool_without_worker: str = "warn"  # warn | fail
    crashed_window_hours: float = 24.0  # crashed / failed runs counted over this window
    late_after_seconds: int = 300  # a scheduled run this far past its start time is late
    # a scheduled run this far past its start time is overdue (nothing runs it: unhealthy), and a
    # deployment whose active schedule has been in place this long must have an upcoming run
    overdue_after_seconds: int = 1800
    min_free_disk_gb: float = 2.0  # the cache's disk below this: fail
    warn_free_disk_gb: float = 10.0  # ... below this: warn
    champion_max_age_hours: float = 0.0  # a champion older than this: warn (0 = never)


@dataclass(frozen=True)
class WatchdogSettings:
    interval_seconds: int = 120  # between passes (``ringrift watchdog`` without --once)
    stuck_action: str = "crash"  # crash | cancel | reschedule | report
    late_action: str = "report"  # report | reschedule | cancel
    heartbeat_timeout_seconds: int = 300  # a running run without a heartbeat this long is stuck (0 = off)
    late_after_seconds: int = 900
    # (when a running run is stuck comes from orchestration.timeouts: OrchestrationConfig.watchdog_limits)
    backoff_seconds: int = 600  # wait before acting on the same run again; doubles each time
    max_actions_per_run: int = 3  # then the run is only reported
    max_actions_per_hour: int = 10  # over all runs: no restart storm
    tag: str | None = "ringrift"  # only runs with this tag (None: every run)
    emit_events: bool = True  # a ringrift.watchdog.* event per finding acted on
    state_file: str = "watchdog-state.json"  # relative -> under home


@dataclass(frozen=True)
class WorkerSettings:
    cpu_pool: str = "cpu"
    gpu_pool: str = "gpu"
    worker_type: str = "process"
    cpu_limit: int = 0  # concurrent flow runs of the CPU worker (0 = half the cores, at least 1)
    gpu_limit: int = 1  # per GPU worker: one flow run per GPU
    heartbeat_seconds: int = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY of the flow runs
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment of every worker


@dataclass(frozen=True)
class OpsSettings:
    health: HealthSettings = field(default_factory=HealthSettings)
    watchdog: WatchdogSettings = field(default_factory=WatchdogSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)


def _build(cls, data: Any):
    if data is None:
        return cls()
    if isinstance(data, cls):
        return data
    if dataclasses.is_dataclass(data):
        data = dataclasses.asdict(data)
    data = dict(data)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"ops.{cls.__name__.removesuffix('Settings').lower()}: unknown key {unknown[0]!r} "
                         f"(known: {', '.join(sorted(known))})")
    kwargs = {}
    for k, v in data.items():
        default = getattr(cls(), k)
        if isinstance(default, tuple) and isinstance(v, list):
            v = tuple(v)
        kwargs[k] = v
    obj = cls(**kwargs)
    for name, allowed in (("stuck_action", STUCK_ACTIONS), ("late_action", LATE_ACTIONS),
                          ("pool_without_worker", ("warn", "fail"))):
        if hasattr(obj, name) and getattr(obj, name) not in allowed:
            raise ValueError(f"ops: {name} must be one of {', '.join(allowed)}, got {getattr(obj, name)!r}")
    return obj


def ops_settings(cfg: Any = None) -> OpsSettings:
    """``cfg.ops`` when the config has that section, else the defaults (see the module doc)."""
    sec = getattr(cfg, "ops", None) if cfg is not None and not isinstance(cfg, Mapping) else (
        cfg.get("ops") if isinstance(cfg, Mapping) else None)
    if sec is None:
        return OpsSettings()
    if isinstance(sec, OpsSettings):
        return sec
    if dataclasses.is_dataclass(sec):
        sec = {f.name: getattr(sec, f.name) for f in dataclasses.fields(sec)}
    sec = dict(sec)
    return OpsSettings(health=_build(HealthSettings, sec.get("health")),
                       watchdog=_build(WatchdogSettings, sec.get("watchdog")),
                       workers=_build(WorkerSettings, sec.get("workers")))
