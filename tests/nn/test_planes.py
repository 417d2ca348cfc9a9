"""State -> planes / globals: shapes, seat rotation, plane contents."""

import random

import numpy as np
import pytest

from engine.game import apply_in_place, legal_moves, new_game
from engine.nn import encode_state, input_shape, player_to_seat, seat_to_player
from engine.nn import planes as P


def _play(board, players, n_moves, seed=0):
    rng = random.Random(seed)
    s = new_game(board, players)
    for _ in range(n_moves):
        if s.is_over:
            break
        apply_in_place(s, rng.choice(legal_moves(s)))
    return s


@pytest.mark.parametrize("board,hw", [("square8", 8), ("square19", 19), ("hex8", 9), ("hexagonal", 25)])
@pytest.mark.parametrize("players", [2, 3, 4])
def test_shapes_and_ranges(board, hw, players):
    s = _play(board, players, 60 if board in ("square8", "hex8") else 150, seed=players)
    planes, g = encode_state(s)
    assert input_shape(board, players) == ((P.NUM_PLANES, hw, hw), (P.NUM_GLOBALS,))
    assert planes.shape == (P.NUM_PLANES, hw, hw) and planes.dtype == np.float32
    assert g.shape == (P.NUM_GLOBALS,) and g.dtype == np.float32
    assert planes.min() >= 0.0 and planes.max() <= 1.0
    assert int(planes[P.CH_VALID].sum()) == s.geom.num_cells
    assert (planes * (1 - planes[P.CH_VALID])).sum() == 0  # nothing off the board
    assert g[P.G_PHASE:P.G_PHASE + 8].sum() == 1.0
    assert g[P.G_NUM_PLAYERS + players - 2] == 1.0
    # padded seats are empty
    for k in range(players, P.MAX_SEATS):
        assert planes[k * P.SEAT_PLANES:(k + 1) * P.SEAT_PLANES].sum() == 0
        assert g[P.G_HAND + k] == 0 and g[P.G_ACTIVE + k] == 0


def test_seat_convention():
    assert [seat_to_player(k, 3, 4) for k in range(4)] == [3, 4, 1, 2]
    assert [player_to_seat(p, 3, 4) for p in (1, 2, 3, 4)] == [2, 3, 0, 1]
    for n in (2, 3, 4):
        for cur in range(1, n + 1):
            for k in range(n):
                assert player_to_seat(seat_to_player(k, cur, n), cur, n) == k


@pytest.mark.parametrize("board", ["square8", "hex8"])
def test_plane_contents_follow_the_player_to_act(board):
    s = _play(board, 3, 90, seed=5)
    planes, g = encode_state(s)
    flat = planes.reshape(P.NUM_PLANES, -1)
    lay = P.layout(board)
    geom = s.geom
    for k in range(3):
        p = seat_to_player(k, s.current_player, 3)
        base = k * P.SEAT_PLANES
        for c in range(geom.num_cells):
            q = lay.flat[c]
            rings = s.stacks[c]
            controls = rings is not None and rings[-1] == p
            assert flat[base + 0, q] == float(controls)
            if controls:
                assert flat[base + 1, q] == pytest.approx(min(len(rings) / 8, 1))
                assert flat[base + 2, q] == pytest.approx(min(s.occ[c] / 8, 1))
            buried = rings[:-1].count(p) if rings else 0
            assert flat[base + 3, q] == pytest.approx(min(buried / 8, 1))
            assert flat[base + 4, q] == float(s.markers[c] == p)
            assert flat[base + 5, q] == float(s.collapsed[c] == p)
            empty = rings is None and not s.markers[c] and not s.collapsed[c]
            assert flat[P.CH_EMPTY, q] == float(empty)
        assert g[P.G_HAND + k] == pytest.approx(s.rings_in_hand[p] / s.rings_per_player)
        assert g[P.G_TERR + k] == pytest.approx(s.territory[p] / s.territory_threshold)


def test_hex_embedding_matches_brief():
    """hex: cube (x, y) -> grid (x + r, y + r); the centre is the middle of the grid."""
    lay = P.layout("hexagonal")
    geom = lay.geom
    c = geom.cell((0, 0, 0))
    assert (lay.rows[c], lay.cols[c]) == (12, 12)
    c = geom.cell((-12, 0, 12))
    assert (lay.rows[c], lay.cols[c]) == (0, 12)


def test_special_cells():
    # find a position with a must-move cell and one in chain capture / with a pending region
    found = set()
    for seed in range(40):
        rng = random.Random(seed)
        s = new_game("square8", 2)
        while not s.is_over and len(found) < 3:
            planes, _ = encode_state(s)
            flat = planes.reshape(P.NUM_PLANES, -1)
            lay = P.layout("square8")
            if s.must_move_from >= 0:
                assert flat[P.CH_MUST_MOVE].sum() == 1 and flat[P.CH_MUST_MOVE, lay.flat[s.must_move_from]] == 1
                found.add("must")
            else:
                assert flat[P.CH_MUST_MOVE].sum() == 0
            if s.chain_pos >= 0:
                assert flat[P.CH_CHAIN, lay.flat[s.chain_pos]] == 1
                found.add("chain")
            if s.pending_region:
                assert flat[P.CH_PENDING_REGION].sum() == len(s.pending_region)
                found.add("region")
            apply_in_place(s, rng.choice(legal_moves(s)))
        if len(found) == 3:
            break
    assert found == {"must", "chain", "region"}


@pytest.mark.parametrize("board,players", [("square8", 2), ("square8", 4), ("hex8", 3), ("square19", 2),
                                           ("hexagonal", 3)])
def test_encode_states_equals_encode_state_bit_for_bit(board, players):
    from engine.nn import encode_states

    rng = random.Random(players)
    s = new_game(board, players)
    states = []
    while not s.is_over and len(states) < (300 if board in ("square8", "hex8") else 120):
        states.append(s.clone())
        apply_in_place(s, rng.choice(legal_moves(s)))
    planes, g = encode_states(states)
    ref = [encode_state(x) for x in states]
    assert np.array_equal(planes, np.stack([a for a, _ in ref])) and np.array_equal(g, np.stack([b for _, b in ref]))
    # into given arrays (larger than the batch: only the first rows are written)
    buf_p = np.full((len(states) + 2,) + planes.shape[1:], 7.0, dtype=np.float32)
    buf_g = np.full((len(states) + 2, g.shape[1]), 7.0, dtype=np.float32)
    p2, g2 = encode_states(states, buf_p, buf_g)
    assert np.array_equal(p2, planes) and np.array_equal(g2, g) and (buf_p[-1] == 7.0).all()
    with pytest.raises(ValueError, match="same board"):
        encode_states([states[0], new_game("hex8" if board != "hex8" else "square8", players)])
    with pytest.raises(ValueError, match="at least one"):
        encode_states([])
