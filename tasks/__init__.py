"""Prefect tasks: thin wrappers over ``engine.loop``'s stage functions, one pipeline step each.

Every task has retries with delays, a timeout, and a cache key made of its inputs, its source and
the pipeline's store/database (``tasks.common.STAGE_CACHE``); results are persisted, so a retried
or re-run flow does not redo finished tasks. Inputs and outputs are ids and small dataclasses.
"""

from .data import data_window, export_dataset
from .evaluation import gauntlet, promotion, rollback_champion
from .maintenance import health_checks, loop_snapshot, prune_store, sync_champions
from .selfplay import check_contracts, ingest_shards, selfplay_batch
from .training import train_candidate

__all__ = ["check_contracts", "data_window", "export_dataset", "gauntlet", "health_checks", "ingest_shards",
           "loop_snapshot", "promotion", "prune_store", "rollback_champion", "selfplay_batch", "sync_champions",
           "train_candidate"]
