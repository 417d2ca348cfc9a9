"""The health checks of what the engine owns: the artifact store, the database, the local disk and
the champions. Each probe runs under a time limit (``probe``), so a hung backend makes its check
fail instead of hanging the caller. ``ops.health.health_snapshot`` adds the Prefect checks (server,
pools, workers, runs, scheduler) and assembles the report.

    probe("store", lambda: check_store(cfg), timeout=10)     # -> Check("store", "ok", "...: readable ...")
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from engine.config import HealthSettings
from engine.redact import redact_text

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"
PROBE_PREFIX = "health-probes"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail | skip
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True)
class ChampionInfo:
    config_key: str
    model_id: str | None  # the database's champion
    since: datetime | None
    age_hours: float | None
    store_model_id: str | None  # the model of the store's champion pointer
    agrees: bool


@dataclass(frozen=True)
class DiskInfo:
    path: str
    free_gb: float
    total_gb: float


def fmt_hours(h: float | None) -> str:
    if h is None:
        return "-"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} d"


class ProbeTimeout(Exception):
    """A probe ran past its time limit (its thread is abandoned)."""


def run_with_timeout(fn: Callable[[], Any], seconds: float) -> Any:
    """``fn()`` in a daemon thread; ``ProbeTimeout`` when it takes longer (the thread is abandoned)."""
    box: dict[str, Any] = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller
            box["error"] = e

    t = threading.Thread(target=target, daemon=True, name="health-probe")
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise ProbeTimeout(f"timed out after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


def probe(name: str, fn: Callable[[], tuple[str, str]], timeout: float) -> Check:
    t0 = time.perf_counter()
    try:
        status, detail = run_with_timeout(fn, timeout)
    except ProbeTimeout as e:
        status, detail = FAIL, str(e)
    except Exception as e:  # noqa: BLE001 - a health check reports, it does not raise
        status, detail = FAIL, f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")
    # a probe's detail is printed and may be stored: no URL or driver message may carry a secret
    return Check(name, status, redact_text(detail), round(time.perf_counter() - t0, 3))


# -- the probes -------------------------------------------------------------------------------------------------------

def check_store(cfg) -> tuple[str, str]:
    """List the pointers, then write, read back and delete a small probe object."""
    from engine.storage import store_from_config

    store = store_from_config(cfg)
    n = len(store.list_pointers())
    key = f"{PROBE_PREFIX}/{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
    payload = f"ringrift health probe {datetime.now(UTC).isoformat()}".encode()
    t0 = time.perf_counter()
    store.backend.write_bytes(key, payload)
    try:
        back = store.backend.read_bytes(key)
    finally:
        try:
            store.backend.delete(key)
        except Exception:  # noqa: BLE001 - the probe is tiny; a leftover is harmless
            pass
    ms = (time.perf_counter() - t0) * 1000
    if back != payload:
        return FAIL, f"{store.url}: the probe object read back differs from what was written"
    return OK, f"{store.url}: readable ({n} pointers), writable (round trip {ms:.0f} ms)"


def check_database(cfg) -> tuple[str, str]:
    from engine.db import count_games, head_revision, open_database
    from engine.db.database import sqlite_file

    url = cfg.database_url
    path = sqlite_file(url)
    if path is not None:
        if not path.exists():  # do not create an empty file by looking
            return FAIL, f"{url}: does not exist yet (the pipeline creates and migrates it on first use)"
    db = open_database(url, migrate=False)
    try:
        rev = db.current_revision()
        head = head_revision()
        if rev != head:
            what = "never migrated" if rev is None else f"at revision {rev}"
            return FAIL, f"{db.url}: {what}, this code needs {head} (opening it with migrate=True upgrades it)"
        with db.session(write=False) as s:
            n = count_games(s, status=None)
        return OK, f"{db.url}: migrated ({rev}), {n} games"
    finally:
        db.dispose()


def disk_info(path: Path) -> DiskInfo:
    p = Path(path)
    while not p.exists() and p != p.parent:
        p = p.parent
    u = shutil.disk_usage(p)
    return DiskInfo(str(path), u.free / 1e9, u.total / 1e9)


def check_disk(info: DiskInfo, st: HealthSettings) -> tuple[str, str]:
    detail = f"cache {info.path}: {info.free_gb:.1f} GB free of {info.total_gb:.1f} GB"
    if info.free_gb < st.min_free_disk_gb:
        return FAIL, detail + f" (below {st.min_free_disk_gb:g} GB)"
    if info.free_gb < st.warn_free_disk_gb:
        return WARN, detail + f" (below {st.warn_free_disk_gb:g} GB)"
    return OK, detail


def champions(cfg, configs: Sequence[str] | None = None, now: datetime | None = None) -> list[ChampionInfo]:
    """The champion of every config that has one (database or store) and of ``configs``."""
    from engine.db import champion_pointer, current_champion, open_database, pointer_history
    from engine.storage import store_from_config

    from .common import known_configs

    now = now or datetime.now(UTC)
    store = store_from_config(cfg)
    db = open_database(cfg.database_url, migrate=False)
    out = []
    try:
        with db.session(write=False) as s:
            for ck in known_configs():
                name = champion_pointer(ck)
                model = current_champion(s, ck)
                p = store.read_pointer(name)
                if model is None and p is None and ck not in (configs or ()):
                    continue
                hist = pointer_history(s, name, limit=1) if model else []
                since = hist[-1].created_at if hist else None
                store_model = None
                if p is not None:
                    try:
                        store_model = store.get_manifest(p.target).metadata.get("model_id")
                    except Exception:  # noqa: BLE001 - reported as a disagreement
                        store_model = f"<unreadable manifest {p.target[:12]}>"
                age = (now - since).total_seconds() / 3600 if since else None
                out.append(ChampionInfo(ck, model, since, age, store_model, store_model == model))
    finally:
        db.dispose()
    return out


def champion_checks(infos: Sequence[ChampionInfo], st: HealthSettings) -> list[Check]:
    out = []
    for c in infos:
        if c.model_id is None and c.store_model_id is None:
            out.append(Check(f"champion {c.config_key}", OK, "none yet (bootstrap: heuristic selfplay)"))
            continue
        detail = f"{(c.model_id or '-')[:12]}" + (f" since {c.since:%Y-%m-%d %H:%M} ({fmt_hours(c.age_hours)})"
                                                  if c.since else "")
        status = OK
        if not c.agrees:
            status = WARN
            detail += f"; the store's pointer names {(c.store_model_id or 'nothing')[:12]}"
        elif st.champion_max_age_hours and c.age_hours is not None and c.age_hours > st.champion_max_age_hours:
            status = WARN
            detail += f"; older than {st.champion_max_age_hours:g} h"
        out.append(Check(f"champion {c.config_key}", status, detail))
    return out
