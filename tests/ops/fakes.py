"""A fake Prefect server for the health and watchdog logic (``FakeGateway``), and runs and clusters
built on it. The same logic runs against a real server in test_gateway.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ops import PoolInfo, RunInfo, ScheduleInfo, WorkerInfo

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeGateway:
    """An in-memory stand-in with ``PrefectGateway``'s methods: workers whose last heartbeat and runs
    whose start lie at chosen ages under a fixed clock (``NOW``), which a real server cannot give
    (it stamps heartbeats and states with its own clock)."""

    version: str = "3.8.8"
    pools: list[PoolInfo] = field(default_factory=list)
    pool_workers: dict[str, list[WorkerInfo]] = field(default_factory=dict)
    runs: list[RunInfo] = field(default_factory=list)
    heartbeats: dict[str, datetime] = field(default_factory=dict)
    url: str | None = "http://fake:4200/api"
    actions: list[tuple[str, str, str]] = field(default_factory=list)
    events: list[tuple[str, dict, dict]] = field(default_factory=list)
    schedules: list[ScheduleInfo] = field(default_factory=list)

    def __enter__(self) -> FakeGateway:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def server_version(self) -> str:
        return self.version

    @staticmethod
    def client_version() -> str:
        return "3.8.8"

    def work_pools(self) -> list[PoolInfo]:
        return list(self.pools)

    def workers(self, pool: str) -> list[WorkerInfo]:
        return list(self.pool_workers.get(pool, []))

    def flow_runs(self, state_types, *, since=None, tag=None, limit=1000) -> list[RunInfo]:
        out = [r for r in self.runs if r.state_type in state_types]
        if since is not None:
            out = [r for r in out if r.expected_start_time is None or r.expected_start_time > since]
        if tag:
            out = [r for r in out if tag in r.tags]
        return out[:limit]

    def last_heartbeats(self, run_ids, *, since=None) -> dict[str, datetime]:
        return {r: self.heartbeats[r] for r in run_ids if r in self.heartbeats}

    def scheduled_deployments(self) -> list[ScheduleInfo]:
        return list(self.schedules)

    def set_state(self, run_id: str, action: str, message: str) -> str:
        self.actions.append((run_id, action, message))
        new = {"crash": "CRASHED", "cancel": "CANCELLED", "reschedule": "SCHEDULED"}[action]
        self.runs = [RunInfo(**{**r.__dict__, "state_type": new}) if r.id == run_id else r for r in self.runs]
        return "ACCEPT"

    def emit(self, event, resource, payload=None, related=None):
        self.events.append((event, dict(resource), dict(payload or {})))
        return None


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
