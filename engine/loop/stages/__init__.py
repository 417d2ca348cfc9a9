"""The stages of one generation as plain functions over the store and the database.

selfplay -> (ingest) -> export -> train -> gauntlet -> promotion. Each takes a ``Context`` and ids,
returns the frozen dataclass of ``results.py``, and can be killed and rerun: a finished step is
found and returned again (selfplay batches by their pointer, exports by their content
fingerprint, training runs by their run directory, promotions by their run id), a half-done one
resumes or restarts without duplicates. ``*_result`` functions read a finished step's result back
by its id (the master loop's deployments mode, where another process ran it). The Prefect tasks
(``tasks/``) wrap these one to one.

Modules: ``selfplay``, ``export``, ``train``, ``gauntlet``, ``promotion`` (and ``rollback``), one
stage each; ``generation`` (all of them in process); ``maintenance`` (sync, prune); ``status``;
``results`` (the dataclasses, ``StageError``); shared: ``champion``, ``players`` (the specs and
model loader the stages play with), ``matchlog`` (the gauntlet's and promotion's games).
"""

from .champion import champion, generation_of
from .export import dataset_result, run_export
from .gauntlet import gauntlet_result, run_gauntlet_stage
from .generation import generation
from .maintenance import known_configs, run_prune, run_sync
from .matchlog import recorded_matches, register_specs, store_matches
from .players import model_loader, search_spec
from .promotion import promotion_result, rollback, run_promotion_stage
from .results import (
    ConfigStatus,
    ExportStageResult,
    GauntletStageResult,
    GenerationResult,
    PromotionStageResult,
    SelfplayResult,
    SelfplayStageResult,
    StageError,
    StageSkipped,
    TrainStageResult,
)
from .selfplay import ScheduledGumbel, ingest_shards, run_selfplay, selfplay_result, selfplay_spec
from .status import loop_status
from .train import run_training, training_result

__all__ = [
    "ConfigStatus", "ExportStageResult", "GauntletStageResult", "GenerationResult", "PromotionStageResult",
    "ScheduledGumbel", "SelfplayResult", "SelfplayStageResult", "StageError", "StageSkipped", "TrainStageResult",
    "champion", "dataset_result", "gauntlet_result", "generation", "generation_of", "ingest_shards", "known_configs",
    "loop_status", "model_loader", "promotion_result", "recorded_matches", "register_specs", "rollback",
    "run_export", "run_gauntlet_stage", "run_promotion_stage", "run_prune", "run_selfplay", "run_sync",
    "run_training", "search_spec", "selfplay_result", "selfplay_spec", "store_matches", "training_result",
]
