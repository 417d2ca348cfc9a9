"""The ``analysis`` flow: a status table of the loop (champion, rating, data freshness per config)."""

from __future__ import annotations

from prefect import flow

from tasks import artifacts
from tasks.common import configured
from tasks.maintenance import game_statistics, loop_snapshot
from tasks.settings import flow_timeout

from ._common import asdict_small, forge_config


@flow(name="analysis", flow_run_name="analysis", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("analysis"))
def analysis_flow(profile: str | None = None) -> list[dict]:
    """Per config of ``profile`` (default: all 12): champion, rating, games, games since training
    (a table), and the game statistics (``engine.analysis``, a Markdown artifact)."""
    cfg = forge_config()
    configs = list(cfg.loop.configs(profile)) if profile else None
    statuses = configured(loop_snapshot, "analysis")(configs)
    artifacts.status_table(statuses, key=profile or "all")
    md = configured(game_statistics, "analysis")(configs)
    if md:
        artifacts.markdown("statistics", profile or "all", md, "Game statistics per config")
    return [asdict_small(s) for s in statuses]
