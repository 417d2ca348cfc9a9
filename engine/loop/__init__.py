"""The generation loop as library code: each stage a function over the artifact store and the
database (no Prefect here; ``tasks/`` and ``flows/`` wrap these).

    from engine.loop import open_context, generation
    ctx = open_context()                         # config, store, database, local folders
    result = generation(ctx, "square8_2p")       # selfplay -> export -> train -> gauntlet -> promotion
    print(result.summary)
"""

from .artifacts import champion_pointer_name, load_model, publish_model
from .context import Context, open_context
from .stages import (
                     ConfigStatus,
                     ExportStageResult,
                     GauntletStageResult,
                     GenerationResult,
                     PromotionStageResult,
                     SelfplayResult,
                     StageError,
                     TrainStageResult,
                     champion,
                     generation,
                     ingest_shards,
                     loop_status,
                     rollback,
                     run_export,
                     run_gauntlet_stage,
                     run_promotion_stage,
                     run_prune,
                     run_selfplay,
                     run_sync,
                     run_training,
)

__all__ = [
    "ConfigStatus", "Context", "ExportStageResult", "GauntletStageResult", "GenerationResult", "PromotionStageResult",
    "SelfplayResult", "StageError", "TrainStageResult", "champion", "champion_pointer_name", "generation",
    "ingest_shards", "load_model", "loop_status", "open_context", "publish_model", "rollback", "run_export",
    "run_gauntlet_stage", "run_promotion_stage", "run_prune", "run_selfplay", "run_sync", "run_training",
]
