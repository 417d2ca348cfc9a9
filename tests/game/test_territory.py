"""Territory disconnection and processing (RR-CANON-R140-R145) on square8.

Main position: P2's two-ring stack sits in the corner (0,0). P1 owns a marker on (0,1); P1's stack on
(1,0) steps north to (1,3), and its departure marker on (1,0) closes the corner: the region {(0,0)}
is bounded by P1 markers and the board edge and holds only P2 (a proper subset of the players with
rings on the board), so it is disconnected. P1 can pay from outside it.
"""

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
    find_all,
    history_types,
    play,
    position,
    territory,
    total_eliminated,
    types,
)

CORNER = {(0, 0)}


def enclosed_corner(**kw):
    s = position(stacks={"0,0": [2, 2], "1,0": [1], "5,5": [1, 1, 2]}, markers={"0,1": 1}, **kw)
    s = play(s, Move("move_stack", 1, from_=(1, 0), to=(1, 3)))
    assert s.phase == "line_processing"
    return play(s, "no_line_action")


def region_moves(state):
    return find_all(legal_moves(state), "choose_territory_option")


def test_disconnected_region_is_offered_with_skip():
    s = enclosed_corner()
    assert s.phase == "territory_processing"
    regions = region_moves(s)
    assert [set(map(tuple, m.region)) for m in regions] == [CORNER]
    assert set(types(legal_moves(s))) == {"choose_territory_option", "skip_territory_processing"}


def test_processing_a_region():
    s = enclosed_corner()
    s0 = s.s_invariant()
    s = play(s, region_moves(s)[0])
    # interior stack removed, every ring credited to P1
    assert eliminated(s, 1) == 2 and eliminated(s, 2) == 0
    assert total_eliminated(s) == 2
    # region and its border markers collapse to P1
    assert all_collapsed(s) == {(0, 0): 1, (1, 0): 1, (0, 1): 1}
    assert all_markers(s) == {}
    assert territory(s, 1) == 3 and territory(s, 2) == 0
    assert s.s_invariant() > s0
    # the self-elimination is now owed and is the only decision: any P1 stack outside the region
    assert s.phase == "territory_processing"
    legal = legal_moves(s)
    assert set(types(legal)) == {"eliminate_rings_from_stack"}
    assert {tuple(m.to) for m in legal} == {(1, 3), (5, 5)}
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("skip_territory_processing", 1))


def test_self_elimination_takes_the_whole_cap_then_the_turn_ends():
    s = enclosed_corner()
    s = play(s, region_moves(s)[0])
    s = play(s, find(legal_moves(s), "eliminate_rings_from_stack", to=(5, 5)))
    assert all_stacks(s) == {(1, 3): [1], (5, 5): [2]}  # cap of 2 removed, P2 now controls (5,5)
    assert eliminated(s, 1) == 4 and total_eliminated(s) == 4
    assert territory(s, 1) == 3
    assert s.current_player == 2 and s.phase == "ring_placement"
    assert history_types(s) == ["move_stack", "no_line_action", "choose_territory_option",
                                "eliminate_rings_from_stack"]


def test_self_elimination_of_a_single_ring_stack():
    s = enclosed_corner()
    s = play(s, region_moves(s)[0])
    s = play(s, find(legal_moves(s), "eliminate_rings_from_stack", to=(1, 3)))
    assert all_stacks(s) == {(5, 5): [1, 1, 2]}
    assert eliminated(s, 1) == 3


def test_skip_territory_processing_leaves_the_region():
    s = enclosed_corner()
    s = play(s, "skip_territory_processing")
    assert all_stacks(s) == {(0, 0): [2, 2], (1, 3): [1], (5, 5): [1, 1, 2]}
    assert all_collapsed(s) == {}
    assert s.current_player == 2 and s.phase == "ring_placement"


def test_region_not_processable_without_a_stack_outside():
    # Same enclosure, but P1's moving stack lands on a marker and is eliminated: P1 then controls no
    # stack (it keeps a buried ring under P2 on (5,5), so it still counts as a player on the board).
    s = position(stacks={"0,0": [2], "1,0": [1], "5,5": [2, 1]}, markers={"0,1": 1, "1,2": 2})
    s = play(s, Move("move_stack", 1, from_=(1, 0), to=(1, 2)))
    assert all_stacks(s) == {(0, 0): [2], (5, 5): [2, 1]}
    assert all_markers(s) == {(0, 1): 1, (1, 0): 1}
    s = play(s, "no_line_action")
    assert s.phase == "territory_processing"
    assert types(legal_moves(s)) == ["no_territory_action"]


def test_no_region_when_the_enclosure_holds_every_active_player():
    # the pocket {(0,0),(1,0)} closed by P1 markers holds a P2-controlled and a P1-controlled stack,
    # and so does the rest of the board: nothing is disconnected
    s = position(stacks={"0,0": [2], "1,0": [1], "2,0": [1], "5,5": [1, 1, 2], "6,6": [2]},
                 markers={"0,1": 1, "1,1": 1})
    s = play(s, Move("move_stack", 1, from_=(2, 0), to=(2, 3)))
    s = play(s, "no_line_action")
    assert types(legal_moves(s)) == ["no_territory_action"]
    s = play(s, "no_territory_action")
    assert s.current_player == 2


def test_buried_rings_do_not_represent_a_player():
    # the corner stack is controlled by P2 with a P1 ring buried in it: {2} is a proper subset
    s = position(stacks={"0,0": [2, 1], "1,0": [1], "5,5": [1, 1, 2]}, markers={"0,1": 1})
    s = play(s, Move("move_stack", 1, from_=(1, 0), to=(1, 3)))
    s = play(s, "no_line_action")
    regions = region_moves(s)
    assert [set(map(tuple, m.region)) for m in regions] == [CORNER]
    s = play(s, regions[0])
    assert eliminated(s, 1) == 2  # both rings, P1's own buried ring included


def test_empty_pocket_enclosed_by_markers_is_a_region():
    # a stack-free pocket always qualifies (Represented is empty); P1 has stacks outside to pay
    s = position(stacks={"1,0": [1], "5,5": [2], "6,6": [1, 1]}, markers={"0,1": 1})
    s = play(s, Move("move_stack", 1, from_=(1, 0), to=(1, 3)))
    s = play(s, "no_line_action")
    regions = region_moves(s)
    assert [set(map(tuple, m.region)) for m in regions] == [CORNER]
    s = play(s, regions[0])
    assert eliminated(s, 1) == 0
    assert all_collapsed(s) == {(0, 0): 1, (1, 0): 1, (0, 1): 1}
    assert territory(s, 1) == 3
    assert {(m.type, tuple(m.to)) for m in legal_moves(s)} == {("eliminate_rings_from_stack", (1, 3)),
                                                              ("eliminate_rings_from_stack", (6, 6))}
