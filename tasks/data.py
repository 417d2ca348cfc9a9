"""Data tasks: the window fingerprint (what the export would read) and the export itself."""

from __future__ import annotations

import hashlib

from .common import forge_context, require_local, route_engine_logs, run_logger, stage_task, trace


@stage_task("snapshot", cache=False, name="data-window")
def data_window(config_key: str) -> dict:
    """The config's games in the database as a fingerprint (sorted shard ids and game count):
    the export task's cache key, so an export is redone exactly when new games arrived."""
    from engine.db import games_since

    ctx = forge_context()
    with ctx.db.session(write=False) as s:
        games = games_since(s, config_key, status="ok")
    shards = sorted({g.shard_id for g in games})
    digest = hashlib.sha256(("\n".join(shards) + f"\n{len(games)}").encode()).hexdigest()
    trace("data_window %s: %d games in %d shards -> %s", config_key, len(games), len(shards), digest[:12])
    return {"config_key": config_key, "fingerprint": digest, "games": len(games), "shards": len(shards)}


@stage_task("export", name="export-dataset")
def export_dataset(config_key: str, window: str):
    """Export the config's window to NPZ and publish it as a dataset, or refuse with the failed
    gates (``engine.loop.run_export``; idempotent: the same window gives the same dataset).
    ``window`` is the ``data_window`` fingerprint (it only keys the cache)."""
    from engine.loop import run_export

    from .artifacts import Progress

    require_local("export")
    route_engine_logs()
    prog = Progress(f"export {config_key}", None, unit="games")

    def on_game(d: dict) -> None:
        prog.update(d["games"], positions=d["positions"], note=f"shard {d['shard']}/{d['shards']}")

    ex = run_export(forge_context(), config_key, progress=on_game)
    prog.done()
    log = run_logger()
    if ex.ok:
        log.info("export %s: dataset %s, samples %s, %d games%s", config_key, ex.dataset_id[:12], ex.samples, ex.games,
                 " (reused)" if ex.reused else "")
    else:
        log.warning("export %s refused by the quality gates: %s", config_key, ex.reason)
    return ex
