"""Prefect artifacts of the pipeline: tables and reports the UI shows per run.

Result artifacts are created by the flows from the tasks' results (so a retried run whose tasks
come from the cache still shows them); progress artifacts are created by the tasks while they
work. Keys are ``<kind>-<config>`` (e.g. ``gauntlet-square8-2p``), so the UI's artifact page keeps
one history per kind and config.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from typing import Any

from .common import run_logger


def artifact_key(*parts: str) -> str:
    """A valid artifact key (lowercase letters, digits, dashes)."""
    key = "-".join(re.sub(r"[^a-z0-9]+", "-", str(p).lower()).strip("-") for p in parts if p)
    return key or "ringrift"


def _num(v: Any, nd: int = 3) -> Any:
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else round(v, nd)
    return v


def _safe(fn, *args, **kwargs):
    """Artifacts are a view: a failure to create one is logged, never fails the run."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001
        run_logger().warning("artifact not created: %s", e)
        return None


def table(kind: str, config_key: str, rows: list[dict], description: str):
    from prefect.artifacts import create_table_artifact

    rows = [{k: _num(v) for k, v in r.items()} for r in rows]
    return _safe(create_table_artifact, table=rows, key=artifact_key(kind, config_key), description=description)


def markdown(kind: str, config_key: str, text: str, description: str):
    from prefect.artifacts import create_markdown_artifact

    return _safe(create_markdown_artifact, markdown=text, key=artifact_key(kind, config_key), description=description)


def selfplay_table(config_key: str, results: Iterable) -> Any:
    rows = [{"batch": r.batch_id, "games": r.games, "decisions": r.decisions, "engine": r.engine,
             "model": (r.model_id or "")[:12], "new_in_db": r.inserted, "quarantined": r.quarantined,
             "reused": r.reused, "seconds": round(r.seconds, 1), "shard": r.shard_id[:12]} for r in results]
    return table("selfplay", config_key, rows, f"Selfplay batches of {config_key}")


def gates_table(config_key: str, ex) -> Any:
    rows = [{"gate": g.get("name", "?"), "ok": g.get("ok"), "value": g.get("value"), "limit": g.get("limit"),
             "reason": g.get("reason", "")} for g in ex.gates if isinstance(g, dict)]
    if not rows:
        rows = [{"gate": "all", "ok": ex.ok, "reason": ex.reason}]
    verdict = "passed" if ex.ok else f"FAILED: {ex.reason}"
    return table("gates", config_key, rows,
                 f"Data-quality gates of the {config_key} export ({verdict}); dataset {ex.dataset_id or '-'}, "
                 f"samples {ex.samples}")


def training_curve(config_key: str, tr) -> Any:
    rows = [{"epoch": i + 1, "val_loss": v} for i, v in enumerate(tr.val_history)]
    if not rows:
        rows = [{"epoch": 0, "val_loss": tr.best_val}]
    return table("training", config_key, rows,
                 f"Training curve of {tr.model_id[:12]} ({config_key}): {tr.steps} steps, init {tr.init}, "
                 f"stopped: {tr.stopped}, best validation loss {tr.best_val}")


def gauntlet_table(config_key: str, ga) -> Any:
    keep = ("opponent", "games", "wins", "draws", "losses", "win_rate", "win_ci_low", "win_ci_high", "score",
            "elo_diff")
    rows = [{k: r.get(k) for k in keep} for r in ga.rows]
    return table("gauntlet", config_key, rows,
                 f"Gauntlet of {ga.model_id[:12]} ({config_key}), run {ga.run_id}: {ga.games} games")


def promotion_report(config_key: str, pr) -> Any:
    s = pr.sprt or {}
    lines = [f"# Promotion {config_key}: **{'PROMOTED' if pr.promoted else pr.decision.upper()}**", "",
             f"{pr.reason}", "",
             "| | |", "|---|---|",
             f"| candidate | `{pr.model_id}` |",
             f"| champion before | `{pr.champion_id or '(none: vs random)'}` |",
             f"| decision | {pr.decision} |",
             f"| games (W/D/L) | {pr.games} ({pr.wins}/{pr.draws}/{pr.losses}) |"]
    for k in ("llr", "lower", "upper", "elo0", "elo1", "alpha", "beta", "score", "elo", "elo_ci", "games", "pairs"):
        if k in s:
            lines.append(f"| SPRT {k} | {_num(s[k]) if not isinstance(s[k], list) else s[k]} |")
    lines += ["", f"run `{pr.run_id}`, {pr.seconds:.1f} s"]
    return markdown("promotion", config_key, "\n".join(lines), f"Promotion decision for {config_key}")


def status_table(statuses: Iterable, kind: str = "status", key: str = "loop") -> Any:
    rows = [{"config": s.config_key, "champion": (s.champion or "")[:12], "rating": s.rating, "games": s.games,
             "games_since_training": s.games_since_training, "last_dataset": (s.last_dataset or "")[:12],
             "last_promotion": s.last_promotion} for s in statuses]
    return table(kind, key, rows, "Per config: champion, rating, games, games since the last training")


PROGRESS_ENV = "RINGRIFT_PROGRESS_SECONDS"
DEFAULT_PROGRESS_SECONDS = 5.0


def progress_seconds() -> float:
    """Seconds between two progress lines (``$RINGRIFT_PROGRESS_SECONDS``, default 5; 0 = none;
    ``RINGRIFT_PROGRESS=0`` turns them off too)."""
    import os

    if os.environ.get("RINGRIFT_PROGRESS", "").strip() == "0":
        return 0.0
    raw = os.environ.get(PROGRESS_ENV, "").strip()
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_PROGRESS_SECONDS
    except ValueError:
        return DEFAULT_PROGRESS_SECONDS


def _duration(s: float) -> str:
    s = int(round(s))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def progress_line(done: float, total: float | None, unit: str, elapsed: float, info: dict[str, Any]) -> str:
    """``12/40 games (30%), 850 positions/s, loss 2.3456, 0:45 left`` from the counts so far.
    ``info``: ``positions`` (cumulative: shown as a rate), ``loss``, ``llr``, ``note`` (as is)."""
    parts = [f"{done:,.0f}/{total:,.0f} {unit} ({100.0 * done / total:.0f}%)" if total else f"{done:,.0f} {unit}"]
    if info.get("positions") is not None and elapsed > 0:
        parts.append(f"{info['positions'] / elapsed:,.0f} positions/s")
    elif done and elapsed > 0:
        parts.append(f"{done / elapsed:,.1f} {unit}/s")
    if info.get("loss") is not None:
        parts.append(f"loss {info['loss']:.4f}")
    if info.get("llr") is not None:
        parts.append(f"LLR {info['llr']:+.2f}")
    if info.get("note"):
        parts.append(str(info["note"]))
    if total and 0 < done < total and elapsed > 0:
        parts.append(f"{_duration(elapsed * (total - done) / done)} left")
    return ", ".join(parts)


class Progress:
    """Progress of a long task: a line in the run's log at most every ``progress_seconds()``
    (Prefect's own logging prints it on the terminal in local mode and keeps it with the run's logs
    on a worker; it works when stderr is not a terminal and never tangles with other log lines),
    and a Prefect progress artifact updated at most every ``every`` seconds (and at the end).
    ``total`` None: a count without an end (no percentage)."""

    def __init__(self, description: str, total: float | None, every: float = 2.0, unit: str = ""):
        self.total = max(float(total), 1.0) if total else None
        self.every = every
        self.unit = unit
        self.description = description
        self.log_every = progress_seconds()
        self._t0 = self._logged = time.monotonic()
        self._lines = 0
        self._logged_done: float | None = None
        self._last = 0.0
        self._done = 0.0
        self.id = None
        try:
            from prefect.artifacts import create_progress_artifact

            self.id = create_progress_artifact(progress=0.0, description=description)
        except Exception as e:  # noqa: BLE001 - outside a run, or no API: progress is optional
            run_logger().debug("no progress artifact: %s", e)

    def update(self, done: float, force: bool = False, **info: Any) -> None:
        self._done = float(done)
        now = time.monotonic()
        again = force and self._logged_done == self._done and not info.get("note")  # said already
        if self.log_every and not again and (force and self._lines or now - self._logged >= self.log_every):
            self._logged, self._logged_done = now, self._done
            self._lines += 1
            run_logger().info("%s: %s", self.description,
                              progress_line(self._done, self.total, self.unit, now - self._t0, info))
        if self.id is None or self.total is None:
            return
        if not force and now - self._last < self.every:
            return
        self._last = now
        try:
            from prefect.artifacts import update_progress_artifact

            update_progress_artifact(self.id, progress=min(100.0, 100.0 * self._done / self.total))
        except Exception:  # noqa: BLE001
            pass

    def done(self, **info: Any) -> None:
        """The end (a closing line only when progress lines were logged: short tasks stay quiet)."""
        self.update(self.total if self.total is not None else self._done, force=True, **info)
