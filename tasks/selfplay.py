"""Selfplay tasks: the engine's conformance self-check, one selfplay batch, shard (re-)ingest."""

from __future__ import annotations

import os

from .artifacts import Progress
from .common import (
    SKIP_CONTRACTS_ENV,
    env_flag,
    forge_context,
    require_local,
    route_engine_logs,
    run_logger,
    stage_task,
    trace,
)


@stage_task("contracts", cache=False, name="shadow-contracts")
def check_contracts() -> dict:
    """Run the canonical contract vectors before selfplay (``RINGRIFT_SKIP_SHADOW_CONTRACTS=1``
    skips it): a trusted vector that fails stops the flow, since a broken rules engine would
    poison every game it generates. Without the vectors folder the check is skipped (warning)."""
    from engine.game.checks import conformance

    log = run_logger()
    if env_flag(SKIP_CONTRACTS_ENV):
        log.info("shadow contracts skipped (%s)", SKIP_CONTRACTS_ENV)
        return {"ok": True, "skipped": True, "reason": SKIP_CONTRACTS_ENV}
    folder = conformance.default_folder()
    if not os.path.isdir(folder):
        log.warning("shadow contracts skipped: no contract vectors at %s (set RINGRIFT_CONFORMANCE_DIR)", folder)
        return {"ok": True, "skipped": True, "reason": f"no vectors at {folder}"}
    report = conformance.run_all(folder)
    trusted = conformance.load_trusted(folder)
    line = conformance.summary_line(report, trusted)
    if not conformance.trusted_ok(report, trusted):
        from engine.loop import StageError

        raise StageError(f"shadow contracts failed, refusing to generate games: {line}")
    log.info("shadow contracts: %s", line)
    return {"ok": True, "skipped": False, "summary": line}


@stage_task("selfplay", name="selfplay-batch")
def selfplay_batch(config_key: str, games: int, seed: int, batch_id: str, engine: str = "auto",
                   simulations: int | None = None):
    """One batch of games -> one shard in the store, ingested into the database
    (``engine.loop.run_selfplay``; idempotent by ``batch_id``). Returns a ``SelfplayResult``."""
    from engine.loop import run_selfplay

    require_local("selfplay")
    route_engine_logs()
    trace("selfplay_batch %s games=%s seed=%s batch=%s engine=%s", config_key, games, seed, batch_id, engine)
    prog = Progress(f"selfplay {config_key} batch {batch_id[:12]}", games, unit="games")
    done = [0, 0]  # games, positions (decisions)

    def on_game(result) -> None:
        done[0] += 1
        done[1] += int(getattr(result, "decisions", 0) or 0)
        prog.update(done[0], positions=done[1])

    res = run_selfplay(forge_context(), config_key, games, seed=seed, batch_id=batch_id, engine=engine,
                       simulations=simulations, progress=on_game)
    prog.done()
    run_logger().info("selfplay %s batch %s: %d games (%s%s), %d new in the database%s", config_key, batch_id,
                      res.games, res.engine, f", model {res.model_id[:12]}" if res.model_id else "", res.inserted,
                      " (published before, reused)" if res.reused else "")
    return res


@stage_task("ingest", name="ingest-shards")
def ingest_shards(shard_ids: list[str]) -> dict:
    """(Re-)ingest shards of the store into the database (idempotent)."""
    from engine.loop import ingest_shards as _ingest

    route_engine_logs()
    rep = _ingest(forge_context(), list(shard_ids))
    out = {k: getattr(rep, k) for k in ("shards", "lines", "inserted", "skipped", "malformed", "parity_failed",
                                       "quarantined")}
    run_logger().info("ingest of %d shards: %s", len(shard_ids), out)
    return out

