"""D4 / D6 symmetries: group structure, and equivariance of planes, masks and policy indices."""

import random

import numpy as np
import pytest

from engine.game import apply_in_place, geometry, legal_moves, new_game
from engine.nn import (
    encode_state,
    legal_indices,
    legal_mask,
    move_to_index,
    policy_permutation,
    state_policy_permutation,
    symmetries,
    transform_move,
    transform_planes,
    transform_policy,
    transform_policy_index,
    transform_state,
)
from engine.nn.actions import action_layout

BOARDS = ["square8", "hex8", "square19", "hexagonal"]
# Groups whose static permutation is exact (the others need the state: see engine.nn.symmetry).
STATIC_GROUPS = {"place", "move", "capture", "line_exact", "line_segment", "eliminate", "forced", "global"}


@pytest.mark.parametrize("board", BOARDS)
def test_group_structure(board):
    syms = symmetries(board)
    geom = geometry(board)
    assert len(syms) == (12 if geom.is_hex else 8)
    assert (syms[0].cell_perm == np.arange(geom.num_cells)).all()
    images = set()
    for g in syms:
        assert sorted(g.cell_perm.tolist()) == list(range(geom.num_cells))
        assert sorted(g.dir_perm) == list(range(len(geom.dirs)))
        images.add(tuple(g.cell_perm.tolist()))
        # rays map to rays, line axes to line axes (up to orientation)
        for c in range(0, geom.num_cells, 7):
            for d, ray in enumerate(geom.rays[c]):
                assert tuple(g.cell_perm[list(ray)].tolist()) == geom.rays[g.cell_perm[c]][g.dir_perm[d]]
        for a in geom.line_axes:
            gd = g.dir_perm[a]
            assert gd in geom.line_axes or geom.opposite[gd] in geom.line_axes
        for h in syms:  # closed under composition
            comp = g.cell_perm[h.cell_perm]
            assert any((comp == k.cell_perm).all() for k in syms)
    assert len(images) == len(syms)


def _positions(board, players, games, every, seed):
    for gi in range(games):
        rng = random.Random(seed + gi)
        s = new_game(board, players)
        step = 0
        while not s.is_over:
            if step % every == 0:
                yield s.clone()
            apply_in_place(s, rng.choice(legal_moves(s)))
            step += 1


PLAN = {"square8": (2, 9), "hex8": (2, 9), "square19": (1, 80), "hexagonal": (1, 200)}


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("players", [2, 3, 4])
def test_equivariance(board, players):
    games, every = PLAN[board]
    al = action_layout(board)
    checked = 0
    for s in _positions(board, players, games, every, seed=31 * players):
        planes, glob = encode_state(s)
        mask = legal_mask(s)
        moves = legal_moves(s)
        idx = legal_indices(s)
        for g in symmetries(board)[1:]:
            ts = transform_state(s, g)
            tplanes, tglob = encode_state(ts)
            assert np.array_equal(tplanes, transform_planes(planes, g))
            assert np.array_equal(tglob, glob)
            tmoves = [transform_move(m, g) for m in moves]
            assert set(legal_moves(ts)) == set(tmoves)
            static = policy_permutation(board, players, g)
            exact = state_policy_permutation(s, g, ts)
            assert np.array_equal(np.sort(exact), np.arange(exact.size))
            assert np.array_equal(legal_mask(ts), transform_policy(mask, exact))
            for m, tm, i in zip(moves, tmoves, idx):
                j = move_to_index(ts, tm)
                assert exact[i] == j
                if al.group_of(i // al.HW) in STATIC_GROUPS:
                    assert static[i] == j, (g, m)
            checked += 1
    assert checked > 0


def test_static_permutation_is_a_permutation_and_group_action():
    for board in ("square8", "hex8"):
        syms = symmetries(board)
        size = action_layout(board).size
        for g in syms:
            p = policy_permutation(board, 2, g)
            assert np.array_equal(np.sort(p), np.arange(size))
        assert np.array_equal(policy_permutation(board, 2, syms[0]), np.arange(size))


def test_transform_policy_index_and_planes_batch():
    s = next(iter(_positions("hex8", 2, 1, 40, seed=3)))
    for s in list(_positions("hex8", 2, 1, 25, seed=3))[1:4]:
        for g in symmetries("hex8"):
            ts = transform_state(s, g)
            for m, i in zip(legal_moves(s), legal_indices(s)):
                assert transform_policy_index(s, i, g, ts) == move_to_index(ts, transform_move(m, g))
    planes, _ = encode_state(s)
    batch = np.stack([planes, planes])
    g = symmetries("hex8")[3]
    assert np.array_equal(transform_planes(batch, g)[1], transform_planes(planes, g))


def test_rare_move_types_transform_exactly():
    """Positions with recovery, line and territory decisions: the exact permutation holds."""
    kinds = set()
    for board in ("square8", "hex8"):
        for gi in range(12):
            rng = random.Random(500 + gi)
            s = new_game(board, 3)
            while not s.is_over:
                moves = legal_moves(s)
                types = {m.type for m in moves}
                rare = types & {"recovery_slide", "choose_line_option", "process_line", "choose_territory_option"}
                if rare and not rare <= kinds or rng.random() < 0.02 and rare:
                    kinds |= rare
                    idx = legal_indices(s)
                    for g in symmetries(board):
                        ts = transform_state(s, g)
                        exact = state_policy_permutation(s, g, ts)
                        for m, i in zip(moves, idx):
                            assert exact[i] == move_to_index(ts, transform_move(m, g))
                apply_in_place(s, rng.choice(moves))
    assert {"recovery_slide", "choose_territory_option"} <= kinds
