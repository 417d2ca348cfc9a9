"""Victory (RR-CANON-R170-R179): ring elimination, territory, early last-player-standing, global
stalemate, ranking."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves
from engine.game.moves import Move

from .helpers import all_stacks, eliminated, find, play, position


def mv(frm, to, player=1):
    return Move("move_stack", player, from_=frm, to=to)


# -- ring elimination ------------------------------------------------------------------------------

def test_reaching_the_ring_elimination_threshold_wins():
    s = position(stacks={"0,0": [1, 1], "7,7": [2]}, markers={"2,0": 2}, eliminated=[17, 0])
    s = play(s, mv((0, 0), (2, 0)))  # landing on a marker eliminates P1's top ring: 18
    assert eliminated(s, 1) == 18
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "ring_elimination"
    assert legal_moves(s) == []
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("no_line_action", 1))


def test_one_short_of_the_threshold_does_not_win():
    s = position(stacks={"0,0": [1, 1], "7,7": [2]}, markers={"2,0": 2}, eliminated=[16, 0])
    s = play(s, mv((0, 0), (2, 0)))
    assert eliminated(s, 1) == 17
    assert s.status == "active" and s.winner is None


def test_threshold_is_per_player_count():
    # 3 players on square8: 24, so 18 eliminations are not enough
    s = position(players=3, stacks={"0,0": [1, 1], "7,7": [2], "7,0": [3]}, markers={"2,0": 2},
                 eliminated=[17, 0, 0])
    s = play(s, mv((0, 0), (2, 0)))
    assert eliminated(s, 1) == 18
    assert s.status == "active"


# -- territory ---------------------------------------------------------------------------------------

def _rows(ys, owner):
    return {f"{x},{y}": owner for y in ys for x in range(8)}


def test_territory_victory_at_the_minimum():
    # P1 owns rows 4-7 (32 cells); moving over its own marker collapses the 33rd
    s = position(stacks={"0,0": [1], "7,2": [2]}, markers={"1,0": 1}, collapsed=_rows(range(4, 8), 1))
    s = play(s, mv((0, 0), (2, 0)))
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "territory_control"


def test_territory_one_below_the_minimum_does_not_win():
    collapsed = _rows(range(4, 8), 1)
    del collapsed["7,7"]
    s = position(stacks={"0,0": [1], "7,2": [2]}, markers={"1,0": 1}, collapsed=collapsed)
    s = play(s, mv((0, 0), (2, 0)))  # 32 < 33
    assert s.status == "active"


def _three_player_territory(p2, p3):
    # square8 3p: minimum 22. P1 has 21 collapsed cells and collapses its 22nd by moving.
    free = [f"{x},{y}" for y in range(1, 8) for x in range(8)]
    collapsed = {}
    for owner, n in ((1, 21), (2, p2), (3, p3)):
        for _ in range(n):
            collapsed[free.pop()] = owner
    return position(players=3, stacks={"0,0": [1], "7,0": [2], "6,0": [3]}, markers={"1,0": 1},
                    collapsed=collapsed)


def test_territory_needs_more_than_all_opponents_combined():
    s = play(_three_player_territory(12, 11), mv((0, 0), (2, 0)))  # 22 vs 12 + 11 = 23
    assert s.status == "active"
    s = play(_three_player_territory(11, 11), mv((0, 0), (2, 0)))  # 22 vs 22: not strictly more
    assert s.status == "active"
    s = play(_three_player_territory(10, 11), mv((0, 0), (2, 0)))  # 22 vs 21
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "territory_control"


# -- early last-player-standing ---------------------------------------------------------------------

def _walled_in_p2(**extra):
    # P2 (no rings in hand) is walled in by cap-2 stacks it cannot capture; its forced elimination
    # removes its last ring while P1 controls every remaining stack.
    s = position(stacks={"0,0": [2], "1,0": [1, 1], "0,1": [1, 1], "1,1": [1, 1]}, hands=[10, 0],
                 phase="ring_placement", current=2, **extra)
    s = play(s, "no_placement_action", "no_movement_action", "no_line_action")
    assert s.phase == "forced_elimination"
    return play(s, "forced_elimination")


def test_early_lps_when_enabled_and_every_opponent_has_no_ring_left():
    s = _walled_in_p2(rulesOptions={"earlyLastPlayerStanding": True})
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "last_player_standing"


def test_without_early_lps_the_last_player_wins_after_three_rounds():
    # Canonical R172 (the default): P1, alone with material, must hold the only real action for
    # three full rounds; P2 is skipped as permanently eliminated, so each round is one P1 turn.
    s = _walled_in_p2()
    assert s.status == "active" and s.current_player == 1
    turns = 0
    while not s.is_over:
        if s.phase == "ring_placement" and s.turn_moves == 0:
            turns += 1
        s = apply_move(s, legal_moves(s)[0])
        assert s.current_player == 1 or s.is_over
    assert s.winner == 1
    assert s.victory_reason == "last_player_standing"
    assert turns == 3  # three full rounds played; the win comes at the start of the fourth turn


def test_no_early_lps_while_the_opponent_keeps_a_buried_ring():
    s = position(stacks={"0,0": [2], "1,0": [1, 1], "0,1": [1, 1], "1,1": [1, 1, 2]}, hands=[10, 0],
                 phase="ring_placement", current=2)
    s = play(s, "no_placement_action", "no_movement_action", "no_line_action", "forced_elimination")
    assert s.status == "active"
    assert s.current_player == 1


# -- global stalemate ---------------------------------------------------------------------------------

def _stalemate_position(p1_collapsed, hands):
    # Everything is collapsed except row 0's first three cells. P1's last stack jumps over its own
    # marker onto P2's marker at (2,0) and is eliminated: a bare board where (0,0) holds a marker and
    # (2,0) is walled in, so no placement is legal for anyone.
    cells = [f"{x},{y}" for y in range(8) for x in range(8) if (x, y) not in ((0, 0), (1, 0), (2, 0))]
    collapsed = {k: (1 if i < p1_collapsed else 2) for i, k in enumerate(cells)}
    return position(stacks={"0,0": [1]}, markers={"1,0": 1, "2,0": 2}, collapsed=collapsed, hands=hands)


def test_stalemate_on_a_bare_board_without_legal_placement():
    # territory 31 : 31 (nobody reaches 33); eliminated incl. hands: P1 1 + 2 = 3, P2 0 + 5 = 5
    s = play(_stalemate_position(30, [2, 5]), mv((0, 0), (2, 0)))
    assert all_stacks(s) == {}
    assert s.status == "completed"
    assert s.winner == 2
    assert s.victory_reason == "stalemate"
    assert s.ranking() == [2, 1]


def test_stalemate_territory_tier_comes_first():
    # territory 32 : 29 decides before the larger hand of P2
    s = play(_stalemate_position(31, [2, 5]), mv((0, 0), (2, 0)))
    assert s.status == "completed"
    assert s.winner == 1
    assert s.ranking() == [1, 2]


def test_bare_board_with_a_legal_placement_is_not_over():
    # same, but (3,0) is left open: a ring placed on (2,0) or (3,0) could move, so the game goes on
    cells = [f"{x},{y}" for y in range(8) for x in range(8) if (x, y) not in ((0, 0), (1, 0), (2, 0), (3, 0))]
    collapsed = {k: (1 if i < 30 else 2) for i, k in enumerate(cells)}
    s = position(stacks={"0,0": [1]}, markers={"1,0": 1, "2,0": 2}, collapsed=collapsed, hands=[2, 5])
    s = play(s, mv((0, 0), (2, 0)))
    assert all_stacks(s) == {}
    assert s.status == "active"


# -- ranking -----------------------------------------------------------------------------------------

def _elimination_win(players, collapsed=None, markers=None):
    threshold = {2: 18, 3: 24, 4: 30}[players]
    stacks = {"0,0": [1, 1], "7,7": [2]}
    m = {"2,0": 2}
    m.update(markers or {})
    s = position(players=players, stacks=stacks, markers=m, collapsed=collapsed or {},
                 eliminated=[threshold - 1] + [0] * (players - 1))
    s = play(s, mv((0, 0), (2, 0)))
    assert s.status == "completed" and s.winner == 1
    return s


def test_ranking_full_tie_shares_a_rank():
    assert _elimination_win(3).ranking() == [1, 2, 2]


def test_ranking_by_territory():
    assert _elimination_win(3, collapsed={"7,0": 3}).ranking() == [1, 3, 2]


def test_ranking_by_markers_after_territory_and_eliminations():
    assert _elimination_win(3, markers={"5,0": 2}).ranking() == [1, 2, 3]


def test_competition_ranking_four_players():
    s = _elimination_win(4, collapsed={"7,0": 2, "6,0": 2, "7,1": 3, "6,1": 3})
    assert s.ranking() == [1, 2, 2, 4]


def test_territory_win_ends_the_game_before_the_owed_self_elimination():
    # P1 owns 30 collapsed cells (rows 5-7 and (0..5,4)); processing the corner region adds the
    # region cell and its two border markers: 33, a win in the middle of the turn.
    collapsed = _rows(range(5, 8), 1)
    collapsed.update({f"{x},4": 1 for x in range(6)})
    s = position(stacks={"0,0": [2, 2], "1,0": [1], "5,2": [1, 1]}, markers={"0,1": 1}, collapsed=collapsed)
    s = play(s, mv((1, 0), (1, 3)), "no_line_action")
    assert s.status == "active" and s.phase == "territory_processing"
    s = play(s, "choose_territory_option")
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "territory_control"
    assert eliminated(s, 1) == 2  # the region's rings only; no self-elimination was paid
    assert legal_moves(s) == []


# -- round-based last-player-standing ---------------------------------------------------------------

def test_round_based_lps_after_three_exclusive_rounds():
    # P2 has no rings in hand, no stack and no marker, only a ring buried under P1: it keeps taking
    # (empty) turns but never has a real action, while P1 places and moves every turn.
    s = position(stacks={"7,0": [1, 2]}, hands=[18, 0], phase="ring_placement")
    cells = [((0, 7), (0, 6)), ((2, 7), (2, 6)), ((4, 7), (4, 5)), ((6, 7), (6, 5)), ((0, 3), (0, 2)),
             ((3, 3), (3, 2))]
    p1_turns = 0
    for place, to in cells:
        if s.status != "active":
            break
        assert s.current_player == 1
        s = play(s, find(legal_moves(s), "place_ring", to=place, count=1), mv(place, to))
        if s.phase == "capture":
            s = play(s, "skip_capture")
        s = play(s, "no_line_action", "no_territory_action")
        p1_turns += 1
        assert s.current_player == 2
        s = play(s, "no_placement_action", "no_movement_action", "no_line_action", "no_territory_action")
    assert s.status == "completed"
    assert s.winner == 1
    assert s.victory_reason == "last_player_standing"
    # rounds are counted from the first tracked turn (P2, after the first rotation): P2 completes
    # three exclusive rounds after P1's 4th turn, and P1 wins at the start of its 5th
    assert p1_turns == 4
    assert s.moves[-1].type == "no_territory_action" and s.moves[-1].player == 2  # declared at the boundary
