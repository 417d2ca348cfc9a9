"""Helpers shared by the flows: config keys and deployment names, seeds, batch plans, results."""

from __future__ import annotations

import dataclasses
import hashlib
import random

from tasks.common import forge_config, run_logger


def deployment_slug(config_key: str) -> str:
    """``square8_2p`` -> ``square8-2p`` (deployment names use dashes)."""
    return config_key.replace("_", "-")


def config_key_of(slug: str) -> str:
    """``square8-2p`` or ``square8_2p`` -> ``square8_2p`` (validated)."""
    from engine.evaluation.settings import parse_config_key

    key = slug.replace("-", "_")
    parse_config_key(key)
    return key


def check_config_key(config_key: str) -> str:
    from engine.evaluation.settings import parse_config_key

    parse_config_key(config_key)
    return config_key


def current_flow_run_id() -> str | None:
    from prefect.runtime import flow_run

    rid = flow_run.get_id()
    return str(rid) if rid else None


def run_seed(seed: int | None, *salt: str) -> int:
    """``seed`` if given; else one derived from the flow run id (the same when the run is retried,
    a new one for a new run), or random outside a run."""
    if seed is not None:
        return int(seed)
    rid = current_flow_run_id()
    if rid is None:
        return random.randrange(2**31)
    return int(hashlib.sha256("|".join((rid, *salt)).encode()).hexdigest()[:8], 16)


def batch_plan(config_key: str, games: int, batch_games: int, seed: int, engine: str, *, champion: str | None = None,
               simulations: int | None = None, cfg=None, first_index: int = 0) -> list[tuple[int, int, str]]:
    """``(games, seed, batch_id)`` per batch: ``games`` split into batches of ``batch_games``.
    Batch ids come from ``engine.loop.identity`` (config, seed, resolved engine, champion,
    simulations, the selfplay config's fingerprint), so a retried run re-finds its batches."""
    from engine.loop.identity import config_fingerprint, plan_batches, resolve_engine

    cfg = cfg or forge_config()
    kind = resolve_engine(engine, champion)
    return plan_batches(config_key, games, batch_games, seed, engine=kind, champion=champion,
                        simulations=int(simulations or cfg.selfplay.simulations),
                        fingerprint=config_fingerprint(cfg, "selfplay"), first_index=first_index)


def asdict_small(obj) -> dict:
    """A result dataclass as a JSON-friendly dict (flow return values)."""
    if obj is None:
        return {}
    d = dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) else dict(obj)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def threshold() -> int:
    return int(forge_config().loop.train_threshold_games)


__all__ = ["asdict_small", "batch_plan", "check_config_key", "config_key_of", "current_flow_run_id",
           "deployment_slug", "forge_config", "run_logger", "run_seed", "threshold"]


def guard_crash_retries() -> None:
    """Stop a run that the crash automation (``ringrift-retry-crashed``) has rescheduled more than
    ``orchestration.crash_retries`` times: it fails (not crashes), which ends the loop."""
    from prefect.runtime import flow_run

    if (flow_run.run_count or 0) <= 1:
        return
    from deployments.spec import CRASH_RETRY_MARK
    from ops.gateway import prefect_client
    from tasks.settings import orchestration_settings

    try:
        with prefect_client() as c:
            states = c.read_flow_run_states(flow_run.get_id())
    except Exception:  # noqa: BLE001 - the guard must not break a run
        return
    n = sum(1 for s in states if CRASH_RETRY_MARK in (s.message or ""))
    limit = orchestration_settings(_cfg_or_none()).crash_retries
    if n > limit:
        raise RuntimeError(f"this run crashed and was rescheduled {n} times (limit {limit}): giving up; "
                           "fix the cause, then retry it by hand (prefect flow-run retry)")


def _cfg_or_none():
    try:
        return forge_config()
    except Exception:  # noqa: BLE001
        return None
