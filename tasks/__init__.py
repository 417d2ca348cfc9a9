"""Prefect tasks: thin wrappers over ``engine.loop``'s stage functions, one pipeline step each.

Every task has retries with delays, a timeout, and a cache key made of its inputs, its source and
the pipeline's store/database (``tasks.common.STAGE_CACHE``); results are persisted, so a retried
or re-run flow does not redo finished tasks. Inputs and outputs are ids and small dataclasses.
"""

import importlib

# Public name -> its submodule, imported on first use: ``tasks.settings`` (the timeout table, read
# by ``ringrift deploy`` and the deployment plan) must not pull in Prefect and torch.
_WHERE = {
    "data_window": "data", "export_dataset": "data",
    "gauntlet": "evaluation", "promotion": "evaluation", "rollback_champion": "evaluation",
    "health_checks": "maintenance", "loop_snapshot": "maintenance", "prune_store": "maintenance",
    "sync_champions": "maintenance",
    "check_contracts": "selfplay", "ingest_shards": "selfplay", "selfplay_batch": "selfplay",
    "train_candidate": "training",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'tasks' has no attribute {name!r}")
