"""The neural-network side: the encoder contract (pure numpy: state -> planes + globals, moves <->
spatial policy indices, board symmetries, the encoder version) and the PyTorch network
(``network``), its checkpoints (``checkpoint``), batched inference (``inference``) and the network
evaluator for the search players (``evaluator``). See each module's docstring.

The PyTorch names are imported lazily, so code that only encodes (export, tests of the rules)
does not pay for importing torch.
"""

from .actions import (
    EncodingOverflowError,
    action_shape,
    index_to_move,
    legal_indices,
    legal_mask,
    move_to_index,
    moves_to_indices,
    policy_size,
)
from .encoding import (
    CONFIGS,
    ENCODER_VERSION,
    EncoderVersionError,
    check_encoder_version,
    config_shapes,
    encoder_shapes,
)
from .planes import encode_state, encode_states, input_shape, player_to_seat, seat_to_player
from .symmetry import (
    Symmetry,
    policy_permutation,
    state_policy_permutation,
    symmetries,
    transform_move,
    transform_planes,
    transform_policy,
    transform_policy_index,
    transform_state,
)

_LAZY = {
    "NetworkArch": "network", "RingRiftNet": "network", "build_network": "network", "parameter_count": "network",
    "Checkpoint": "checkpoint", "CheckpointError": "checkpoint", "CheckpointMeta": "checkpoint",
    "Lineage": "checkpoint", "ModelIdentity": "checkpoint", "checkpoint_bytes": "checkpoint",
    "checkpoint_from_bytes": "checkpoint", "load_checkpoint": "checkpoint", "model_identity": "checkpoint",
    "save_checkpoint": "checkpoint",
    "Inference": "inference", "resolve_device": "inference", "DeviceUnavailable": "inference",
    "set_cpu_threads": "inference",
    "NetworkEvaluator": "evaluator",
}


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{mod}"), name)


__all__ = sorted(_LAZY) + [
    "CONFIGS", "ENCODER_VERSION", "EncoderVersionError", "EncodingOverflowError", "Symmetry", "action_shape",
    "check_encoder_version", "config_shapes", "encode_state", "encode_states", "encoder_shapes", "index_to_move",
    "input_shape", "legal_indices", "legal_mask", "move_to_index", "moves_to_indices", "player_to_seat",
    "policy_permutation", "policy_size",
    "seat_to_player", "state_policy_permutation", "symmetries", "transform_move", "transform_planes",
    "transform_policy", "transform_policy_index", "transform_state",
]
