"""The one place that opens a Prefect client, and the few API calls the health check and the
watchdog make behind one small class.

``prefect_client()`` (synchronous) and ``async_prefect_client()`` are how the tasks, flows,
deployments and commands talk to the Prefect API; nothing else calls Prefect's ``get_client``.
``PrefectGateway`` wraps the synchronous client with a short timeout and returns plain frozen
dataclasses, so the health and watchdog logic is written (and tested) against this interface;
their unit tests use a fake with the same methods (tests/ops/fakes.py: worker heartbeats and run
times at chosen ages under a fixed clock, which a real server cannot give), and tests/ops/test_gateway.py
runs the real one against a Prefect server (``prefect_test_harness``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"
ACTIVE_STATES = ("SCHEDULED", "PENDING", "RUNNING", "CANCELLING", "PAUSED")


@dataclass(frozen=True)
class PoolInfo:
    name: str
    type: str
    paused: bool
    status: str | None = None
    concurrency_limit: int | None = None


@dataclass(frozen=True)
class WorkerInfo:
    name: str
    pool: str
    status: str | None  # ONLINE / OFFLINE as the server says
    last_heartbeat: datetime | None
    heartbeat_interval_seconds: int | None = None


@dataclass(frozen=True)
class RunInfo:
    id: str
    name: str
    flow_name: str | None
    deployment: str | None  # "flow/deployment"
    state_type: str  # SCHEDULED, RUNNING, ...
    state_name: str | None
    start_time: datetime | None
    expected_start_time: datetime | None
    work_pool: str | None = None
    tags: tuple[str, ...] = ()
    run_count: int = 0
    updated: datetime | None = None
    state_timestamp: datetime | None = None


@dataclass(frozen=True)
class ScheduleInfo:
    """A deployment with at least one active schedule (``paused``: the deployment is paused)."""

    deployment: str  # "flow/deployment"
    paused: bool
    schedules: int  # active schedules
    updated: datetime | None  # the newest of its schedules' created/updated times


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(t) -> datetime | None:
    if t is None:
        return None
    if isinstance(t, str):
        t = datetime.fromisoformat(t)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def api_url() -> str | None:
    """The Prefect API this process talks to (``PREFECT_API_URL``), None in local (ephemeral) mode."""
    try:
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value() or None
    except Exception:  # noqa: BLE001
        return os.environ.get("PREFECT_API_URL") or None


def prefect_client(*, timeout: float | None = None):
    """A synchronous Prefect client on ``PREFECT_API_URL`` (or the ephemeral server), used as a
    context manager: ``with prefect_client() as c: c.read_flow_run(...)``. ``timeout``: seconds per
    request (default: Prefect's own)."""
    from prefect.client.orchestration import get_client

    if timeout is None:
        return get_client(sync_client=True)
    return get_client(sync_client=True, httpx_settings={"timeout": timeout})


def async_prefect_client():
    """The asynchronous Prefect client (``async with async_prefect_client() as c: await ...``), for
    code that runs many calls in one event loop (``deployments.apply``)."""
    from prefect.client.orchestration import get_client

    return get_client()


class PrefectGateway:
    """Prefect API calls with a timeout (seconds) per request."""

    def __init__(self, timeout: float = 5.0):
        self.timeout = float(timeout)
        self._client = None
        self._emitted = False

    # -- plumbing -----------------------------------------------------------------------------------
    def __enter__(self) -> PrefectGateway:
        self._client = prefect_client(timeout=self.timeout)
        self._client.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.__exit__(*exc)
            self._client = None
        if self._emitted:
            self._emitted = False
            flush_events(max(self.timeout * 3, 10.0))

    @property
    def client(self):
        if self._client is None:
            raise RuntimeError("use PrefectGateway as a context manager")
        return self._client

    @property
    def url(self) -> str | None:
        return api_url()

    # -- server ---------------------------------------------------------------------------------------
    def server_version(self) -> str:
        err = self.client.api_healthcheck()
        if err is not None:
            raise ConnectionError(f"Prefect API {self.url} not reachable: {err}")
        return str(self.client.api_version())

    @staticmethod
    def client_version() -> str:
        import prefect

        return prefect.__version__

    # -- pools and workers -------------------------------------------------------------------------------
    def work_pools(self) -> list[PoolInfo]:
        out = []
        for p in self.client.read_work_pools(limit=200):  # limit=None is rejected by the 3.8 server
            status = getattr(p, "status", None)
            out.append(PoolInfo(p.name, p.type, bool(p.is_paused), getattr(status, "value", status),
                                p.concurrency_limit))
        return out

    def workers(self, pool: str) -> list[WorkerInfo]:
        out = []
        for w in self.client.read_workers_for_work_pool(pool, limit=200, offset=0):
            status = getattr(w, "status", None)
            out.append(WorkerInfo(w.name, pool, getattr(status, "value", status), _aware(w.last_heartbeat_time),
                                  getattr(w, "heartbeat_interval_seconds", None)))
        return out

    # -- flow runs ---------------------------------------------------------------------------------------
    def _post(self, path: str, body: dict) -> Any:
        """A raw API call (the 3.8 client sends ``null`` for unset filters, which some routes reject)."""
        return self.client._client.post(path, json=body).json()

    def _names(self, runs) -> tuple[dict, dict]:
        dep_ids = sorted({str(r.deployment_id) for r in runs if r.deployment_id})
        flow_ids = sorted({str(r.flow_id) for r in runs if r.flow_id})
        flows = {}
        if flow_ids:
            for f in self._post("/flows/filter", {"flows": {"id": {"any_": flow_ids}}, "limit": len(flow_ids),
                                                  "offset": 0, "sort": "NAME_ASC"}):
                flows[f["id"]] = f["name"]
        deps = {}
        if dep_ids:
            for d in self._post("/deployments/filter", {"deployments": {"id": {"any_": dep_ids}},
                                                        "limit": len(dep_ids), "offset": 0, "sort": "NAME_ASC"}):
                deps[d["id"]] = f"{flows.get(d['flow_id'], '?')}/{d['name']}"
        return flows, deps

    def flow_runs(self, state_types: Sequence[str], *, since: datetime | None = None, tag: str | None = None,
                  limit: int = 1000) -> list[RunInfo]:
        """Flow runs in the given state types (``since``: expected to start after it)."""
        from prefect.client.schemas.filters import (
            FlowRunFilter,
            FlowRunFilterExpectedStartTime,
            FlowRunFilterState,
            FlowRunFilterStateType,
            FlowRunFilterTags,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        f = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
            any_=[StateType(s) for s in state_types])))
        if since is not None:
            f.expected_start_time = FlowRunFilterExpectedStartTime(after_=since)
        if tag:
            f.tags = FlowRunFilterTags(all_=[tag])
        runs: list = []
        page = 200
        while len(runs) < limit:
            got = self.client.read_flow_runs(flow_run_filter=f, limit=min(page, limit - len(runs)), offset=len(runs),
                                             sort=FlowRunSort.ID_DESC)
            runs.extend(got)
            if len(got) < page:
                break
        flows, deps = self._names(runs)
        out = []
        for r in runs:
            st = r.state
            out.append(RunInfo(
                id=str(r.id), name=r.name, flow_name=flows.get(str(r.flow_id)),
                deployment=deps.get(str(r.deployment_id)) if r.deployment_id else None,
                state_type=getattr(r.state_type, "value", str(r.state_type)),
                state_name=r.state_name, start_time=_aware(r.start_time),
                expected_start_time=_aware(r.expected_start_time), work_pool=r.work_pool_name,
                tags=tuple(r.tags or ()), run_count=int(r.run_count or 0), updated=_aware(r.updated),
                state_timestamp=_aware(st.timestamp) if st is not None else None))
        return out

    def scheduled_deployments(self) -> list[ScheduleInfo]:
        """Deployments with an active schedule (the server's scheduler should keep runs queued for them)."""
        deps: list[dict] = []
        while True:
            page = self._post("/deployments/filter", {"limit": 200, "offset": len(deps), "sort": "NAME_ASC"})
            deps.extend(page)
            if len(page) < 200:
                break
        flow_ids = sorted({d["flow_id"] for d in deps})
        flows = {}
        if flow_ids:
            for f in self._post("/flows/filter", {"flows": {"id": {"any_": flow_ids}}, "limit": len(flow_ids),
                                                  "offset": 0, "sort": "NAME_ASC"}):
                flows[f["id"]] = f["name"]
        out = []
        for d in deps:
            active = [s for s in d.get("schedules") or [] if s.get("active")]
            if not active:
                continue
            times = [_aware(t) for s in active for t in (s.get("created"), s.get("updated")) if t]
            out.append(ScheduleInfo(f"{flows.get(d['flow_id'], '?')}/{d['name']}", bool(d.get("paused")), len(active),
                                    max(times) if times else None))
        return out

    def last_heartbeats(self, run_ids: Iterable[str], *, since: datetime | None = None) -> dict[str, datetime]:
        """The newest ``prefect.flow-run.heartbeat`` event per flow run (runs without one are absent)."""
        from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter

        ids = [f"prefect.flow-run.{r}" for r in run_ids]
        if not ids:
            return {}
        since = since or utcnow() - timedelta(days=2)
        filt = EventFilter(event=EventNameFilter(name=[HEARTBEAT_EVENT]), resource=EventResourceFilter(id=ids),
                           occurred=EventOccurredFilter(since=since, until=utcnow() + timedelta(minutes=1)))
        out: dict[str, datetime] = {}
        page = self.client.read_events(filter=filt, limit=50)  # the server allows at most 50 per page
        pages = 0
        while True:
            for ev in page.events:
                rid = str(ev.resource.id).removeprefix("prefect.flow-run.")
                t = _aware(ev.occurred)
                if rid not in out or t > out[rid]:
                    out[rid] = t
            pages += 1
            if not page.next_page or pages >= 20:
                break
            page = self.client.read_events_page(page.next_page)
        return out

    def set_state(self, run_id: str, action: str, message: str) -> str:
        """``crash`` / ``cancel`` / ``reschedule`` a flow run (forced); returns the server's answer."""
        from prefect.states import Cancelled, Crashed, Scheduled

        state = {"crash": lambda: Crashed(message=message),
                 "cancel": lambda: Cancelled(message=message),
                 "reschedule": lambda: Scheduled(name="AwaitingRetry", message=message,
                                                 scheduled_time=utcnow())}[action]()
        res = self.client.set_flow_run_state(run_id, state, force=True)
        return str(getattr(res.status, "value", res.status))

    def emit(self, event: str, resource: Mapping[str, str], payload: Mapping[str, Any] | None = None,
             related: list | None = None) -> Any:
        from prefect.events import emit_event

        self._emitted = True  # sent in the background: flushed when the gateway closes
        return emit_event(event=event, resource=dict(resource), payload=dict(payload or {}), related=related)


def flush_events(timeout: float) -> bool:
    """Wait (at most ``timeout`` s) until Prefect's background events worker has sent what it holds.
    Without this a short-lived command exits with events queued, and Prefect drains them at
    interpreter exit with a stray ``Still processing items: 1 items remaining...`` on stderr.
    Returns False when the queue did not empty in time."""
    import threading

    from prefect.events.worker import EventsWorker

    try:  # only an existing worker (instance() would start one); private names: another Prefect may lack them
        with EventsWorker._instance_cache_lock:
            workers = [w for w in EventsWorker._instances.values() if isinstance(w, EventsWorker)]
    except AttributeError:
        return False
    done = threading.Event()

    def wait() -> None:
        for w in workers:
            w.wait_until_empty()
        done.set()

    threading.Thread(target=wait, daemon=True, name="flush-events").start()
    return done.wait(timeout)
