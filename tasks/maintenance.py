"""Maintenance tasks: sync, prune, health checks, status snapshots."""

from __future__ import annotations

import time

from engine.redact import redact_text

from .common import forge_config, forge_context, route_engine_logs, run_logger, stage_task


@stage_task("sync", cache=False, name="sync-champions")
def sync_champions(remote_url: str | None = None) -> dict:
    """Mirror the champions of the shared store into this host's cache (``engine.loop.run_sync``)."""
    from engine.loop import run_sync

    route_engine_logs()
    rep = run_sync(forge_context(), remote_url)
    out = {"copied": rep.copied, "skipped": rep.skipped, "bytes": rep.bytes, "ok": rep.ok,
           "pointers_updated": list(rep.pointers_updated), "errors": [redact_text(e) for e in rep.errors],
           "seconds": round(rep.seconds, 2)}
    (run_logger().info if rep.ok else run_logger().warning)("sync: %s", out)
    if not rep.ok:
        raise RuntimeError(f"sync finished with {len(rep.errors)} errors: {out['errors'][:3]}")
    return out


@stage_task("prune", cache=False, name="prune-store")
def prune_store(dry_run: bool = True, grace_seconds: float | None = None) -> dict:
    """Delete (or list, on a dry run) what nothing references (``engine.loop.run_prune``)."""
    from engine.loop import run_prune

    route_engine_logs()
    rep = run_prune(forge_context(), dry_run=dry_run, grace_seconds=grace_seconds)
    out = {"dry_run": rep.dry_run, "deleted": len(rep.deleted), "bytes": rep.bytes,
           "kept_manifests": rep.kept_manifests,
           "kept_objects": rep.kept_objects, "young": rep.young, "missing_manifests": list(rep.missing_manifests)}
    run_logger().info("prune: %s", out)
    return out


def _check(name: str, fn) -> dict:
    t0 = time.perf_counter()
    try:
        detail = fn()
        return {"check": name, "ok": True, "detail": str(detail), "seconds": round(time.perf_counter() - t0, 3)}
    except Exception as e:  # noqa: BLE001 - a health check reports, it does not raise
        return {"check": name, "ok": False, "detail": f"{type(e).__name__}: {e}",
                "seconds": round(time.perf_counter() - t0, 3)}


@stage_task("health", cache=False, name="health-checks")
def health_checks() -> list[dict]:
    """The system's health as rows ``{check, ok, status, detail, seconds}``: the full snapshot of
    ``ops.health_snapshot`` (Prefect server, pools and workers, runs, store, database,
    disk, champions) when that module is present, else a minimal check here (config, store,
    database, Prefect API)."""
    try:
        from ops import health_snapshot
    except ImportError:
        health_snapshot = None
    if health_snapshot is not None:
        rep = health_snapshot(forge_config())
        rows = [{"check": c.name, "ok": c.status != "fail", "status": c.status, "detail": c.detail,
                 "seconds": round(c.seconds, 3)} for c in rep.checks]
    else:
        rows = _minimal_health()
    for r in rows:
        (run_logger().info if r["ok"] else run_logger().warning)("health %s: %s", r["check"], r["detail"])
    return rows


def _minimal_health() -> list[dict]:
    def api() -> str:
        from ops.gateway import prefect_client

        with prefect_client() as c:
            c.api_healthcheck()
        return "ok"

    def store() -> str:
        ctx = forge_context()
        return f"{ctx.store.url}: {len(ctx.store.list_pointers())} pointers"

    def db() -> str:
        from engine.db import count_games

        ctx = forge_context()
        with ctx.db.session(write=False) as s:
            return f"{count_games(s)} games"

    return [_check("config", lambda: forge_config().source), _check("store", store), _check("database", db),
            _check("prefect-api", api)]


@stage_task("analysis", cache=False, name="game-statistics")
def game_statistics(configs: list[str] | None = None, last: int = 2000) -> str | None:
    """Markdown of ``engine.analysis.analyze_game_statistics`` over the newest games per config
    (None when that module is not present)."""
    try:
        from engine.analysis import analyze_game_statistics
    except ImportError:
        return None
    ctx = forge_context()
    return analyze_game_statistics(ctx.db, store=ctx.store, configs=list(configs) if configs else None,
                                   last=last).to_markdown()


@stage_task("analysis", cache=False, name="loop-status")
def loop_snapshot(configs: list[str] | None = None) -> list:
    """Per config: champion, rating, games, games since the last training (``engine.loop.loop_status``)."""
    from engine.loop import loop_status

    return loop_status(forge_context(), list(configs) if configs else None)
