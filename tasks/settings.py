"""Orchestration settings: retries, timeouts, pools, queues, schedules, profiles' stages.

The ``orchestration:`` section of ``config/unified_loop.yaml`` (``engine.config.OrchestrationConfig``,
documented key by key in docs/PIPELINE.md); ``orchestration_settings(cfg)`` returns it (the
defaults for a config object without the section).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.config import DEFAULT_RUNTIME, STAGES, StageRuntime  # noqa: F401  (re-exported)
from engine.config import OrchestrationConfig as OrchestrationSettings


def orchestration_settings(cfg: Any = None) -> OrchestrationSettings:
    """``cfg.orchestration`` when the config has that section (a mapping or a dataclass with
    these fields), else the defaults."""
    sec = getattr(cfg, "orchestration", None) if cfg is not None else None
    if sec is None:
        return OrchestrationSettings()
    if isinstance(sec, OrchestrationSettings):
        return sec
    data = dict(sec) if isinstance(sec, Mapping) else (
        dataclasses.asdict(sec) if dataclasses.is_dataclass(sec) else dict(vars(sec)))
    known = {f.name for f in dataclasses.fields(OrchestrationSettings)}
    return OrchestrationSettings(**{k: v for k, v in data.items() if k in known})
