"""Overtaking capture and chains (RR-CANON-R100-R103, R093)."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves
from engine.game.moves import Move

from .helpers import (
    all_markers,
    all_stacks,
    collapsed_owner,
    eliminated,
    find,
    find_all,
    marker,
    play,
    position,
    stack,
    total_eliminated,
    types,
)


def cap(frm, target, to, player=1):
    return Move("overtaking_capture", player, from_=frm, target=target, to=to)


def landings(state, frm, target, type="overtaking_capture"):
    return {tuple(m.to) for m in find_all(legal_moves(state), type, from_=frm, target=target)}


def test_capture_segment_landings():
    s = position(stacks={"0,0": [1, 1], "1,0": [2]})
    # target adjacent; landing strictly beyond, at distance >= height 2 from the origin
    assert landings(s, (0, 0), (1, 0)) == {(x, 0) for x in range(2, 8)}


def test_landing_distance_counts_from_the_origin():
    s = position(stacks={"0,0": [1, 1, 1], "1,0": [2]})
    assert landings(s, (0, 0), (1, 0)) == {(x, 0) for x in range(3, 8)}
    with pytest.raises(IllegalMoveError):
        apply_move(s, cap((0, 0), (1, 0), (2, 0)))


def test_cap_comparison():
    # attacker cap 1 vs target cap 2: no capture
    s = position(stacks={"0,0": [1], "2,0": [2, 2]})
    assert not find_all(legal_moves(s), "overtaking_capture")
    with pytest.raises(IllegalMoveError):
        apply_move(s, cap((0, 0), (2, 0), (3, 0)))
    # equal caps: capture allowed
    s = position(stacks={"0,0": [1, 1], "2,0": [2, 2]})
    assert landings(s, (0, 0), (2, 0)) == {(x, 0) for x in range(3, 8)}
    # caps are compared, not heights: a cap-1 attacker may capture a taller stack of cap 1
    s = position(stacks={"0,0": [1], "2,0": [2, 1, 1]})
    assert landings(s, (0, 0), (2, 0)) == {(x, 0) for x in range(3, 8)}
    # a tall attacker with cap 1 may not capture a cap-2 target
    s = position(stacks={"0,0": [1, 2, 2], "3,0": [2, 2]})
    assert not find_all(legal_moves(s), "overtaking_capture")


def test_own_stacks_can_be_captured():
    s = position(stacks={"0,0": [1, 1], "2,0": [1, 2]})
    assert landings(s, (0, 0), (2, 0)) == {(x, 0) for x in range(3, 8)}


def test_only_the_first_stack_on_a_ray_is_a_target():
    s = position(stacks={"0,0": [1, 1], "1,0": [2], "3,0": [2]})
    caps = find_all(legal_moves(s), "overtaking_capture", from_=(0, 0))
    assert {(tuple(m.target), tuple(m.to)) for m in caps} == {((1, 0), (2, 0))}  # (3,0) blocks further landings
    with pytest.raises(IllegalMoveError):
        apply_move(s, cap((0, 0), (3, 0), (4, 0)))


def test_path_to_target_and_landing_must_be_free_of_collapsed_cells():
    s = position(stacks={"0,0": [1], "2,0": [2]}, collapsed={"1,0": 2})
    assert landings(s, (0, 0), (2, 0)) == set()
    s = position(stacks={"0,0": [1], "1,0": [2]}, collapsed={"3,0": 2})
    assert landings(s, (0, 0), (1, 0)) == {(2, 0)}


def test_markers_do_not_block_and_are_processed_on_both_legs():
    s = position(stacks={"0,0": [1], "2,0": [2]}, markers={"1,0": 2, "3,0": 2, "4,0": 1})
    assert landings(s, (0, 0), (2, 0)) == {(3, 0), (4, 0), (5, 0), (6, 0), (7, 0)}
    s = play(s, cap((0, 0), (2, 0), (5, 0)))
    assert all_stacks(s) == {(5, 0): [1, 2]}
    assert all_markers(s) == {(0, 0): 1, (1, 0): 1, (3, 0): 1}  # departure + two flipped
    assert collapsed_owner(s, "4,0") == 1  # own marker on the landing leg collapsed


def test_captured_ring_goes_to_the_bottom_and_target_keeps_the_rest():
    s = position(stacks={"0,0": [1, 1], "2,0": [2, 2, 1]})
    s = play(s, cap((0, 0), (2, 0), (4, 0)))
    assert stack(s, "4,0") == [1, 1, 2]  # captured top ring of the target appended at the bottom
    assert stack(s, "2,0") == [2, 1]  # target lost only its top ring
    assert marker(s, "0,0") == 1
    assert eliminated(s, 1) == 0 and total_eliminated(s) == 0  # a captured ring is not eliminated


def test_capture_of_a_single_ring_removes_the_target_and_ends_the_turn_action():
    s = position(stacks={"0,0": [1], "1,0": [2]})
    s = play(s, cap((0, 0), (1, 0), (2, 0)))
    assert all_stacks(s) == {(2, 0): [1, 2]}
    assert s.phase == "line_processing"
    assert types(legal_moves(s)) == ["no_line_action"]


def test_landing_on_a_marker_after_capture_costs_the_top_ring():
    s = position(stacks={"0,0": [1], "1,0": [2]}, markers={"2,0": 2})
    s = play(s, cap((0, 0), (1, 0), (2, 0)))
    assert all_stacks(s) == {(2, 0): [2]}  # [1,2] lost its top ring (P1's): P2 controls
    assert marker(s, "2,0") == 0
    assert eliminated(s, 1) == 1


def test_chain_is_mandatory():
    s = position(stacks={"0,0": [1], "1,0": [2], "3,1": [2]})
    s = play(s, cap((0, 0), (1, 0), (2, 0)))
    assert s.phase == "chain_capture"
    assert s.current_player == 1
    legal = legal_moves(s)
    assert set(types(legal)) == {"continue_capture_segment"}
    # from (2,0), height 2: over (3,1) along NE, landing at distance >= 2
    assert {(tuple(m.from_), tuple(m.target), tuple(m.to)) for m in legal} == {
        ((2, 0), (3, 1), (4, 2)), ((2, 0), (3, 1), (5, 3)), ((2, 0), (3, 1), (6, 4)), ((2, 0), (3, 1), (7, 5))}
    for bad in (Move("skip_capture", 1), Move("no_line_action", 1), Move("move_stack", 1, from_=(2, 0), to=(2, 3))):
        with pytest.raises(IllegalMoveError):
            apply_move(s, bad)
    s = play(s, find(legal, "continue_capture_segment", to=(4, 2)))
    assert all_stacks(s) == {(4, 2): [1, 2, 2]}
    assert all_markers(s) == {(0, 0): 1, (2, 0): 1}
    assert s.phase == "line_processing"
    assert types(legal_moves(s)) == ["no_line_action"]


def test_chain_may_reverse_180_degrees_over_the_same_stack():
    s = position(stacks={"0,0": [1, 1], "1,0": [2, 2]})
    s = play(s, cap((0, 0), (1, 0), (3, 0)))
    assert stack(s, "3,0") == [1, 1, 2]
    assert stack(s, "1,0") == [2]
    assert s.phase == "chain_capture"
    legal = legal_moves(s)
    # back west over (1,0); the only landing is (0,0), P1's own departure marker (distance 3 >= 3)
    assert [(tuple(m.from_), tuple(m.target), tuple(m.to)) for m in legal] == [((3, 0), (1, 0), (0, 0))]
    s0 = s.s_invariant()
    s = play(s, legal[0])
    # landing on the marker removes it and costs the top ring: [1,1,2,2] -> [1,2,2]
    assert all_stacks(s) == {(0, 0): [1, 2, 2]}
    assert all_markers(s) == {(3, 0): 1}
    assert eliminated(s, 1) == 1
    assert s.s_invariant() == s0 + 1
    assert s.phase == "line_processing"


def test_skip_capture_after_move_stack():
    # after moving to (1,0) the stack can capture (1,3) northwards; declining is allowed
    s = position(stacks={"0,0": [1], "1,3": [2], "5,3": [1]})
    s = play(s, Move("move_stack", 1, from_=(0, 0), to=(1, 0)))
    assert s.phase == "capture"
    legal = legal_moves(s)
    assert "skip_capture" in types(legal)
    caps = find_all(legal, "overtaking_capture")
    # only the stack that just moved may capture, though (5,3) could capture (1,3) too
    assert {tuple(m.from_) for m in caps} == {(1, 0)}
    assert {tuple(m.to) for m in caps} == {(1, 4), (1, 5), (1, 6), (1, 7)}
    s = play(s, "skip_capture")
    assert s.phase == "line_processing"
    assert all_stacks(s) == {(1, 0): [1], (1, 3): [2], (5, 3): [1]}


def test_no_capture_phase_when_the_moved_stack_cannot_capture():
    s = position(stacks={"0,0": [1], "1,3": [2]})
    s = play(s, Move("move_stack", 1, from_=(0, 0), to=(0, 1)))
    assert s.phase == "line_processing"


def test_capture_directly_from_movement():
    s = position(stacks={"3,3": [1], "5,5": [2], "0,7": [1]})
    caps = find_all(legal_moves(s), "overtaking_capture")
    assert {(tuple(m.from_), tuple(m.target)) for m in caps} == {((3, 3), (5, 5))}
    assert {tuple(m.to) for m in caps} == {(6, 6), (7, 7)}


def test_capture_on_hex8():
    s = position(board="hex8", stacks={"0,0,0": [1, 1], "1,0,-1": [2]})
    assert landings(s, (0, 0, 0), (1, 0, -1)) == {(2, 0, -2), (3, 0, -3), (4, 0, -4)}
