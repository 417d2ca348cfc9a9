"""The ``export`` flow: the config's window of games -> an NPZ dataset in the store (or a refusal
by the data-quality gates, with the reasons as an artifact)."""

from __future__ import annotations

from prefect import flow

from engine.loop import ExportStageResult
from tasks import artifacts
from tasks.common import configured
from tasks.data import data_window, export_dataset
from tasks.settings import flow_timeout

from ._common import check_config_key, forge_config, guard_crash_retries, run_logger


def export_stage(config_key: str, cfg=None) -> ExportStageResult:
    """The two export tasks (window fingerprint, export) and the gates artifact; returns the
    ``ExportStageResult``. Used by the export, train and master-loop flows."""
    cfg = cfg or forge_config()
    w = data_window(config_key)
    ex = configured(export_dataset, "export", cfg)(config_key, w["fingerprint"])
    artifacts.gates_table(config_key, ex)
    return ex


@flow(name="export", flow_run_name="export-{config_key}", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("export"))
def export_flow(config_key: str = "square8_2p") -> ExportStageResult:
    """Export ``config_key``'s training window; idempotent (the same games give the same dataset)."""
    check_config_key(config_key)
    guard_crash_retries()
    ex = export_stage(config_key)
    if not ex.ok:
        run_logger().warning("export %s refused: %s", config_key, ex.reason)
    return ex
