"""A fake Prefect server for the health and watchdog logic (``engine.analysis.FakeGateway``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.analysis import FakeGateway, PoolInfo, RunInfo, WorkerInfo

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def run(rid: str, state: str, *, flow: str = "selfplay", started: float | None = None, expected: float | None = None,
        pool: str = "cpu", tags=("ringrift",), name: str | None = None) -> RunInfo:
    return RunInfo(id=rid, name=name or f"run-{rid}", flow_name=flow, deployment=f"{flow}/default", state_type=state,
                   state_name={"SCHEDULED": "Scheduled"}.get(state, state.title()),
                   start_time=None if started is None else ago(started),
                   expected_start_time=None if expected is None else ago(expected), work_pool=pool, tags=tuple(tags))


def cluster(**kw) -> FakeGateway:
    """cpu pool with one live worker; gpu pool with two GPU workers on host-a (one stale) and none else."""
    gw = FakeGateway(
        pools=[PoolInfo("cpu", "process", False), PoolInfo("gpu", "process", False)],
        pool_workers={"cpu": [WorkerInfo("host-a-cpu", "cpu", "ONLINE", ago(10))],
                      "gpu": [WorkerInfo("host-a-gpu0", "gpu", "ONLINE", ago(5)),
                              WorkerInfo("host-a-gpu1", "gpu", "ONLINE", ago(20)),
                              WorkerInfo("host-b-gpu0", "gpu", "OFFLINE", ago(3600))]},
        **kw)
    return gw
