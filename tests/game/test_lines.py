"""Lines (RR-CANON-R120-R123): detection for the mover, exact and overlength processing, the owed
one-ring elimination, the waiver when no stack is controlled, and no_line_action."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves
from engine.game.moves import Move

from .helpers import (
    all_collapsed,
    all_markers,
    all_stacks,
    eliminated,
    find,
    history_types,
    marker,
    play,
    position,
    territory,
    total_eliminated,
    types,
)

LINE_TYPES = ("process_line", "choose_line_option")


def line_moves(state):
    return [m for m in legal_moves(state) if m.type in LINE_TYPES]


def row(y, xs):
    return {(x, y) for x in xs}


def N(frm, to):
    return Move("move_stack", 1, from_=frm, to=to)


def exact_line_position(**kw):
    # P1 markers (1,0)-(3,0); the stack on (0,0) steps north, its departure marker completes 4 in a row.
    # P2 owns a 4-marker row of its own (y=5) that must not be offered to P1.
    return position(stacks={"0,0": [1], "7,7": [2]},
                    markers={"1,0": 1, "2,0": 1, "3,0": 1, "0,5": 2, "1,5": 2, "2,5": 2, "3,5": 2}, **kw)


def test_exact_line_is_detected_for_the_mover_only():
    s = play(exact_line_position(), N((0, 0), (0, 1)))
    assert s.phase == "line_processing"
    lines = line_moves(s)
    assert lines, types(legal_moves(s))
    assert all(m.type in LINE_TYPES for m in legal_moves(s))
    assert {frozenset(map(tuple, m.line)) for m in lines} == {frozenset(row(0, range(4)))}
    # an exact line has one way to be processed: collapse all of it
    assert {frozenset(map(tuple, m.collapsed or m.line)) for m in lines} == {frozenset(row(0, range(4)))}


def test_exact_line_collapses_and_owes_one_ring():
    s = play(exact_line_position(), N((0, 0), (0, 1)))
    s = play(s, line_moves(s)[0])
    assert all_collapsed(s) == {c: 1 for c in row(0, range(4))}
    assert territory(s, 1) == 4
    assert all(marker(s, c) == 0 for c in row(0, range(4)))
    assert s.phase == "line_processing"
    # the owed elimination is the only decision: the top ring of any P1 stack
    legal = legal_moves(s)
    assert types(legal) == ["eliminate_rings_from_stack"]
    assert tuple(legal[0].to) == (0, 1)
    s = play(s, legal[0])
    assert all_stacks(s) == {(7, 7): [2]}
    assert eliminated(s, 1) == 1 and total_eliminated(s) == 1
    # after the reward an explicit no_line_action is required, then no_territory_action
    assert types(legal_moves(s)) == ["no_line_action"]
    s = play(s, "no_line_action")
    assert s.phase == "territory_processing"
    assert types(legal_moves(s)) == ["no_territory_action"]
    s = play(s, "no_territory_action")
    assert s.current_player == 2 and s.phase == "ring_placement"
    h = history_types(s)
    assert h[0] == "move_stack" and h[1] in LINE_TYPES
    assert h[2:] == ["eliminate_rings_from_stack", "no_line_action", "no_territory_action"]


def test_line_reward_removes_one_ring_only_and_may_flip_control():
    s = position(stacks={"0,0": [1], "5,5": [1, 1, 2], "6,6": [1, 2]}, markers={"1,0": 1, "2,0": 1, "3,0": 1})
    s = play(s, N((0, 0), (0, 1)))
    s = play(s, line_moves(s)[0])
    legal = legal_moves(s)
    assert {tuple(m.to) for m in legal} == {(0, 1), (5, 5), (6, 6)}
    t = play(s, find(legal, "eliminate_rings_from_stack", to=(5, 5)))
    assert all_stacks(t)[(5, 5)] == [1, 2]  # one ring, not the whole cap
    t = play(s, find(legal, "eliminate_rings_from_stack", to=(6, 6)))
    assert all_stacks(t)[(6, 6)] == [2]  # cap was 1: control passes to P2
    assert eliminated(t, 1) == 1


def test_no_other_decision_while_the_reward_is_owed():
    s = play(exact_line_position(), N((0, 0), (0, 1)))
    s = play(s, line_moves(s)[0])
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("no_line_action", 1))
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("eliminate_rings_from_stack", 1, to=(7, 7)))  # not P1's stack


def test_opponent_line_alone_gives_no_line_action():
    s = position(stacks={"5,5": [1], "7,7": [2]}, markers={"0,5": 2, "1,5": 2, "2,5": 2, "3,5": 2})
    s = play(s, N((5, 5), (5, 7)))
    assert types(legal_moves(s)) == ["no_line_action"]


def test_three_markers_are_no_line_in_2p_but_a_line_in_3p():
    kw = dict(stacks={"0,0": [1], "7,7": [2]}, markers={"1,0": 1, "2,0": 1})
    s = play(position(players=2, **kw), N((0, 0), (0, 1)))
    assert types(legal_moves(s)) == ["no_line_action"]
    s = play(position(players=3, **kw), N((0, 0), (0, 1)))
    lines = line_moves(s)
    assert {frozenset(map(tuple, m.line)) for m in lines} == {frozenset(row(0, range(3)))}


def test_diagonal_line():
    s = position(stacks={"0,0": [1], "7,0": [2]}, markers={"1,1": 1, "2,2": 1, "3,3": 1})
    s = play(s, N((0, 0), (0, 1)))
    assert {frozenset(map(tuple, m.line)) for m in line_moves(s)} == {frozenset({(0, 0), (1, 1), (2, 2), (3, 3)})}


def test_a_stack_or_other_marker_breaks_a_line():
    s = position(stacks={"0,0": [1], "2,0": [2, 2], "7,7": [2]}, markers={"1,0": 1, "3,0": 1, "4,0": 1})
    s = play(s, N((0, 0), (0, 1)))
    assert types(legal_moves(s)) == ["no_line_action"]
    s = position(stacks={"0,0": [1], "7,7": [2]}, markers={"1,0": 1, "2,0": 2, "3,0": 1, "4,0": 1})
    s = play(s, N((0, 0), (0, 1)))
    assert types(legal_moves(s)) == ["no_line_action"]


def overlength_state():
    s = position(stacks={"0,0": [1], "7,7": [2]}, markers={"1,0": 1, "2,0": 1, "3,0": 1, "4,0": 1})
    return play(s, N((0, 0), (0, 1)))


def test_overlength_line_offers_option_1_and_every_option_2_segment():
    s = overlength_state()
    lines = line_moves(s)
    assert {frozenset(map(tuple, m.line)) for m in lines} == {frozenset(row(0, range(5)))}
    assert all(m.type == "choose_line_option" for m in lines)
    assert {frozenset(map(tuple, m.collapsed or m.line)) for m in lines} == {
        frozenset(row(0, range(5))), frozenset(row(0, range(4))), frozenset(row(0, range(1, 5)))}


def test_overlength_option_1_collapses_everything_and_owes_a_ring():
    s = overlength_state()
    opt1 = [m for m in line_moves(s) if len(m.collapsed or m.line) == 5]
    assert len(opt1) == 1
    s = play(s, opt1[0])
    assert all_collapsed(s) == {c: 1 for c in row(0, range(5))}
    assert territory(s, 1) == 5
    assert types(legal_moves(s)) == ["eliminate_rings_from_stack"]


def test_overlength_option_2_collapses_l_consecutive_cells_and_owes_nothing():
    s = overlength_state()
    opt2 = find(line_moves(s), "choose_line_option", collapsed=row(0, range(1, 5)))
    s = play(s, opt2)
    assert all_collapsed(s) == {c: 1 for c in row(0, range(1, 5))}
    assert all_markers(s) == {(0, 0): 1}  # the uncollapsed end stays a marker
    assert territory(s, 1) == 4
    assert eliminated(s, 1) == 0
    assert all_stacks(s) == {(0, 1): [1], (7, 7): [2]}
    # nothing owed, no further line: straight on to territory processing
    assert s.phase == "territory_processing"
    assert types(legal_moves(s)) == ["no_territory_action"]


def test_line_reward_is_waived_when_no_stack_is_controlled():
    # P1's only stack lands on a marker and is eliminated; its departure marker completes the line
    s = position(stacks={"0,0": [1], "7,7": [2]}, markers={"1,0": 1, "2,0": 1, "3,0": 1, "0,1": 2})
    s = play(s, N((0, 0), (0, 1)))
    assert all_stacks(s) == {(7, 7): [2]}
    assert eliminated(s, 1) == 1
    lines = line_moves(s)
    assert len(lines) == 1
    s = play(s, lines[0])
    assert all_collapsed(s) == {c: 1 for c in row(0, range(4))}
    assert eliminated(s, 1) == 1  # nothing more paid
    assert "eliminate_rings_from_stack" not in types(legal_moves(s))
    assert s.phase == "territory_processing"
    assert types(legal_moves(s)) == ["no_territory_action"]


def test_intersecting_lines_are_processed_one_at_a_time():
    # the departure marker on (0,0) completes a row and a column that share it
    s = position(stacks={"0,0": [1], "7,7": [2]},
                 markers={"1,0": 1, "2,0": 1, "3,0": 1, "0,1": 1, "0,2": 1, "0,3": 1})
    s = play(s, N((0, 0), (1, 1)))
    row0 = frozenset(row(0, range(4)))
    col0 = frozenset({(0, y) for y in range(4)})
    assert {frozenset(map(tuple, m.line)) for m in line_moves(s)} == {row0, col0}
    s = play(s, [m for m in line_moves(s) if frozenset(map(tuple, m.line)) == row0][0])
    s = play(s, "eliminate_rings_from_stack")
    # collapsing (0,0) broke the column: three markers remain, no longer a line
    assert all_markers(s) == {(0, 1): 1, (0, 2): 1, (0, 3): 1}
    assert types(legal_moves(s)) == ["no_line_action"]


def test_hex8_line_along_a_hex_axis():
    s = position(board="hex8", stacks={"0,0,0": [1], "-4,4,0": [2]},
                 markers={"1,-1,0": 1, "2,-2,0": 1, "3,-3,0": 1})
    s = play(s, Move("move_stack", 1, from_=(0, 0, 0), to=(0, 1, -1)))
    lines = line_moves(s)
    assert {frozenset(map(tuple, m.line)) for m in lines} == {
        frozenset({(0, 0, 0), (1, -1, 0), (2, -2, 0), (3, -3, 0)})}


def test_hex8_three_player_line_of_three():
    s = position(board="hex8", players=3, stacks={"0,0,0": [1], "-4,4,0": [2], "4,0,-4": [3]},
                 markers={"0,-1,1": 1, "0,-2,2": 1})
    s = play(s, Move("move_stack", 1, from_=(0, 0, 0), to=(1, 0, -1)))
    assert {frozenset(map(tuple, m.line)) for m in line_moves(s)} == {
        frozenset({(0, 0, 0), (0, -1, 1), (0, -2, 2)})}
