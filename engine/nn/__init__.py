"""The neural-network encoder contract (pure numpy): state -> planes + globals, moves <-> spatial
policy indices, board symmetries, and the encoder version. See the docstrings of
``planes`` (seat convention, grid embedding, plane table), ``actions`` (policy channel table),
``symmetry`` and ``encoding``.
"""

from .actions import (EncodingOverflowError, action_shape, index_to_move, legal_indices, legal_mask, move_to_index,
                      policy_size)
from .encoding import (CONFIGS, ENCODER_VERSION, EncoderVersionError, check_encoder_version, config_shapes,
                       encoder_shapes)
from .planes import encode_state, input_shape, player_to_seat, seat_to_player
from .symmetry import (Symmetry, policy_permutation, state_policy_permutation, symmetries, transform_move,
                       transform_planes, transform_policy, transform_policy_index, transform_state)

__all__ = [
    "CONFIGS", "ENCODER_VERSION", "EncoderVersionError", "EncodingOverflowError", "Symmetry", "action_shape",
    "check_encoder_version", "config_shapes", "encode_state", "encoder_shapes", "index_to_move", "input_shape",
    "legal_indices", "legal_mask", "move_to_index", "player_to_seat", "policy_permutation", "policy_size",
    "seat_to_player", "state_policy_permutation", "symmetries", "transform_move", "transform_planes",
    "transform_policy", "transform_policy_index", "transform_state",
]
