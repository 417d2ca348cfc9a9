"""The ``gauntlet`` flow: a candidate against the ladder, a table artifact, then
``ringrift.gauntlet.finished``."""

from __future__ import annotations

from prefect import flow

from engine.db import list_models
from engine.loop import GauntletStageResult, StageError
from tasks import artifacts, events
from tasks.common import configured, forge_context
from tasks.evaluation import gauntlet
from tasks.settings import flow_timeout

from ._common import check_config_key, forge_config, guard_crash_retries


def newest_model(config_key: str) -> str:
    """The most recently registered model of ``config_key`` (the default candidate)."""
    ctx = forge_context()
    with ctx.db.session(write=False) as s:
        models = list_models(s, config_key, limit=1)
    if not models:
        raise StageError(f"{config_key}: no model in the registry (train one first)")
    return models[0].model_id


def gauntlet_stage(config_key: str, model_id: str | None = None, run_id: str | None = None,
                   games_per_opponent: int | None = None, seed: int = 0, chain: bool = True) -> GauntletStageResult:
    """The gauntlet flow's body (also run inline by the legacy master loop)."""
    check_config_key(config_key)
    cfg = forge_config()
    model_id = model_id or newest_model(config_key)
    ga = configured(gauntlet, "gauntlet", cfg)(config_key, model_id, run_id, games_per_opponent, seed)
    artifacts.gauntlet_table(config_key, ga)
    events.gauntlet_finished(config_key, model_id=model_id, run_id=ga.run_id, games=ga.games, rows=ga.rows, chain=chain)
    return ga


@flow(name="gauntlet", flow_run_name="gauntlet-{config_key}", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("gauntlet"))
def gauntlet_flow(config_key: str = "square8_2p", model_id: str | None = None, run_id: str | None = None,
                  games_per_opponent: int | None = None, seed: int = 0, chain: bool = True) -> GauntletStageResult:
    """Play ``model_id`` (default: the newest model of the config) against the config's ladder;
    a table artifact; ``ringrift.gauntlet.finished``."""
    guard_crash_retries()
    return gauntlet_stage(config_key, model_id, run_id, games_per_opponent, seed, chain)
