"""Recovery action (RR-CANON-R110-R115): eligibility, line mode, fallback and stack strike, the
buried-ring extraction, skip_recovery."""

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
    play,
    position,
    territory,
    total_eliminated,
    types,
)


def slides(state):
    return find_all(legal_moves(state), "recovery_slide")


def exact_line_recovery():
    # P1 controls nothing, owns markers, has a ring buried under P2 on (6,6).
    # Sliding (3,1) -> (3,0) makes (0,0)-(3,0): four in a row.
    return position(stacks={"6,6": [2, 1]}, markers={"0,0": 1, "1,0": 1, "2,0": 1, "3,1": 1}, hands=[3, 10])


def test_eligible_player_gets_slides_and_skip_recovery():
    s = exact_line_recovery()
    legal = legal_moves(s)
    assert "skip_recovery" in types(legal)
    assert set(types(legal)) == {"recovery_slide", "skip_recovery"}


def test_line_mode_slide_excludes_the_fallback_class():
    s = exact_line_recovery()
    ss = slides(s)
    assert {m.recovery_mode for m in ss} == {"line"}
    assert {(tuple(m.from_), tuple(m.to)) for m in ss} == {((3, 1), (3, 0))}


def test_exact_line_recovery_collapses_the_line_and_extracts_a_buried_ring():
    s = exact_line_recovery()
    s = play(s, slides(s)[0])
    assert all_collapsed(s) == {(x, 0): 1 for x in range(4)}
    assert all_markers(s) == {}  # the slide leaves no departure marker
    assert territory(s, 1) == 4
    assert all_stacks(s) == {(6, 6): [2]}  # P1's buried ring extracted
    assert eliminated(s, 1) == 1 and total_eliminated(s) == 1
    assert s.phase == "line_processing"
    assert types(legal_moves(s)) == ["no_line_action"]


def test_skip_recovery():
    s = exact_line_recovery()
    s = play(s, "skip_recovery")
    assert s.phase == "line_processing"
    assert all_markers(s) == {(0, 0): 1, (1, 0): 1, (2, 0): 1, (3, 1): 1}
    assert all_stacks(s) == {(6, 6): [2, 1]}


def test_overlength_recovery_line_options():
    s = position(stacks={"6,6": [2, 1]}, markers={"0,0": 1, "1,0": 1, "2,0": 1, "4,0": 1, "3,1": 1}, hands=[3, 10])
    ss = find_all(legal_moves(s), "recovery_slide", from_=(3, 1), to=(3, 0))
    assert {m.recovery_mode for m in ss} == {"line"}
    line5 = {(x, 0) for x in range(5)}
    opt1 = [m for m in ss if {tuple(x) for x in m.collapsed} in (set(), line5)]
    opt2 = [m for m in ss if m not in opt1]
    assert len(opt1) == 1
    assert {frozenset(map(tuple, m.collapsed)) for m in opt2} <= {frozenset((x, 0) for x in range(4)),
                                                                  frozenset((x, 0) for x in range(1, 5))}
    assert opt2
    # option 1 pays an extraction
    t = play(s, opt1[0])
    assert all_collapsed(t) == {c: 1 for c in line5}
    assert all_stacks(t) == {(6, 6): [2]}
    assert eliminated(t, 1) == 1
    # option 2 collapses exactly four consecutive cells and pays nothing
    t = play(s, opt2[0])
    collapsed = set(all_collapsed(t))
    assert len(collapsed) == 4 and collapsed < line5
    assert set(all_markers(t)) == line5 - collapsed
    assert all_stacks(t) == {(6, 6): [2, 1]}
    assert eliminated(t, 1) == 0


def fallback_position(**kw):
    # one P1 marker: no line possible. (1,1) holds a P2 stack with P1's ring at the bottom.
    return position(stacks={"1,1": [2, 2, 1]}, markers={"0,0": 1}, hands=[3, 10], **kw)


def test_fallback_and_stack_strike_when_no_line_slide_exists():
    s = fallback_position()
    ss = slides(s)
    assert {(m.recovery_mode, tuple(m.to)) for m in ss} == {
        ("fallback", (1, 0)), ("fallback", (0, 1)), ("stack_strike", (1, 1))}
    assert "skip_recovery" in types(legal_moves(s))


def test_fallback_slide_moves_the_marker_and_pays_an_extraction():
    s = fallback_position()
    s = play(s, find(slides(s), "recovery_slide", to=(1, 0)))
    assert all_markers(s) == {(1, 0): 1}
    assert all_stacks(s) == {(1, 1): [2, 2]}
    assert eliminated(s, 1) == 1 and total_eliminated(s) == 1
    assert all_collapsed(s) == {}
    assert s.phase == "line_processing"


def test_stack_strike():
    s = fallback_position()
    s0 = s.s_invariant()
    s = play(s, find(slides(s), "recovery_slide", to=(1, 1)))
    assert all_markers(s) == {}  # the striking marker leaves play
    # top ring of the struck stack eliminated, then P1's buried ring extracted
    assert all_stacks(s) == {(1, 1): [2]}
    assert eliminated(s, 1) == 2 and eliminated(s, 2) == 0
    assert total_eliminated(s) == 2
    assert s.s_invariant() >= s0


def test_extraction_takes_the_bottommost_buried_ring():
    s = position(stacks={"5,5": [2, 1, 2, 1]}, markers={"0,0": 1}, hands=[3, 10])
    s = play(s, find(slides(s), "recovery_slide", to=(1, 0)))
    assert all_stacks(s) == {(5, 5): [2, 1, 2]}


def test_extraction_stack_is_a_choice():
    s = position(stacks={"5,5": [2, 1], "6,2": [2, 2, 1]}, markers={"0,0": 1}, hands=[3, 10])
    ss = find_all(legal_moves(s), "recovery_slide", to=(1, 0))
    assert {tuple(m.extraction) for m in ss} == {(5, 5), (6, 2)}
    t = play(s, find(ss, "recovery_slide", extraction=(6, 2)))
    assert all_stacks(t) == {(5, 5): [2, 1], (6, 2): [2, 2]}


@pytest.mark.parametrize("kw", [
    # controls a stack
    dict(stacks={"6,6": [2, 1], "7,0": [1]}, markers={"0,0": 1}),
    # no marker
    dict(stacks={"6,6": [2, 1]}, markers={"0,0": 2}),
    # no buried ring
    dict(stacks={"6,6": [2, 2]}, markers={"0,0": 1}),
])
def test_not_eligible(kw):
    s = position(hands=[3, 10], **kw)
    assert not slides(s)
    assert "skip_recovery" not in types(legal_moves(s))
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("skip_recovery", 1))


def test_not_eligible_and_nothing_to_move_gives_no_movement_action():
    s = position(stacks={"6,6": [2, 2]}, markers={"0,0": 1}, hands=[3, 10])
    assert types(legal_moves(s)) == ["no_movement_action"]


def test_eligible_player_may_skip_placement_to_reach_recovery():
    s = position(stacks={"1,1": [2, 2, 1]}, markers={"0,0": 1}, hands=[3, 10], phase="ring_placement")
    assert "skip_placement" in types(legal_moves(s))
    s = play(s, "skip_placement")
    assert s.phase == "movement"
    assert slides(s)
    # not eligible (no marker): placement is mandatory
    s = position(stacks={"1,1": [2, 2, 1]}, hands=[3, 10], phase="ring_placement")
    assert "skip_placement" not in types(legal_moves(s))


def test_recovery_on_hex8_uses_six_neighbours():
    s = position(board="hex8", stacks={"3,-3,0": [2, 1]}, markers={"0,0,0": 1}, hands=[3, 10])
    ss = find_all(legal_moves(s), "recovery_slide", from_=(0, 0, 0))
    assert {m.recovery_mode for m in ss} == {"fallback"}
    assert len({tuple(m.to) for m in ss}) == 6


def test_territory_after_recovery_is_paid_by_extraction():
    # A fallback slide (2,0) -> (1,0) closes the corner around P2's stack on (0,0). In the recovery
    # context the region is processable because a stack outside it holds a buried P1 ring, and the
    # owed self-elimination is another extraction of P1's bottommost buried ring.
    s = position(stacks={"0,0": [2], "5,5": [2, 1, 1]}, markers={"0,1": 1, "2,0": 1}, hands=[3, 10])
    s = play(s, find(slides(s), "recovery_slide", from_=(2, 0), to=(1, 0)))
    assert all_stacks(s) == {(0, 0): [2], (5, 5): [2, 1]}
    assert eliminated(s, 1) == 1
    s = play(s, "no_line_action")
    assert s.phase == "territory_processing"
    regions = find_all(legal_moves(s), "choose_territory_option")
    assert [set(map(tuple, m.region)) for m in regions] == [{(0, 0)}]
    s = play(s, regions[0])
    assert all_collapsed(s) == {(0, 0): 1, (0, 1): 1, (1, 0): 1}
    assert eliminated(s, 1) == 2
    legal = legal_moves(s)
    assert [(m.type, tuple(m.to)) for m in legal] == [("eliminate_rings_from_stack", (5, 5))]
    s = play(s, legal[0])
    assert all_stacks(s) == {(5, 5): [2]}
    assert eliminated(s, 1) == 3 and total_eliminated(s) == 3
    assert s.current_player == 2
