"""Operations against the Prefect server: the one Prefect gateway, the health snapshot, the
watchdog, the worker launcher and artifacts. Beside ``tasks/`` and ``flows/``, this is where the
project talks to Prefect's API; ``engine/`` never does (tests/ops/test_layout.py holds it to that).

    from ops import prefect_client, PrefectGateway
    with prefect_client() as c: c.read_flow_run(run_id)       # the one way to open a Prefect client
    with PrefectGateway(timeout=5) as gw: gw.work_pools()      # the calls health and watchdog make

    from ops import health_snapshot, watchdog_pass, worker_commands
    rep = health_snapshot(cfg); print(rep.format()); rep.unhealthy

Prefect itself is imported inside the functions, so importing ``ops`` stays cheap.
docs/OPERATIONS.md describes the checks, the watchdog's policy and the worker layout.
"""

from .artifacts import publish_markdown
from .gateway import (
    PoolInfo,
    PrefectGateway,
    RunInfo,
    ScheduleInfo,
    WorkerInfo,
    api_url,
    async_prefect_client,
    flush_events,
    prefect_client,
    utcnow,
)
from .health import DeploymentRuns, HealthReport, PoolHealth, gpus_by_host, health_snapshot
from .watchdog import Finding, Watchdog, WatchdogReport, WatchdogState, watchdog_pass
from .workers import WorkerCommand, detect_gpus, parse_gpus, run_workers, worker_commands

__all__ = [
    "DeploymentRuns", "Finding", "HealthReport", "PoolHealth", "PoolInfo", "PrefectGateway", "RunInfo",
    "ScheduleInfo", "Watchdog", "WatchdogReport", "WatchdogState", "WorkerCommand", "WorkerInfo", "api_url",
    "async_prefect_client", "detect_gpus", "flush_events", "gpus_by_host", "health_snapshot", "parse_gpus",
    "prefect_client", "publish_markdown", "run_workers", "utcnow", "watchdog_pass", "worker_commands",
]
