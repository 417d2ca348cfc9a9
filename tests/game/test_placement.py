"""Ring placement (RR-CANON-R080-R082), no-dead-placement, skip / no-op placement, must-move."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves, new_game
from engine.game.moves import Move

from .helpers import find, find_all, hand, play, position, stack, types


def placements(state, to=None):
    ms = find_all(legal_moves(state), "place_ring")
    if to is not None:
        ms = [m for m in ms if tuple(m.to) == tuple(to)]
    return ms


def counts_at(state, to):
    return sorted(m.count for m in placements(state, to))


def test_empty_square8_offers_one_to_three_rings_on_every_cell():
    s = new_game("square8", 2)
    legal = legal_moves(s)
    places = placements(s)
    assert len(places) == 64 * 3
    assert {(tuple(m.to), m.count) for m in places} == {((x, y), n) for x in range(8) for y in range(8)
                                                       for n in (1, 2, 3)}
    # no stacks: placement is mandatory, nothing else is offered
    assert set(types(legal)) == {"place_ring"}


def test_empty_hex8_offers_one_to_three_rings_on_every_cell():
    s = new_game("hex8", 2)
    assert len(placements(s)) == 61 * 3
    s = play(s, find(legal_moves(s), "place_ring", to=(0, 0, 0), count=2))
    assert stack(s, "0,0,0") == [1, 1]


def test_place_three_rings_on_an_empty_cell():
    s = new_game("square8", 2)
    s = play(s, find(legal_moves(s), "place_ring", to=(3, 3), count=3))
    assert stack(s, "3,3") == [1, 1, 1]
    assert hand(s, 1) == 15
    assert hand(s, 2) == 18
    assert s.phase == "movement"
    assert s.current_player == 1


def test_placement_count_is_limited_by_rings_in_hand():
    s = position(hands=[2, 18], phase="ring_placement")
    assert counts_at(s, (3, 3)) == [1, 2]
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("place_ring", 1, to=(3, 3), count=3))
    s1 = position(hands=[1, 18], phase="ring_placement")
    assert counts_at(s1, (3, 3)) == [1]


def test_exactly_one_ring_on_an_opponent_stack():
    s = position(stacks={"3,3": [2]}, hands=[10, 10], phase="ring_placement")
    assert counts_at(s, (3, 3)) == [1]
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("place_ring", 1, to=(3, 3), count=2))
    s = play(s, find(legal_moves(s), "place_ring", to=(3, 3)))
    assert stack(s, "3,3") == [1, 2]  # new ring on top: P1 now controls
    assert hand(s, 1) == 9
    assert s.phase == "movement"


def test_one_ring_on_own_stack_extends_the_cap():
    s = position(stacks={"3,3": [1, 2]}, hands=[10, 10], phase="ring_placement")
    assert counts_at(s, (3, 3)) == [1]
    s = play(s, find(legal_moves(s), "place_ring", to=(3, 3)))
    assert stack(s, "3,3") == [1, 1, 2]


def test_no_placement_on_markers_or_collapsed_cells():
    s = position(markers={"2,2": 1, "4,4": 2}, collapsed={"5,5": 2}, hands=[10, 10], phase="ring_placement")
    for key in ((2, 2), (4, 4), (5, 5)):
        assert placements(s, key) == []
        with pytest.raises(IllegalMoveError):
            apply_move(s, Move("place_ring", 1, to=key, count=1))
    assert counts_at(s, (3, 3)) == [1, 2, 3]


def test_no_dead_placement_in_a_walled_corner():
    # (0,0) with all three neighbours collapsed: a stack there could never move.
    s = position(collapsed={"1,0": 1, "0,1": 1, "1,1": 1}, hands=[10, 10], phase="ring_placement")
    assert placements(s, (0, 0)) == []
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("place_ring", 1, to=(0, 0), count=1))
    assert counts_at(s, (2, 2)) == [1, 2, 3]


def test_no_dead_placement_depends_on_the_count():
    # From (0,0) every ray ends after two cells: heights 1-2 can move, height 3 cannot.
    s = position(collapsed={"3,0": 1, "3,3": 1, "0,3": 1}, hands=[10, 10], phase="ring_placement")
    assert counts_at(s, (0, 0)) == [1, 2]


def test_no_dead_placement_on_a_stack():
    walls = {"3,0": 1, "3,3": 1, "0,3": 1}
    # one more ring on a height-2 stack gives height 3 > the reach of 2: illegal
    s = position(stacks={"0,0": [2, 2]}, collapsed=walls, hands=[10, 10], phase="ring_placement")
    assert placements(s, (0, 0)) == []
    # on a height-1 stack the result (height 2) can still move
    s = position(stacks={"0,0": [2]}, collapsed=walls, hands=[10, 10], phase="ring_placement")
    assert counts_at(s, (0, 0)) == [1]


def test_each_count_is_validated_on_its_own():
    # (0,0): N and NE collapsed, E holds a P2 stack of cap 2 with free cells behind it.
    # One ring can neither move nor capture (cap 1 < 2); two or three rings can capture over (1,0).
    s = position(stacks={"1,0": [2, 2]}, collapsed={"0,1": 1, "1,1": 1}, hands=[10, 10],
                 phase="ring_placement")
    assert counts_at(s, (0, 0)) == [2, 3]


def test_skip_placement_offered_when_a_controlled_stack_can_move():
    s = position(stacks={"3,3": [1]}, hands=[5, 10], phase="ring_placement")
    legal = legal_moves(s)
    assert "skip_placement" in types(legal)
    assert "no_placement_action" not in types(legal)
    s = play(s, "skip_placement")
    assert s.phase == "movement"
    assert hand(s, 1) == 5
    assert stack(s, "3,3") == [1]


def test_no_skip_placement_when_no_controlled_stack_can_move():
    # P1's only stack is walled in: placement is mandatory
    s = position(stacks={"0,0": [1]}, collapsed={"1,0": 2, "0,1": 2, "1,1": 2}, hands=[5, 10],
                 phase="ring_placement")
    legal = legal_moves(s)
    assert "skip_placement" not in types(legal)
    assert placements(s)
    assert placements(s, (0, 0)) == []  # still dead with two rings
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("skip_placement", 1))


def test_no_skip_placement_without_stacks():
    s = position(stacks={"5,5": [2]}, hands=[5, 10], phase="ring_placement")
    assert "skip_placement" not in types(legal_moves(s))


def test_no_placement_action_when_hand_is_empty():
    s = position(stacks={"3,3": [1]}, hands=[0, 10], phase="ring_placement")
    assert types(legal_moves(s)) == ["no_placement_action"]
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("skip_placement", 1))
    s = play(s, "no_placement_action")
    assert s.phase == "movement"
    assert s.current_player == 1
    assert find_all(legal_moves(s), "move_stack", from_=(3, 3))


def test_placed_stack_is_the_only_one_that_may_move():
    s = position(stacks={"3,3": [1]}, hands=[5, 10], phase="ring_placement")
    s = play(s, find(legal_moves(s), "place_ring", to=(6, 6), count=1))
    legal = legal_moves(s)
    assert legal
    assert {m.type for m in legal} <= {"move_stack", "overtaking_capture"}
    assert {tuple(m.from_) for m in legal} == {(6, 6)}
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("move_stack", 1, from_=(3, 3), to=(3, 4)))


def test_must_move_applies_to_a_stack_placed_on():
    s = position(stacks={"3,3": [1], "6,6": [2]}, hands=[5, 10], phase="ring_placement")
    s = play(s, find(legal_moves(s), "place_ring", to=(6, 6)))
    assert stack(s, "6,6") == [1, 2]
    assert {tuple(m.from_) for m in legal_moves(s)} == {(6, 6)}


def test_skip_placement_offered_when_the_only_action_is_a_capture():
    # (0,0) cannot move (E blocked by a stack, N and NE collapsed) but can capture (1,0)
    s = position(stacks={"0,0": [1], "1,0": [2]}, collapsed={"0,1": 2, "1,1": 2}, hands=[5, 10],
                 phase="ring_placement")
    assert "skip_placement" in types(legal_moves(s))
    s = play(s, "skip_placement")
    assert {m.type for m in legal_moves(s)} == {"overtaking_capture"}
