"""Orchestration settings: retries, timeouts, pools, queues, schedules, profiles' stages.

The ``orchestration:`` section of ``config/unified_loop.yaml`` (``engine.config.OrchestrationConfig``,
documented key by key in docs/PIPELINE.md); ``orchestration_settings(cfg)`` returns it (the
defaults for a config object without the section).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from engine.config import DEFAULT_RUNTIME, FLOW_STAGES, STAGES, StageRuntime  # noqa: F401  (re-exported)
from engine.config import OrchestrationConfig as OrchestrationSettings

# A JSON object {flow name: seconds}: the flow timeouts of this process's flow runs. ``ringrift
# deploy`` puts each deployment's entry in its job variables (from orchestration.timeouts), because
# the worker builds the flow object from its decorator when it imports the flow's module.
FLOW_TIMEOUTS_ENV = "RINGRIFT_FLOW_TIMEOUTS"


def flow_timeout(flow: str, env: Mapping[str, str] | None = None) -> int:
    """The timeout a flow is decorated with: ``$RINGRIFT_FLOW_TIMEOUTS[flow]`` when the deployment
    set it, else the default table's (``OrchestrationConfig.flow_timeout``)."""
    import json
    import os

    raw = (os.environ if env is None else env).get(FLOW_TIMEOUTS_ENV, "").strip()
    if raw:
        try:
            table = json.loads(raw)
            if not isinstance(table, dict):
                raise ValueError("not an object")
            if flow in table:
                seconds = int(table[flow])
                if seconds > 0:
                    return seconds
                raise ValueError("not positive")
        except (ValueError, TypeError, AttributeError) as e:
            raise ValueError(f"{FLOW_TIMEOUTS_ENV}={raw!r}: expected a JSON object of flow name -> positive "
                             f"seconds ({e})") from None
    return OrchestrationSettings().flow_timeout(flow)


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
