"""The contract: version check, shapes per config, golden encodings."""

import hashlib
import random

import numpy as np
import pytest

from engine.game import apply_in_place, legal_moves, new_game
from engine.nn import (
    CONFIGS,
    ENCODER_VERSION,
    EncoderVersionError,
    check_encoder_version,
    config_shapes,
    encode_state,
    encoder_shapes,
    legal_indices,
)

EXPECTED_SHAPES = {
    "square8": ((29, 8, 8), (239, 8, 8)),
    "square19": ((29, 19, 19), (415, 19, 19)),
    "hex8": ((29, 9, 9), (196, 9, 9)),
    "hexagonal": ((29, 25, 25), (388, 25, 25)),
}


def test_version():
    assert ENCODER_VERSION == "rr-enc-1"
    check_encoder_version(ENCODER_VERSION)
    with pytest.raises(EncoderVersionError) as err:
        check_encoder_version("rr-enc-0")
    assert "rr-enc-0" in str(err.value) and ENCODER_VERSION in str(err.value)


def test_shapes_per_config():
    shapes = encoder_shapes()
    assert set(shapes) == set(CONFIGS) and len(CONFIGS) == 12
    for (board, players), sh in shapes.items():
        planes, policy = EXPECTED_SHAPES[board]
        assert sh == {"planes": planes, "globals": (35,), "policy": policy,
                      "policy_size": policy[0] * policy[1] * policy[2]}
        assert config_shapes(board, players) == sh


def _golden_position(board):
    rng = random.Random(2024)
    s = new_game(board, 2)
    for _ in range(30):
        apply_in_place(s, rng.choice(legal_moves(s)))
    return s


def _digest(s) -> str:
    planes, glob = encode_state(s)
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(planes).tobytes())
    h.update(np.ascontiguousarray(glob).tobytes())
    h.update(np.asarray(legal_indices(s), dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


# A change of any of these is a change of the encoder contract: bump ENCODER_VERSION.
GOLDEN = {
    "square8": "f38dac269f526d8c",
    "square19": "d3a900d1f3429572",
    "hex8": "6b06148ced1b8efa",
    "hexagonal": "2218ae5837318b3a",
}


@pytest.mark.parametrize("board", sorted(GOLDEN))
def test_golden(board):
    s = _golden_position(board)
    planes, glob = encode_state(s)
    assert planes.shape == EXPECTED_SHAPES[board][0]
    assert _digest(s) == GOLDEN[board], f"encoding of the golden {board} position changed: {_digest(s)}"
