"""The ``train`` flow: (threshold check, export,) training of a candidate, then
``ringrift.candidate.trained``."""

from __future__ import annotations

from prefect import flow

from engine.loop import StageSkipped, TrainStageResult
from tasks import artifacts, events
from tasks.common import configured
from tasks.maintenance import loop_snapshot
from tasks.settings import flow_timeout
from tasks.training import train_candidate

from ._common import check_config_key, forge_config, guard_crash_retries, run_logger
from .export import export_stage


def train_stage(config_key: str, dataset_id: str | None = None, run_id: str | None = None, init: str = "champion",
                force: bool = False, chain: bool = True) -> TrainStageResult | StageSkipped:
    """The train flow's body (also run inline by the legacy master loop): the candidate, or why
    none was trained (below the threshold, the export refused)."""
    check_config_key(config_key)
    cfg = forge_config()
    log = run_logger()
    if dataset_id is None:
        (st,) = loop_snapshot([config_key])
        thr = int(cfg.loop.train_threshold_games)
        if st.games_since_training < thr and not force:
            msg = f"{st.games_since_training} games since the last training, threshold {thr}: nothing to train"
            log.info("train %s: %s", config_key, msg)
            return StageSkipped(config_key, "train", msg)
        ex = export_stage(config_key, cfg)
        if not ex.ok:
            log.warning("train %s: export refused by the gates: %s", config_key, ex.reason)
            return StageSkipped(config_key, "train", f"export refused: {ex.reason}")
        dataset_id = ex.dataset_id
    tr = configured(train_candidate, "train", cfg)(config_key, dataset_id, run_id, init)
    artifacts.training_curve(config_key, tr)
    events.candidate_trained(config_key, model_id=tr.model_id, dataset_id=dataset_id, run_id=tr.run_id, steps=tr.steps,
                             best_val=tr.best_val, chain=chain)
    return tr


@flow(name="train", flow_run_name="train-{config_key}", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("train"))
def train_flow(config_key: str = "square8_2p", dataset_id: str | None = None, run_id: str | None = None,
               init: str = "champion", force: bool = False, chain: bool = True) -> TrainStageResult | StageSkipped:
    """Train a candidate for ``config_key`` on ``dataset_id``; without one, export first — only
    when the games since the last training reach ``loop.train_threshold_games`` (or ``force``).
    ``init``: champion (fine-tune the champion; scratch when there is none) or scratch. Emits
    ``ringrift.candidate.trained``."""
    guard_crash_retries()
    # A rerun of this flow run (crash retry, `prefect flow-run retry`) skips the threshold check:
    # its first attempt passed it, and an export it finished already counts those games as used,
    # so the check would now say "nothing to train" and the candidate would never come.
    from prefect.runtime import flow_run

    rerun = (flow_run.run_count or 0) > 1
    return train_stage(config_key, dataset_id, run_id, init, force or rerun, chain)
