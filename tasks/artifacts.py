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
from typing import Any, Iterable

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


class Progress:
    """A Prefect progress artifact updated at most every ``every`` seconds (and at the end), and a
    progress bar on the terminal when stderr is one (``RINGRIFT_PROGRESS=0`` turns it off)."""

    def __init__(self, description: str, total: float, every: float = 2.0):
        import os
        import sys

        self.total = max(float(total), 1.0)
        self.every = every
        self.description = description
        self._last = 0.0
        self._bar = sys.stderr.isatty() and os.environ.get("RINGRIFT_PROGRESS", "1") != "0"
        self.id = None
        try:
            from prefect.artifacts import create_progress_artifact

            self.id = create_progress_artifact(progress=0.0, description=description)
        except Exception as e:  # noqa: BLE001 - outside a run, or no API: progress is optional
            run_logger().debug("no progress artifact: %s", e)

    def update(self, done: float, force: bool = False) -> None:
        if self._bar:
            import sys

            frac = min(1.0, float(done) / self.total)
            sys.stderr.write(f"\r{self.description[:48]:<48} [{'#' * int(30 * frac):<30}] {100 * frac:5.1f}%"
                             + ("\n" if frac >= 1.0 and force else ""))
            sys.stderr.flush()
        if self.id is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        try:
            from prefect.artifacts import update_progress_artifact

            update_progress_artifact(self.id, progress=min(100.0, 100.0 * float(done) / self.total))
        except Exception:  # noqa: BLE001
            pass

    def done(self) -> None:
        self.update(self.total, force=True)
