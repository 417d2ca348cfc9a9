"""The encoder contract: its version and the tensor shapes of every config.

A dataset or checkpoint records ``ENCODER_VERSION``; loading one made with another version must
fail loudly (``check_encoder_version``): planes, globals and policy indices would be read with
the wrong meaning. Bump the version whenever the plane layout (``engine.nn.planes``), the policy
layout (``engine.nn.actions``) or the seat convention changes; the golden tests in
``tests/nn/test_encoding.py`` pin the current layout.
"""

from __future__ import annotations

from engine.game.geometry import BOARD_TYPES

from .actions import action_shape
from .planes import input_shape

ENCODER_VERSION = "rr-enc-1"

CONFIGS: tuple[tuple[str, int], ...] = tuple((b, n) for b in BOARD_TYPES for n in (2, 3, 4))


class EncoderVersionError(RuntimeError):
    """Data or a checkpoint was produced by a different encoder version."""


def check_encoder_version(found: str) -> None:
    """Raise ``EncoderVersionError`` unless ``found`` is this encoder's version."""
    if found != ENCODER_VERSION:
        raise EncoderVersionError(f"encoder version mismatch: the data/checkpoint was made with {found!r}, "
                                  f"this code implements {ENCODER_VERSION!r}")


def config_shapes(board: str, num_players: int) -> dict:
    """``{"planes": (C, H, W), "globals": (G,), "policy": (A, H, W), "policy_size": A*H*W}``."""
    planes, globals_ = input_shape(board, num_players)
    policy = action_shape(board, num_players)
    return {"planes": planes, "globals": globals_, "policy": policy,
            "policy_size": policy[0] * policy[1] * policy[2]}


def encoder_shapes() -> dict[tuple[str, int], dict]:
    """``config_shapes`` of all 12 configs (4 boards x 2-4 players), keyed by (board, players)."""
    return {cfg: config_shapes(*cfg) for cfg in CONFIGS}
