"""Evaluation tasks: the gauntlet, the SPRT promotion, a rollback of the champion."""

from __future__ import annotations

from .common import forge_context, require_local, route_engine_logs, run_logger, stage_task, trace

PROMOTION_LIMIT = "ringrift-promotion"  # global concurrency limit: one promotion at a time


@stage_task("gauntlet", name="gauntlet")
def gauntlet(config_key: str, model_id: str, run_id: str | None = None, games_per_opponent: int | None = None,
             seed: int = 0):
    """The candidate against the config's ladder; records into the match log
    (``engine.loop.run_gauntlet_stage``). Returns a ``GauntletStageResult``."""
    from engine.loop import run_gauntlet_stage

    require_local("gauntlet")
    route_engine_logs()
    trace("gauntlet %s model=%s run=%s", config_key, model_id[:12], run_id)
    ga = run_gauntlet_stage(forge_context(), config_key, model_id, run_id=run_id,
                            games_per_opponent=games_per_opponent, seed=seed)
    run_logger().info("%s", ga.table)
    return ga


@stage_task("promotion", name="promotion")
def promotion(config_key: str, model_id: str, run_id: str | None = None, seed: int = 0):
    """SPRT of the candidate against the champion; on accept the champion pointer moves
    (``engine.loop.run_promotion_stage``). Cached by its inputs: a decided candidate is not
    re-tested. Returns a ``PromotionStageResult``."""
    from prefect.concurrency.sync import concurrency

    from engine.loop import run_promotion_stage

    require_local("promotion")
    route_engine_logs()
    trace("promotion %s model=%s run=%s", config_key, model_id[:12], run_id)
    with concurrency(PROMOTION_LIMIT, occupy=1, strict=False):
        pr = run_promotion_stage(forge_context(), config_key, model_id, run_id=run_id, seed=seed)
    run_logger().info("promotion %s: %s", config_key, pr.reason)
    return pr


@stage_task("rollback", cache=False, name="rollback")
def rollback_champion(config_key: str, to_model: str | None = None):
    """Move the champion pointer back (default: to the previous champion)."""
    from engine.loop import rollback

    route_engine_logs()
    mv = rollback(forge_context(), config_key, to_model)
    run_logger().info("rollback %s: champion %s -> %s", config_key, (mv.old_target or "-")[:12], mv.new_target[:12])
    return mv
