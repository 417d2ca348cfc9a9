"""The ``promote`` flow: SPRT of a candidate against the champion; the decision as an artifact."""

from __future__ import annotations

from prefect import flow

from engine.loop import PromotionStageResult
from tasks import artifacts
from tasks.common import configured
from tasks.evaluation import promotion
from tasks.settings import flow_timeout

from ._common import check_config_key, forge_config, guard_crash_retries
from .gauntlet import newest_model


def promote_stage(config_key: str, model_id: str | None = None, run_id: str | None = None,
                  seed: int = 0) -> PromotionStageResult:
    """The promote flow's body (also run inline by the legacy master loop)."""
    check_config_key(config_key)
    cfg = forge_config()
    model_id = model_id or newest_model(config_key)
    pr = configured(promotion, "promotion", cfg)(config_key, model_id, run_id, seed)
    artifacts.promotion_report(config_key, pr)
    return pr


@flow(name="promote", flow_run_name="promote-{config_key}", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("promote"))
def promote_flow(config_key: str = "square8_2p", model_id: str | None = None, run_id: str | None = None,
                 seed: int = 0) -> PromotionStageResult:
    """Promote ``model_id`` (default: the newest model of the config) if the SPRT against the
    champion accepts it; the decision with its SPRT numbers as an artifact."""
    guard_crash_retries()
    return promote_stage(config_key, model_id, run_id, seed)
