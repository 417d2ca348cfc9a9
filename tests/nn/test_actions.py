"""Property tests of the policy index contract: unique indices, round trips, masks (all 12 configs)."""

import random
from collections import Counter

import numpy as np
import pytest

from engine.game import apply_in_place, legal_moves, new_game
from engine.game.moves import MOVE_STACK, PLACE_RING, Move
from engine.nn import action_shape, index_to_move, legal_indices, legal_mask, move_to_index, policy_size
from engine.nn.actions import action_layout, describe_index

CONFIGS = [(b, n) for b in ("square8", "hex8", "square19", "hexagonal") for n in (2, 3, 4)]
# (games, check every k-th position): the big boards play one game, sampled.
PLAN = {"square8": (8, 1), "hex8": (8, 1), "square19": (1, 9), "hexagonal": (1, 20)}


def _check_position(s, seen: Counter) -> None:
    moves = legal_moves(s)
    idx = legal_indices(s)
    assert len(idx) == len(moves)
    assert len(set(idx)) == len(idx), f"two legal moves share an index in {s!r}"
    size = policy_size(s.board_type, s.num_players)
    assert all(0 <= i < size for i in idx)
    mask = legal_mask(s)
    assert mask.dtype == bool and mask.shape == (size,)
    assert int(mask.sum()) == len(moves)
    assert mask[idx].all()
    al = action_layout(s.board_type)
    for m, i in zip(moves, idx):
        assert move_to_index(s, m) == i
        assert index_to_move(s, i) == m
        seen[al.group_of(i // al.HW)] += 1


@pytest.mark.parametrize("board,players", CONFIGS)
def test_unique_indices_and_round_trip(board, players):
    games, every = PLAN[board]
    seen: Counter = Counter()
    for g in range(games):
        rng = random.Random(1000 * players + g)
        s = new_game(board, players)
        step = 0
        while not s.is_over:
            if step % every == 0:
                _check_position(s, seen)
            apply_in_place(s, rng.choice(legal_moves(s)))
            step += 1
    for group in ("place", "move", "capture", "global"):
        assert seen[group] > 0, f"{group} never exercised on {board} {players}p"
    if board in ("square8", "hex8"):
        for group in ("territory", "eliminate"):
            assert seen[group] > 0, f"{group} never exercised on {board} {players}p: {seen}"


def test_rare_groups_are_exercised():
    """Across the small boards every channel group of the contract is seen at least once."""
    seen: Counter = Counter()
    for board in ("square8", "hex8"):
        for players in (2, 3, 4):
            for g in range(12):
                rng = random.Random(77 + g)
                s = new_game(board, players)
                while not s.is_over:
                    moves = legal_moves(s)
                    if any(m.type in ("recovery_slide", "choose_line_option", "forced_elimination", "process_line",
                                      "eliminate_rings_from_stack",
                                      "choose_territory_option") for m in moves):
                        _check_position(s, seen)
                    apply_in_place(s, rng.choice(moves))
    for group in ("recovery", "line_exact", "line_all", "line_segment", "territory", "eliminate", "forced"):
        assert seen[group] > 0, seen


def test_shapes():
    assert action_shape("square8", 2) == (239, 8, 8)
    assert action_shape("hex8", 3) == (196, 9, 9)
    assert action_shape("square19", 4) == (415, 19, 19)
    assert action_shape("hexagonal", 2) == (388, 25, 25)
    with pytest.raises(ValueError):
        action_shape("square9", 2)
    with pytest.raises(ValueError):
        action_shape("square8", 5)


def test_known_indices_square8():
    s = new_game("square8", 2)
    al = action_layout("square8")
    m = Move(PLACE_RING, 1, to=(3, 2), count=2)
    assert move_to_index(s, m) == (al.PLACE + 1) * 64 + 2 * 8 + 3
    # move_stack east (direction 0) by 2 from (1, 1)
    m = Move(MOVE_STACK, 1, from_=(1, 1), to=(3, 1))
    assert move_to_index(s, m) == (al.MOVE + 0 * al.M + 1) * 64 + 1 * 8 + 1
    assert describe_index("square8", (al.MOVE + 1) * 64 + 9).startswith("move[1]")


def test_illegal_index_and_move_raise():
    s = new_game("square8", 2)
    with pytest.raises(ValueError):
        index_to_move(s, policy_size("square8", 2) - 1)
    with pytest.raises(ValueError):
        move_to_index(s, Move("recovery_slide", 1, from_=(0, 0), to=(1, 0), recovery_mode="fallback",
                              extraction=(2, 2)))
    assert np.flatnonzero(legal_mask(s)).tolist() == sorted(legal_indices(s))


def test_moves_to_indices_memo_agrees_with_the_direct_computation():
    from engine.nn.actions import _actions_of, _index, moves_to_indices

    s = new_game("square8", 2)
    rng = random.Random(5)
    al = _actions_of(s.geom)
    al.memo.clear()
    for _ in range(120):
        if s.is_over:
            break
        moves = legal_moves(s)
        first = moves_to_indices(s, moves)
        again = moves_to_indices(s, moves)  # served from the memo
        assert first == again == [move_to_index(s, m) for m in moves]
        apply_in_place(s, rng.choice(moves))
    assert al.memo and all(_index(al, m, None) == i for m, i in al.memo.items())
