"""One snapshot of the whole system's health: ``health_snapshot(cfg) -> HealthReport``.

    rep = health_snapshot(load_config())
    print(rep.format()); rep.ok; rep.unhealthy          # names of the failing checks

Checks (each ``ok`` / ``warn`` / ``fail`` / ``skip``, with a detail line):

* ``prefect``: the API (``PREFECT_API_URL``) answers and its version (skipped in local mode
  unless ``ops.health.require_prefect``);
* ``pool <name>``: every work pool, its workers and their last heartbeat (a worker is online when
  its heartbeat is younger than ``worker_offline_seconds``); the GPUs of each host, counted from
  the GPU workers' names (``ringrift worker`` names them ``<host>-gpu<i>`` and starts them only for
  GPUs ``nvidia-smi`` lists; the gpu pool served on the CPU, ``--device cpu``, is ``<host>-cpu`` and
  counts none); a pool of
  ``ops.health.pools`` without an online worker is a warning (or a failure), a paused pool a
  warning, a missing one a warning;
* ``runs``: scheduled / late / pending / running runs per deployment and the crashed and failed
  ones of the last ``crashed_window_hours``; late or crashed runs are a warning;
* ``scheduler``: runs still Scheduled more than ``overdue_after_seconds`` past their start time
  (nothing picks them up), and deployments with an active schedule in place that long but no
  upcoming scheduled run (the server's scheduler service is not creating runs): a failure;
* ``store``, ``database``, ``disk``, ``champion <config>``: the checks of what the engine owns
  (``engine.analysis.health_checks``: the store round-trips a probe object, the database is migrated to
  this code's head, the cache's disk has room, each champion's store pointer and database agree).

Every probe runs under a time limit, so a hung server makes its check fail instead of hanging the
snapshot.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.analysis.health_checks import (
    FAIL,
    OK,
    SKIP,
    WARN,
    ChampionInfo,
    Check,
    DiskInfo,
    champion_checks,
    champions,
    check_database,
    check_disk,
    check_store,
    disk_info,
    fmt_hours,
    probe,
)
from engine.analysis.tables import text_table
from engine.config import HealthSettings, ops_settings
from engine.redact import redact_exception, redact_url

from .gateway import ACTIVE_STATES, PoolInfo, RunInfo, WorkerInfo, api_url, utcnow


@dataclass(frozen=True)
class PoolHealth:
    name: str
    type: str
    paused: bool
    workers: tuple[WorkerInfo, ...]
    online: int
    gpus_by_host: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeploymentRuns:
    deployment: str
    scheduled: int = 0
    late: int = 0
    pending: int = 0
    running: int = 0
    crashed: int = 0
    failed: int = 0
    overdue: int = 0  # of ``late``: past their start by more than ``overdue_after_seconds``


@dataclass(frozen=True)
class HealthReport:
    checked_at: datetime
    config_source: str
    checks: tuple[Check, ...]
    prefect_url: str | None = None
    prefect_version: str | None = None
    pools: tuple[PoolHealth, ...] = ()
    runs: tuple[DeploymentRuns, ...] = ()
    champions: tuple[ChampionInfo, ...] = ()
    disk: DiskInfo | None = None
    host: str = ""
    host_gpus: int | None = None

    @property
    def unhealthy(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if c.status == FAIL)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if c.status == WARN)

    @property
    def ok(self) -> bool:
        return not self.unhealthy

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def verdict(self) -> str:
        if self.unhealthy:
            return "UNHEALTHY: " + ", ".join(self.unhealthy)
        if self.warnings:
            return f"HEALTHY with {len(self.warnings)} warning(s): " + ", ".join(self.warnings)
        return "HEALTHY"

    def to_json(self) -> dict[str, Any]:
        def conv(o):
            if isinstance(o, datetime):
                return o.isoformat()
            if isinstance(o, dict):
                return {k: conv(v) for k, v in o.items()}
            if isinstance(o, (list, tuple)):
                return [conv(v) for v in o]
            if isinstance(o, float):
                return round(o, 3)
            return o

        d = conv(asdict(self))
        d["ok"] = self.ok
        d["unhealthy"] = list(self.unhealthy)
        d["warnings"] = list(self.warnings)
        return d

    def format(self) -> str:
        now = self.checked_at
        gpus = f" ({self.host_gpus} GPU{'s' if self.host_gpus != 1 else ''})" if self.host_gpus else ""
        parts = [f"ringrift health · {now:%Y-%m-%d %H:%M:%S} UTC · host {self.host}{gpus} · "
                 f"config {self.config_source}",
                 text_table(["check", "status", "detail"], [[c.name, c.status.upper() if c.status == FAIL else c.status,
                                                              c.detail] for c in self.checks], align="lll")]
        wrows = []
        for p in self.pools:
            for w in p.workers:
                age = _age(now, w.last_heartbeat)
                wrows.append([p.name, w.name, _host_of(w.name), w.status or "-", age])
        if wrows:
            parts.append("Workers\n" + text_table(["pool", "worker", "host", "status", "last heartbeat"], wrows,
                                                   align="lllll"))
        if self.runs:
            rows = [[r.deployment, r.scheduled, r.late, r.pending, r.running, r.crashed, r.failed] for r in self.runs]
            parts.append("Runs per deployment\n" + text_table(
                ["deployment", "scheduled", "late", "pending", "running", "crashed", "failed"], rows))
        if self.champions:
            rows = [[c.config_key, (c.model_id or "-")[:12], f"{c.since:%Y-%m-%d %H:%M}" if c.since else "-",
                     fmt_hours(c.age_hours), "yes" if c.agrees else "NO"] for c in self.champions]
            parts.append("Champions\n" + text_table(["config", "model", "since", "age", "store agrees"], rows,
                                                    align="lllrl"))
        parts.append(self.verdict())
        return "\n\n".join(parts)


def _age(now: datetime, t: datetime | None) -> str:
    if t is None:
        return "never"
    s = (now - t).total_seconds()
    if s < 120:
        return f"{s:.0f} s ago"
    if s < 7200:
        return f"{s / 60:.0f} min ago"
    return f"{s / 3600:.1f} h ago"


def _host_of(worker_name: str) -> str:
    """``<host>-gpu<i>`` / ``<host>-cpu`` (the names ``ringrift worker`` gives) -> host."""
    for sep in ("-gpu", "-cpu"):
        if sep in worker_name:
            return worker_name.rsplit(sep, 1)[0]
    return worker_name


_GPU_WORKER = re.compile(r"^(?P<host>.+)-gpu(?P<index>\d+)$")


def gpus_by_host(workers: Sequence[WorkerInfo]) -> dict[str, int]:
    """GPU workers per host, from worker names ``<host>-gpu<i>`` (one worker per GPU); any other
    name (``<host>-cpu``, also in the gpu pool when it is served on the CPU) counts no GPU."""
    out: dict[str, set] = {}
    for w in workers:
        m = _GPU_WORKER.match(w.name)
        if m:
            out.setdefault(m["host"], set()).add(int(m["index"]))
    return {h: len(v) for h, v in sorted(out.items())}


def _pool_health(gw, st: HealthSettings, now: datetime) -> tuple[list[PoolHealth], list[Check]]:
    pools: list[PoolInfo] = gw.work_pools()
    out, checks = [], []
    cutoff = now - timedelta(seconds=st.worker_offline_seconds)
    for p in sorted(pools, key=lambda q: q.name):
        ws = tuple(gw.workers(p.name))
        online = [w for w in ws if w.last_heartbeat is not None and w.last_heartbeat >= cutoff]
        gpus = gpus_by_host(online)
        out.append(PoolHealth(p.name, p.type, p.paused, ws, len(online), gpus))
        newest = max((w.last_heartbeat for w in ws if w.last_heartbeat), default=None)
        detail = f"{p.type}, {len(online)}/{len(ws)} worker(s) online, last heartbeat {_age(now, newest)}"
        if gpus:
            detail += "; GPUs per host: " + ", ".join(f"{h} {n}" for h, n in gpus.items())
        status = OK
        if p.paused:
            status, detail = WARN, detail + "; the pool is PAUSED"
        if not online and p.name in st.pools:
            status = FAIL if st.pool_without_worker == "fail" else WARN
            detail += "; no worker online (start one: ringrift worker --pool " + p.name + ")"
        checks.append(Check(f"pool {p.name}", status, detail))
    names = {p.name for p in pools}
    for want in st.pools:
        if want not in names:
            checks.append(Check(f"pool {want}", WARN, "does not exist on the server (run: ringrift deploy)"))
    return out, checks


def run_table(runs: Sequence[RunInfo], now: datetime, late_after_seconds: int,
              overdue_after_seconds: int | None = None) -> list[DeploymentRuns]:
    per: dict[str, dict[str, int]] = {}
    for r in runs:
        key = r.deployment or f"{r.flow_name or '?'} (no deployment)"
        c = per.setdefault(key, {"scheduled": 0, "late": 0, "pending": 0, "running": 0, "crashed": 0, "failed": 0,
                                 "overdue": 0})
        if r.state_type == "SCHEDULED":
            if is_late(r, now, late_after_seconds):
                c["late"] += 1
                c["overdue"] += bool(overdue_after_seconds and is_overdue(r, now, overdue_after_seconds))
            else:
                c["scheduled"] += 1
        elif r.state_type == "PENDING":
            c["pending"] += 1
        elif r.state_type in ("RUNNING", "CANCELLING"):
            c["running"] += 1
        elif r.state_type == "CRASHED":
            c["crashed"] += 1
        elif r.state_type == "FAILED":
            c["failed"] += 1
    return [DeploymentRuns(k, **v) for k, v in sorted(per.items())]


def is_late(r: RunInfo, now: datetime, late_after_seconds: int) -> bool:
    """A scheduled run past its expected start by more than ``late_after_seconds`` (or marked Late)."""
    if r.state_type != "SCHEDULED":
        return False
    if r.state_name == "Late":
        return True
    return r.expected_start_time is not None and (now - r.expected_start_time).total_seconds() > late_after_seconds


def is_overdue(r: RunInfo, now: datetime, overdue_after_seconds: int) -> bool:
    """A scheduled run past its expected start by more than ``overdue_after_seconds``: nothing is
    running what the schedules ask for (a dead scheduler or late-runs service, or no worker)."""
    return (r.state_type == "SCHEDULED" and r.expected_start_time is not None
            and (now - r.expected_start_time).total_seconds() > overdue_after_seconds)


def scheduler_check(table: Sequence[DeploymentRuns], runs: Sequence[RunInfo], schedules, now: datetime,
                    overdue_after_seconds: int) -> Check:
    """FAIL when scheduled runs are overdue, or when a deployment whose active schedule has been in
    place for ``overdue_after_seconds`` has no upcoming scheduled run (the scheduler creates them
    ahead of time, so a live scheduler always leaves at least one)."""
    problems = []
    overdue = [r for r in table if r.overdue]
    if overdue:
        n = sum(r.overdue for r in overdue)
        problems.append(f"{n} run(s) still Scheduled more than {_secs(overdue_after_seconds)} past their start ("
                        + ", ".join(f"{r.deployment} {r.overdue}" for r in overdue[:5])
                        + (", ..." if len(overdue) > 5 else "") + "): nothing picks them up")
    upcoming = {r.deployment for r in runs if r.state_type == "SCHEDULED" and r.deployment
                and (r.expected_start_time is None or r.expected_start_time >= now)}
    stale = [s for s in schedules if not s.paused and s.deployment not in upcoming
             and (s.updated is None or (now - s.updated).total_seconds() > overdue_after_seconds)]
    if stale:
        problems.append(f"{len(stale)} scheduled deployment(s) without an upcoming run ("
                        + ", ".join(s.deployment for s in stale[:5]) + (", ..." if len(stale) > 5 else "")
                        + "): the server's scheduler service is not creating runs")
    if problems:
        return Check("scheduler", FAIL, "; ".join(problems))
    active = [s for s in schedules if not s.paused]
    return Check("scheduler", OK, f"{len(active)} scheduled deployment(s), each with an upcoming run; "
                                  f"no run overdue by {_secs(overdue_after_seconds)}")


def _secs(s: float) -> str:
    return f"{s / 60:g} min" if s >= 120 else f"{s:g} s"


def _runs_check(table: Sequence[DeploymentRuns], window_h: float) -> Check:
    tot = {k: sum(getattr(r, k) for r in table) for k in ("scheduled", "late", "pending", "running", "crashed",
                                                           "failed")}
    detail = (f"{tot['running']} running, {tot['pending']} pending, {tot['scheduled']} scheduled, {tot['late']} late; "
              f"{tot['crashed']} crashed, {tot['failed']} failed in {window_h:g} h")
    status = WARN if tot["late"] or tot["crashed"] else OK
    return Check("runs", status, detail)


def local_gpus() -> int | None:
    """GPUs of this host that ``nvidia-smi -L`` lists; None when there is none (no NVIDIA tooling,
    or it lists no device)."""
    from .workers import detect_gpus

    g = detect_gpus()
    return len(g) if g else None


# -- the snapshot -----------------------------------------------------------------------------------------

def health_snapshot(cfg=None, *, gateway=None, settings: HealthSettings | None = None, prefect: bool = True,
                    configs: Sequence[str] | None = None, now: datetime | None = None,
                    timeout: float | None = None) -> HealthReport:
    """Check everything (see the module doc). ``gateway``: a ``PrefectGateway``-like object (default:
    one on ``PREFECT_API_URL``); ``prefect=False`` skips the Prefect checks; ``configs``: configs
    whose champion is always listed (default: the active loop profile's)."""
    if cfg is None:
        from engine.config import load_config

        cfg = load_config()
    st = settings or ops_settings(cfg).health
    now = now or utcnow()
    tmo = float(timeout if timeout is not None else max(st.prefect_timeout_seconds * 3, 10.0))
    checks: list[Check] = [Check("config", OK, str(cfg.source))]
    version = None
    pools: list[PoolHealth] = []
    table: list[DeploymentRuns] = []
    url = getattr(gateway, "url", None) if gateway is not None else api_url()
    if not prefect:
        checks.append(Check("prefect", SKIP, "not checked (--no-prefect)"))
    elif gateway is None and url is None:
        checks.append(Check("prefect", FAIL if st.require_prefect else SKIP,
                            "PREFECT_API_URL is not set (local mode: no server, pools or workers to check)"))
    else:
        from .gateway import PrefectGateway

        gw_ctx = gateway if gateway is not None else PrefectGateway(st.prefect_timeout_seconds)
        try:
            with gw_ctx as gw:
                box: dict[str, Any] = {}

                def server():
                    box["v"] = gw.server_version()
                    cv = gw.client_version()
                    same = box["v"].split(".")[:2] == cv.split(".")[:2]
                    return (OK if same else WARN), (f"server {box['v']} at {url} (client {cv}"
                                                    + ("" if same else ", versions differ") + ")")

                c = probe("prefect", server, tmo)
                checks.append(c)
                version = box.get("v")
                if c.status != FAIL:
                    res: dict[str, Any] = {}

                    def pools_probe():
                        res["pools"], res["checks"] = _pool_health(gw, st, now)
                        return OK, ""

                    pc = probe("pools", pools_probe, tmo)
                    if pc.status == FAIL:
                        checks.append(pc)
                    else:
                        pools = res["pools"]
                        checks.extend(res["checks"])

                    def runs_probe():
                        active = gw.flow_runs(list(ACTIVE_STATES))
                        since = now - timedelta(hours=st.crashed_window_hours)
                        done = gw.flow_runs(["CRASHED", "FAILED"], since=since)
                        res["active"] = active
                        res["table"] = run_table(active + done, now, st.late_after_seconds,
                                                 st.overdue_after_seconds)
                        rc = _runs_check(res["table"], st.crashed_window_hours)
                        return rc.status, rc.detail

                    rc = probe("runs", runs_probe, tmo)
                    checks.append(rc)
                    table = res.get("table", [])
                    if rc.status != FAIL:
                        def scheduler_probe():
                            sc = scheduler_check(table, res["active"], gw.scheduled_deployments(), now,
                                                 st.overdue_after_seconds)
                            return sc.status, sc.detail

                        checks.append(probe("scheduler", scheduler_probe, tmo))
        except Exception as e:  # noqa: BLE001 - e.g. the client cannot be created
            checks.append(Check("prefect", FAIL, redact_exception(e)))
    checks.append(probe("store", lambda: check_store(cfg), tmo))
    checks.append(probe("database", lambda: check_database(cfg), tmo))
    disk = None
    try:
        disk = disk_info(cfg.cache_path)
        checks.append(Check("disk", *check_disk(disk, st)))
    except OSError as e:
        checks.append(Check("disk", FAIL, f"{cfg.cache_path}: {e}"))
    champs: list[ChampionInfo] = []
    if next(c for c in checks if c.name == "database").status == OK:
        want = list(configs) if configs is not None else list(cfg.loop.configs())
        box2: dict[str, Any] = {}

        def champ_probe():
            box2["c"] = champions(cfg, want, now)
            return OK, ""

        cc = probe("champions", champ_probe, tmo)
        if cc.status == FAIL:
            checks.append(cc)
        else:
            champs = box2["c"]
            checks.extend(champion_checks(champs, st))
    try:
        gpus = local_gpus()
    except Exception:  # noqa: BLE001
        gpus = None
    url = redact_url(url) if url else url
    return HealthReport(now, str(cfg.source), tuple(checks), url, version, tuple(pools), tuple(table), tuple(champs),
                        disk, socket.gethostname(), gpus)


def report_json(rep: HealthReport) -> str:
    return json.dumps(rep.to_json(), sort_keys=True, default=str)
