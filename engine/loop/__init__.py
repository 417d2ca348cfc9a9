"""The generation loop as library code: each stage a function over the artifact store and the
database (no Prefect here; ``tasks/`` and ``flows/`` wrap these).

    from engine.loop import open_context, generation
    ctx = open_context()                         # config, store, database, local folders
    result = generation(ctx, "square8_2p")       # selfplay -> export -> train -> gauntlet -> promotion
    print(result.summary)
"""

from .artifacts import champion_pointer_name, load_model, publish_model
from .context import Context, close_contexts, forge_config, forge_context, open_context
from .stages import (
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
    champion,
    dataset_result,
    gauntlet_result,
    generation,
    ingest_shards,
    loop_status,
    promotion_result,
    rollback,
    run_export,
    run_gauntlet_stage,
    run_promotion_stage,
    run_prune,
    run_selfplay,
    run_sync,
    run_training,
    selfplay_result,
    training_result,
)

__all__ = [
    "ConfigStatus", "Context", "ExportStageResult", "GauntletStageResult", "GenerationResult", "PromotionStageResult",
    "SelfplayResult", "SelfplayStageResult", "StageError", "StageSkipped", "TrainStageResult", "champion",
    "champion_pointer_name", "close_contexts", "dataset_result", "forge_config", "forge_context", "gauntlet_result",
    "generation", "ingest_shards", "load_model", "loop_status", "open_context", "promotion_result", "publish_model",
    "rollback", "run_export", "run_gauntlet_stage", "run_promotion_stage", "run_prune", "run_selfplay", "run_sync",
    "run_training", "selfplay_result", "training_result",
]
