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

    from .artifacts import Progress

    require_local("gauntlet")
    route_engine_logs()
    trace("gauntlet %s model=%s run=%s", config_key, model_id[:12], run_id)
    prog: list[Progress] = []

    def on_game(done: int, total: int) -> None:
        if not prog:
            prog.append(Progress(f"gauntlet {config_key} {model_id[:12]}", total, unit="games"))
        prog[0].update(done)

    ga = run_gauntlet_stage(forge_context(), config_key, model_id, run_id=run_id,
                            games_per_opponent=games_per_opponent, seed=seed, progress=on_game)
    if prog:
        prog[0].done()
    run_logger().info("%s", ga.table)
    return ga


@stage_task("promotion", name="promotion")
def promotion(config_key: str, model_id: str, run_id: str | None = None, seed: int = 0):
    """SPRT of the candidate against the champion; on accept the champion pointer moves
    (``engine.loop.run_promotion_stage``). Cached by its inputs: a decided candidate is not
    re-tested. Returns a ``PromotionStageResult``."""
    from engine.loop import run_promotion_stage

    from .artifacts import Progress
    from .limits import stage_limit

    require_local("promotion")
    route_engine_logs()
    trace("promotion %s model=%s run=%s", config_key, model_id[:12], run_id)
    prog = Progress(f"promotion {config_key} {model_id[:12]} (SPRT)", None, unit="games")

    def on_block(sprt) -> None:
        prog.update(sprt.games, llr=sprt.llr)

    with stage_limit(PROMOTION_LIMIT):
        pr = run_promotion_stage(forge_context(), config_key, model_id, run_id=run_id, seed=seed, progress=on_block)
    prog.done(note=pr.decision)
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
