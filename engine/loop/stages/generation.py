"""One generation of a config in this process: selfplay -> export -> train -> gauntlet -> promotion."""

from __future__ import annotations

import time

from ..context import Context
from .export import run_export
from .gauntlet import run_gauntlet_stage
from .promotion import run_promotion_stage
from .results import GenerationResult
from .selfplay import run_selfplay
from .train import run_training


def generation(ctx: Context, config_key: str, *, games: int | None = None, seed: int = 0,
               batches: int | None = None) -> GenerationResult:
    """selfplay -> export -> train -> gauntlet -> promotion for one config, in this process."""
    t0 = time.perf_counter()
    sps = []
    for b in range(batches or ctx.cfg.loop.selfplay_batches):
        sps.append(run_selfplay(ctx, config_key, games, seed=seed * 1000 + b))
    ex = run_export(ctx, config_key)
    if not ex.ok:
        return GenerationResult(config_key, tuple(sps), ex, None, None, None, time.perf_counter() - t0,
                                stopped=f"export refused by the data-quality gates: {ex.reason}")
    tr = run_training(ctx, config_key, ex.dataset_id)
    ga = run_gauntlet_stage(ctx, config_key, tr.model_id, seed=seed)
    pr = run_promotion_stage(ctx, config_key, tr.model_id, seed=seed)
    return GenerationResult(config_key, tuple(sps), ex, tr, ga, pr, time.perf_counter() - t0)
