"""The watchdog: stuck runs, runs without heartbeat, late runs, pools without workers.

    state = WatchdogState.load(path)
    rep = watchdog_pass(PrefectGateway(), settings, state)     # one pass
    state.save(path); print(rep.format())

One pass (``ringrift watchdog --once``; without ``--once`` every ``interval_seconds``):

* a RUNNING flow run (tagged ``ops.watchdog.tag``) older than its limit -- its flow's own timeout
  plus ``orchestration.watchdog_margin_seconds``, both from ``orchestration.timeouts``
  (``OrchestrationConfig.watchdog_limits``), so Prefect's timeout always acts first -- is
  **stuck** (a flow without a limit is judged by its heartbeat only); one whose newest
  ``prefect.flow-run.heartbeat`` event (or its start, when it never sent one) is older than
  ``heartbeat_timeout_seconds`` has **no heartbeat** -- both get ``stuck_action``: ``crash`` (mark
  it Crashed: the crash automation of ``ringrift deploy`` then reschedules it, its finished tasks
  cached), ``cancel``, ``reschedule`` (back to Scheduled) or ``report``;
* a SCHEDULED run more than ``late_after_seconds`` past its start is **late**: ``late_action``
  (``report``, ``reschedule`` = start time now, ``cancel``); when its pool has no online worker
  the finding says so and nothing is changed (rescheduling cannot help);
* a work pool without an online worker is reported (an event at most once an hour per pool).

No restart storm: a run is acted on again only after ``backoff_seconds`` (doubling each time), at
most ``max_actions_per_run`` times, and all runs together at most ``max_actions_per_hour`` times
per hour; what is held back is reported as ``backoff`` / ``exhausted`` / ``capped``. The counters
live in a small JSON state file (``state_file`` under ``home``), so they survive restarts.
Every finding acted on emits a ``ringrift.watchdog.<kind>`` event (resource
``ringrift.watchdog.<run id>``, related to the flow run) that automations and the UI can use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from engine.analysis.tables import text_table
from engine.atomic import atomic_write_json
from engine.config import WatchdogSettings
from engine.redact import redact_exception

from .gateway import RunInfo, utcnow
from .health import is_late

STUCK, NO_HEARTBEAT, LATE, NO_WORKERS = "stuck", "no-heartbeat", "late", "pool-without-workers"
EVENT_PREFIX = "ringrift.watchdog"
POOL_EVENT_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Finding:
    kind: str  # stuck | no-heartbeat | late | pool-without-workers
    detail: str
    action: str  # crash | cancel | reschedule | report
    outcome: str  # done | dry-run | reported | backoff | exhausted | capped | error: ...
    run_id: str | None = None
    run_name: str | None = None
    deployment: str | None = None
    pool: str | None = None


@dataclass
class WatchdogState:
    """What the watchdog did, for backoff and caps: action times, per-run counters, pool events."""

    actions: list[float] = field(default_factory=list)  # epoch seconds of every state change
    runs: dict[str, dict[str, float]] = field(default_factory=dict)  # run id -> {"count", "last"}
    pools: dict[str, float] = field(default_factory=dict)  # pool -> last event time

    @classmethod
    def load(cls, path: str | os.PathLike | None) -> WatchdogState:
        if path is None or not Path(path).is_file():
            return cls()
        try:
            d = json.loads(Path(path).read_text())
            return cls([float(x) for x in d.get("actions", [])],
                       {k: {"count": float(v.get("count", 0)), "last": float(v.get("last", 0))}
                        for k, v in d.get("runs", {}).items()},
                       {k: float(v) for k, v in d.get("pools", {}).items()})
        except (OSError, ValueError, AttributeError):
            return cls()  # a corrupt state file must not stop the watchdog

    def save(self, path: str | os.PathLike) -> None:
        atomic_write_json(path, {"actions": self.actions, "runs": self.runs, "pools": self.pools}, indent=None)

    def prune(self, now: float, keep_seconds: float = 7 * 86400) -> None:
        self.actions = [t for t in self.actions if now - t < 3600]
        self.runs = {k: v for k, v in self.runs.items() if now - v["last"] < keep_seconds}
        self.pools = {k: v for k, v in self.pools.items() if now - v < keep_seconds}


@dataclass(frozen=True)
class WatchdogReport:
    checked_at: datetime
    findings: tuple[Finding, ...]
    running: int = 0
    scheduled: int = 0
    pools: int = 0
    dry_run: bool = False

    @property
    def acted(self) -> int:
        return sum(f.outcome == "done" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {"checked_at": self.checked_at.isoformat(), "running": self.running, "scheduled": self.scheduled,
                "pools": self.pools, "dry_run": self.dry_run, "acted": self.acted,
                "findings": [asdict(f) for f in self.findings]}

    def format(self) -> str:
        head = (f"watchdog {self.checked_at:%Y-%m-%d %H:%M:%S} UTC: {self.running} running, "
                f"{self.scheduled} scheduled, "
                f"{self.pools} pools checked" + (" (dry run)" if self.dry_run else ""))
        if not self.findings:
            return head + "\nnothing to do"
        rows = [[f.kind, (f.run_name or f.pool or "-")[:28], (f.deployment or "-")[:28], f.action, f.outcome,
                 f.detail[:90]] for f in self.findings]
        return head + "\n" + text_table(["finding", "run / pool", "deployment", "action", "outcome", "detail"], rows,
                                        align="llllll")


def default_limits() -> dict[str, int]:
    """The watchdog limits of the default timeout table."""
    from engine.config import OrchestrationConfig  # loads the whole config module: only when needed

    return OrchestrationConfig().watchdog_limits()


def _since(now: datetime, t: datetime | None) -> float | None:
    return None if t is None else (now - t).total_seconds()


def _fmt_s(s: float) -> str:
    return f"{s / 3600:.1f} h" if s >= 7200 else f"{s / 60:.0f} min" if s >= 120 else f"{s:.0f} s"


def watchdog_pass(gateway, settings: WatchdogSettings | None = None, state: WatchdogState | None = None, *,
                  now: datetime | None = None, dry_run: bool = False,
                  worker_offline_seconds: int = 120, limits: Mapping[str, int] | None = None) -> WatchdogReport:
    """One pass over the server (see the module doc); ``state`` is updated in place. ``limits``:
    flow name -> seconds (``cfg.orchestration.watchdog_limits()``; default: the default table's)."""
    st = settings or WatchdogSettings()
    limits = default_limits() if limits is None else limits
    state = state if state is not None else WatchdogState()
    now = now or utcnow()
    ts = now.timestamp()
    state.prune(ts)
    findings: list[Finding] = []
    gw = gateway

    # -- pools and their workers --------------------------------------------------------------------
    pools = gw.work_pools()
    online: dict[str, int] = {}
    cutoff = now - timedelta(seconds=worker_offline_seconds)
    for p in pools:
        ws = gw.workers(p.name)
        online[p.name] = sum(1 for w in ws if w.last_heartbeat is not None and w.last_heartbeat >= cutoff)

    # -- running runs ----------------------------------------------------------------------------------
    running = gw.flow_runs(["RUNNING"], tag=st.tag)
    beats = gw.last_heartbeats([r.id for r in running]) if st.heartbeat_timeout_seconds and running else {}
    for r in running:
        started = r.start_time or r.state_timestamp
        age = _since(now, started)
        limit = limits.get(r.flow_name or "")
        kind = detail = None
        if age is not None and limit is not None and age > limit:
            kind, detail = STUCK, (f"running for {_fmt_s(age)}, limit of {r.flow_name} {_fmt_s(limit)} "
                                   "(its timeout + margin)")
        elif st.heartbeat_timeout_seconds:
            last = beats.get(r.id)
            quiet = _since(now, last or started)
            if quiet is not None and quiet > st.heartbeat_timeout_seconds:
                what = (f"last heartbeat {_fmt_s(quiet)} ago" if last
                        else f"no heartbeat since its start {_fmt_s(quiet)} ago")
                kind, detail = NO_HEARTBEAT, f"{what} (limit {_fmt_s(st.heartbeat_timeout_seconds)})"
        if kind:
            findings.append(_act(gw, st, state, r, kind, detail, st.stuck_action, ts, dry_run))

    # -- late runs ---------------------------------------------------------------------------------------
    scheduled = gw.flow_runs(["SCHEDULED"], tag=st.tag)
    for r in scheduled:
        if not is_late(r, now, st.late_after_seconds):
            continue
        behind = _since(now, r.expected_start_time) or 0.0
        detail = f"{_fmt_s(behind)} past its start time"
        if r.work_pool and online.get(r.work_pool, 0) == 0:
            detail += f"; pool {r.work_pool} has no online worker"
            findings.append(_report(gw, st, r, LATE, detail, ts, dry_run))
            continue
        findings.append(_act(gw, st, state, r, LATE, detail, st.late_action, ts, dry_run))

    # -- pools without workers -----------------------------------------------------------------------------
    for p in pools:
        if online.get(p.name, 0) > 0 or p.paused:
            continue
        waiting = sum(1 for r in scheduled if r.work_pool == p.name)
        detail = f"no online worker ({waiting} scheduled run(s) waiting)"
        last = state.pools.get(p.name)
        if last is not None and ts - last < POOL_EVENT_EVERY.total_seconds():
            outcome = "reported"
        else:
            outcome = "dry-run" if dry_run else "reported"
            if not dry_run:
                state.pools[p.name] = ts
                _emit(gw, st, NO_WORKERS, {"prefect.resource.id": f"ringrift.work-pool.{p.name}",
                                           "prefect.resource.name": p.name},
                      {"pool": p.name, "waiting": waiting, "detail": detail})
        findings.append(Finding(NO_WORKERS, detail, "report", outcome, pool=p.name))
    return WatchdogReport(now, tuple(findings), len(running), len(scheduled), len(pools), dry_run)


def _emit(gw, st: WatchdogSettings, kind: str, resource: dict, payload: dict, run_id: str | None = None) -> None:
    if not st.emit_events:
        return
    related = None
    if run_id:
        related = [{"prefect.resource.id": f"prefect.flow-run.{run_id}", "prefect.resource.role": "flow-run"}]
    try:
        gw.emit(f"{EVENT_PREFIX}.{kind}", resource, payload, related=related)
    except Exception:  # noqa: BLE001 - an event is a notification; the action already happened
        pass


def _resource(r: RunInfo) -> dict[str, str]:
    return {"prefect.resource.id": f"{EVENT_PREFIX}.{r.id}", "prefect.resource.name": r.name,
            "ringrift.deployment": r.deployment or "", "ringrift.flow": r.flow_name or ""}


def _report(gw, st: WatchdogSettings, r: RunInfo, kind: str, detail: str, ts: float, dry_run: bool) -> Finding:
    return Finding(kind, detail, "report", "dry-run" if dry_run else "reported", r.id, r.name, r.deployment,
                   r.work_pool)


def _act(gw, st: WatchdogSettings, state: WatchdogState, r: RunInfo, kind: str, detail: str, action: str, ts: float,
         dry_run: bool) -> Finding:
    def finding(outcome: str) -> Finding:
        return Finding(kind, detail, action, outcome, r.id, r.name, r.deployment, r.work_pool)

    rs = state.runs.get(r.id)
    count = int(rs["count"]) if rs else 0
    if rs and count >= st.max_actions_per_run:
        return finding("exhausted")
    if rs:
        wait = st.backoff_seconds * (2 ** max(0, count - 1))
        if ts - rs["last"] < wait:
            return finding(f"backoff ({_fmt_s(wait - (ts - rs['last']))} left)")
    if action != "report" and len(state.actions) >= st.max_actions_per_hour:
        return finding("capped")
    if dry_run:
        return finding("dry-run")
    outcome = "done" if action != "report" else "reported"
    if action != "report":
        msg = f"ringrift watchdog: {kind}: {detail}"
        try:
            res = gw.set_state(r.id, action, msg)
            if str(res).upper() not in ("ACCEPT", "SETSTATESTATUS.ACCEPT"):
                outcome = f"not accepted ({res})"
        except Exception as e:  # noqa: BLE001 - reported; counted so it is not retried at once
            outcome = f"error: {redact_exception(e)}"  # stored in the state file and the event
        state.actions.append(ts)
    state.runs[r.id] = {"count": count + 1, "last": ts}
    _emit(gw, st, kind, _resource(r), {"run_id": r.id, "run_name": r.name, "deployment": r.deployment,
                                       "flow": r.flow_name, "action": action, "outcome": outcome, "detail": detail},
          run_id=r.id)
    return finding(outcome)


class Watchdog:
    """Passes every ``interval_seconds`` with the state file kept between them."""

    def __init__(self, gateway_factory, settings: WatchdogSettings, state_path: str | os.PathLike | None, *,
                 dry_run: bool = False, worker_offline_seconds: int = 120, clock=None,
                 limits: Mapping[str, int] | None = None):
        self.clock = clock or utcnow
        self.limits = limits
        self.gateway_factory = gateway_factory
        self.settings = settings
        self.state_path = state_path
        self.dry_run = dry_run
        self.worker_offline_seconds = worker_offline_seconds

    def run_once(self) -> WatchdogReport:
        state = WatchdogState.load(self.state_path)
        with self.gateway_factory() as gw:
            rep = watchdog_pass(gw, self.settings, state, now=self.clock(), dry_run=self.dry_run,
                                worker_offline_seconds=self.worker_offline_seconds, limits=self.limits)
        if self.state_path is not None and not self.dry_run:
            state.save(self.state_path)
        return rep

    def run_forever(self, on_report=None, max_passes: int | None = None, sleep=None) -> None:
        import time

        sleep = sleep or time.sleep
        n = 0
        while max_passes is None or n < max_passes:
            try:
                rep = self.run_once()
                if on_report:
                    on_report(rep, None)
            except Exception as e:  # noqa: BLE001 - the server may be down for a while: keep watching
                if on_report:
                    on_report(None, e)
            n += 1
            if max_passes is None or n < max_passes:
                sleep(self.settings.interval_seconds)
