"""Training (PyTorch): the trainer over NPZ chunks, its losses, schedule and resumable state; the
curriculum, the self-play temperature schedule and value calibration (docs/TRAINING.md).

    from engine.training import TrainingRun, train
    result = train(TrainingRun(train_chunks, val_chunks, run_dir, arch=arch), load_config().training)
"""

from .calibration import (
                          CalibrationReport,
                          CalibrationTracker,
                          ReliabilityBin,
                          ValueCalibrator,
                          fit_value_scale,
                          scale_values,
)
from .curriculum import (
                          CurriculumConfig,
                          CurriculumError,
                          CurriculumResult,
                          CurriculumStage,
                          CurriculumTrainer,
                          DataSource,
                          GenerationWeights,
                          StageResult,
                          TransferReport,
                          stage_finished,
                          transfer_weights,
)
from .data import TrainingData, to_loss_batch, validation_batches
from .holdout import NoValidationData, ensure_validation
from .losses import LossBatch, legal_logsumexp, policy_loss, value_loss
from .schedule import lr_at
from .state import Progress, latest_checkpoint, load_training_state, save_training_state
from .temperature import TemperatureConfig, TemperatureScheduler, apply_temperature, create_scheduler, sample_index
from .trainer import ConfigMismatch, TrainingRun, TrainResult, train, validate

__all__ = [
    "CalibrationReport", "CalibrationTracker", "ConfigMismatch", "CurriculumConfig", "CurriculumError",
    "CurriculumResult",
    "CurriculumStage", "CurriculumTrainer", "DataSource", "GenerationWeights", "ReliabilityBin", "StageResult",
    "TemperatureConfig", "TemperatureScheduler", "TransferReport", "ValueCalibrator", "apply_temperature",
    "create_scheduler", "fit_value_scale", "sample_index", "scale_values", "stage_finished", "transfer_weights",
    "LossBatch", "NoValidationData", "ensure_validation", "Progress", "TrainResult", "TrainingData", "TrainingRun",
    "latest_checkpoint", "legal_logsumexp",
    "load_training_state", "lr_at", "policy_loss", "save_training_state", "to_loss_batch", "train", "validate",
    "validation_batches", "value_loss",
]
