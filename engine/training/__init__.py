"""Training (PyTorch): the trainer over NPZ chunks, its losses, schedule and resumable state.

    from engine.training import TrainingRun, train
    result = train(TrainingRun(train_chunks, val_chunks, run_dir, arch=arch), load_config().training)
"""

from .data import TrainingData, to_loss_batch, validation_batches
from .losses import LossBatch, legal_logsumexp, policy_loss, value_loss
from .schedule import lr_at
from .state import Progress, latest_checkpoint, load_training_state, save_training_state
from .trainer import TrainResult, TrainingRun, train, validate

__all__ = [
    "LossBatch", "Progress", "TrainResult", "TrainingData", "TrainingRun", "latest_checkpoint", "legal_logsumexp",
    "load_training_state", "lr_at", "policy_loss", "save_training_state", "to_loss_batch", "train", "validate",
    "validation_batches", "value_loss",
]
