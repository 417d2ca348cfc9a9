"""Non-capture movement (RR-CANON-R090-R092): distance, blocking, marker effects, landing cost."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves
from engine.game.moves import Move

from .helpers import (
    all_collapsed,
    all_markers,
    all_stacks,
    collapsed_owner,
    eliminated,
    find_all,
    marker,
    play,
    position,
    stack,
    territory,
    total_eliminated,
    types,
)


def destinations(state, frm):
    return {tuple(m.to) for m in find_all(legal_moves(state), "move_stack", from_=frm)}


def mv(frm, to, player=1):
    return Move("move_stack", player, from_=frm, to=to)


def test_height_one_moves_any_distance_along_the_eight_rays():
    s = position(stacks={"3,3": [1]})
    dest = destinations(s, (3, 3))
    # rays from (3,3): E 4, W 3, N 4, S 3, NE 4, SW 3, NW 3, SE 3
    assert len(dest) == 27
    assert {(7, 3), (0, 3), (3, 7), (3, 0), (7, 7), (0, 0), (0, 6), (6, 0), (4, 4)} <= dest
    assert (5, 4) not in dest  # not on a ray


def test_distance_must_be_at_least_the_height():
    s = position(stacks={"3,3": [1, 1]})
    dest = destinations(s, (3, 3))
    assert len(dest) == 27 - 8
    assert not {(4, 3), (2, 3), (3, 4), (3, 2), (4, 4), (2, 2), (2, 4), (4, 2)} & dest
    assert {(5, 3), (1, 1), (7, 7)} <= dest

    s = position(stacks={"0,0": [1, 2, 1]})  # height 3 counts, not cap
    dest = destinations(s, (0, 0))
    assert dest == {(x, 0) for x in range(3, 8)} | {(0, y) for y in range(3, 8)} | {(i, i) for i in range(3, 8)}


def test_illegal_short_move_is_rejected():
    s = position(stacks={"3,3": [1, 1]})
    with pytest.raises(IllegalMoveError):
        apply_move(s, mv((3, 3), (4, 3)))
    with pytest.raises(IllegalMoveError):
        apply_move(s, mv((3, 3), (4, 5)))  # not a ray


def test_stacks_block_the_path_and_the_landing():
    # P2's cap-2 stack on the E ray cannot be captured by a cap-1 stack: it just blocks
    s = position(stacks={"0,0": [1], "2,0": [2, 2]})
    dest = destinations(s, (0, 0))
    assert {d for d in dest if d[1] == 0} == {(1, 0)}
    assert not find_all(legal_moves(s), "overtaking_capture")
    # an own stack blocks too
    s = position(stacks={"0,0": [1], "0,2": [1, 1]})
    assert {d for d in destinations(s, (0, 0)) if d[0] == 0} == {(0, 1)}


def test_collapsed_cells_block_the_path_and_the_landing():
    s = position(stacks={"0,0": [1]}, collapsed={"2,0": 2, "2,2": 1})
    dest = destinations(s, (0, 0))
    assert {d for d in dest if d[1] == 0} == {(1, 0)}
    assert {d for d in dest if d[0] == d[1]} == {(1, 1)}
    assert {d for d in dest if d[0] == 0} == {(0, y) for y in range(1, 8)}


def test_cannot_move_an_opponent_stack():
    s = position(stacks={"3,3": [2], "5,5": [1]})
    with pytest.raises(IllegalMoveError):
        apply_move(s, mv((3, 3), (3, 4)))
    assert all(tuple(m.from_) == (5, 5) for m in legal_moves(s))


def test_departure_marker_and_markers_passed_over():
    s = position(stacks={"0,0": [1]}, markers={"1,0": 2, "2,0": 1})
    s0 = s.s_invariant()
    s = play(s, mv((0, 0), (3, 0)))
    assert stack(s, "3,0") == [1]
    assert stack(s, "0,0") is None
    assert marker(s, "0,0") == 1  # departure marker
    assert marker(s, "1,0") == 1  # opponent marker flipped
    assert marker(s, "2,0") == 0 and collapsed_owner(s, "2,0") == 1  # own marker collapsed
    assert territory(s, 1) == 1 and territory(s, 2) == 0
    assert eliminated(s, 1) == 0 and total_eliminated(s) == 0
    assert s.s_invariant() == s0 + 1  # S: one departure marker added, collapse keeps M + C


def test_moving_over_markers_diagonally():
    s = position(stacks={"1,1": [1, 1]}, markers={"2,2": 2, "3,3": 2, "4,4": 1})
    s = play(s, mv((1, 1), (5, 5)))
    assert all_markers(s) == {(1, 1): 1, (2, 2): 1, (3, 3): 1}
    assert all_collapsed(s) == {(4, 4): 1}
    assert all_stacks(s) == {(5, 5): [1, 1]}


def test_landing_on_an_opponent_marker_eliminates_the_top_ring():
    s = position(stacks={"0,0": [1, 2]}, markers={"2,0": 2})
    s0 = s.s_invariant()
    s = play(s, mv((0, 0), (2, 0)))
    assert stack(s, "2,0") == [2]  # P1's top ring gone: control passes to P2
    assert marker(s, "2,0") == 0 and collapsed_owner(s, "2,0") == 0  # marker removed, no collapse
    assert marker(s, "0,0") == 1
    assert eliminated(s, 1) == 1 and eliminated(s, 2) == 0
    assert total_eliminated(s) == 1
    assert s.s_invariant() == s0 + 1  # +1 departure, marker traded for an elimination


def test_landing_on_own_marker_also_costs_the_top_ring():
    s = position(stacks={"0,0": [1, 1, 1]}, markers={"0,3": 1})
    s = play(s, mv((0, 0), (0, 3)))
    assert stack(s, "0,3") == [1, 1]
    assert marker(s, "0,3") == 0 and collapsed_owner(s, "0,3") == 0
    assert eliminated(s, 1) == 1


def test_height_one_stack_landing_on_a_marker_disappears():
    s = position(stacks={"0,0": [1], "7,7": [2]}, markers={"1,0": 2})
    s = play(s, mv((0, 0), (1, 0)))
    assert all_stacks(s) == {(7, 7): [2]}
    assert all_markers(s) == {(0, 0): 1}
    assert eliminated(s, 1) == 1


def test_landing_beyond_markers_is_allowed_and_landing_on_collapsed_is_not():
    s = position(stacks={"0,0": [1]}, markers={"1,0": 2, "2,0": 2}, collapsed={"4,0": 1})
    dest = {d for d in destinations(s, (0, 0)) if d[1] == 0}
    assert dest == {(1, 0), (2, 0), (3, 0)}


def test_plain_move_goes_to_line_processing():
    s = position(stacks={"3,3": [1], "7,0": [2]})
    s = play(s, mv((3, 3), (3, 6)))
    assert s.phase == "line_processing"
    assert types(legal_moves(s)) == ["no_line_action"]


def test_move_on_hex8():
    s = position(board="hex8", stacks={"0,0,0": [1, 1]}, markers={"1,-1,0": 2})
    dest = destinations(s, (0, 0, 0))
    # six rays of 4 cells, distance >= 2: 3 cells each
    assert len(dest) == 18
    s = play(s, mv((0, 0, 0), (3, -3, 0)))
    assert stack(s, "3,-3,0") == [1, 1]
    assert marker(s, "0,0,0") == 1
    assert marker(s, "1,-1,0") == 1  # flipped
