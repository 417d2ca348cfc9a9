"""Turn structure (RR-CANON-R070-R076, R200-R209): canonical turn records with bookkeeping moves,
forced elimination, turn rotation, the swap rule."""

from __future__ import annotations

import pytest

from engine.game import IllegalMoveError, apply_move, legal_moves, new_game
from engine.game.moves import Move

from .helpers import all_stacks, eliminated, find, history_types, play, position, types


def turn_types(state, since):
    return history_types(state)[since:]


def plain_turn(s, place, to):
    """place_ring (1 ring) on ``place``, move it to ``to``, then the two bookkeeping moves."""
    p = s.current_player
    n = len(s.moves)
    s = play(s, find(legal_moves(s), "place_ring", to=place, count=1))
    s = play(s, Move("move_stack", p, from_=place, to=to))
    s = play(s, "no_line_action", "no_territory_action")
    assert turn_types(s, n) == ["place_ring", "move_stack", "no_line_action", "no_territory_action"]
    return s


def test_plain_move_turn_record():
    s = new_game("square8", 2)
    s = play(s, find(legal_moves(s), "place_ring", to=(3, 3), count=1))
    assert s.phase == "movement" and s.current_player == 1
    s = play(s, Move("move_stack", 1, from_=(3, 3), to=(3, 4)))
    assert s.phase == "line_processing"
    assert types(legal_moves(s)) == ["no_line_action"]
    s = play(s, "no_line_action")
    assert s.phase == "territory_processing"
    assert types(legal_moves(s)) == ["no_territory_action"]
    s = play(s, "no_territory_action")
    assert s.current_player == 2
    assert s.phase == "ring_placement"
    assert history_types(s) == ["place_ring", "move_stack", "no_line_action", "no_territory_action"]


def test_bookkeeping_moves_are_the_only_legal_move_of_their_phase():
    s = new_game("square8", 2)
    s = play(s, find(legal_moves(s), "place_ring", to=(3, 3), count=1),
             Move("move_stack", 1, from_=(3, 3), to=(3, 4)))
    for bad in (Move("no_territory_action", 1), Move("skip_capture", 1), Move("no_movement_action", 1)):
        with pytest.raises(IllegalMoveError):
            apply_move(s, bad)
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("no_line_action", 2))  # not P2's turn


def test_declined_capture_turn_record():
    s = position(stacks={"6,3": [2]}, hands=[10, 10], phase="ring_placement")
    s = play(s, find(legal_moves(s), "place_ring", to=(0, 0), count=1))
    s = play(s, Move("move_stack", 1, from_=(0, 0), to=(0, 3)))
    assert s.phase == "capture"
    s = play(s, "skip_capture", "no_line_action", "no_territory_action")
    assert history_types(s) == ["place_ring", "move_stack", "skip_capture", "no_line_action", "no_territory_action"]
    assert s.current_player == 2


def blocked_p2(**kw):
    # P2 has no rings in hand; its only stack (0,0) is walled in by P1 stacks of cap 3 (too big to
    # capture). P2 keeps a ring buried under (1,1).
    return position(stacks={"0,0": [2, 2], "1,0": [1, 1, 1], "0,1": [1, 1, 1], "1,1": [1, 1, 1, 2]},
                    hands=[10, 0], phase="ring_placement", current=2, **kw)


def test_blocked_player_turn_record_ends_with_forced_elimination():
    s = blocked_p2()
    assert types(legal_moves(s)) == ["no_placement_action"]
    s = play(s, "no_placement_action")
    assert types(legal_moves(s)) == ["no_movement_action"]
    s = play(s, "no_movement_action")
    assert types(legal_moves(s)) == ["no_line_action"]
    s = play(s, "no_line_action")
    # no board change this turn and P2 controls a stack: straight to forced elimination, no
    # no_territory_action is recorded
    assert s.phase == "forced_elimination"
    legal = legal_moves(s)
    assert [(m.type, tuple(m.to)) for m in legal] == [("forced_elimination", (0, 0))]
    s = play(s, legal[0])
    assert history_types(s) == ["no_placement_action", "no_movement_action", "no_line_action", "forced_elimination"]
    # the whole cap goes, credited to P2; then the turn passes
    assert (0, 0) not in all_stacks(s)
    assert eliminated(s, 2) == 2
    assert s.status == "active"
    assert s.current_player == 1 and s.phase == "ring_placement"


def test_forced_elimination_choice_and_whole_cap():
    # two P2 stacks, both stuck: P2 chooses; a mixed stack loses only its cap and changes hands
    s = position(stacks={"0,0": [2, 2, 1], "1,0": [1, 1, 1], "0,1": [1, 1, 1], "1,1": [1, 1, 1, 1],
                         "7,7": [2], "6,7": [1, 1], "7,6": [1, 1], "6,6": [1, 1]},
                 hands=[10, 0], phase="ring_placement", current=2)
    s = play(s, "no_placement_action", "no_movement_action", "no_line_action")
    legal = legal_moves(s)
    assert {tuple(m.to) for m in legal} == {(0, 0), (7, 7)}
    t = play(s, find(legal, "forced_elimination", to=(0, 0)))
    assert all_stacks(t)[(0, 0)] == [1]
    assert eliminated(t, 2) == 2
    t = play(s, find(legal, "forced_elimination", to=(7, 7)))
    assert (7, 7) not in all_stacks(t)
    assert eliminated(t, 2) == 1


def test_no_forced_elimination_after_a_board_change():
    # P1 places (a board change) and then the placed stack moves: a normal turn end even though
    # P1 has another stack that can never move
    s = position(stacks={"0,0": [1], "1,0": [2, 2], "0,1": [2, 2], "1,1": [2, 2]}, hands=[5, 10],
                 phase="ring_placement")
    s = play(s, find(legal_moves(s), "place_ring", to=(5, 5), count=1))
    s = play(s, Move("move_stack", 1, from_=(5, 5), to=(5, 6)), "no_line_action", "no_territory_action")
    assert s.current_player == 2


def test_empty_seat_turn_record():
    # 3 players: P2 has nothing in hand and no controlled stack, but a ring buried under P3 and no
    # marker: it still takes its turn (temporarily eliminated) with four bookkeeping moves.
    s = position(players=3, stacks={"3,3": [1], "7,7": [3, 2]}, hands=[5, 0, 5])
    s = play(s, Move("move_stack", 1, from_=(3, 3), to=(3, 4)), "no_line_action", "no_territory_action")
    assert s.current_player == 2
    n = len(s.moves)
    s = play(s, "no_placement_action", "no_movement_action", "no_line_action", "no_territory_action")
    assert turn_types(s, n) == ["no_placement_action", "no_movement_action", "no_line_action",
                                "no_territory_action"]
    assert s.current_player == 3


def test_rotation_skips_permanently_eliminated_players():
    # P2 owns no ring anywhere: P1's turn passes straight to P3
    s = position(players=3, stacks={"3,3": [1], "7,7": [3]}, hands=[5, 0, 5])
    s = play(s, Move("move_stack", 1, from_=(3, 3), to=(3, 4)), "no_line_action", "no_territory_action")
    assert s.current_player == 3
    assert s.phase == "ring_placement"


def test_rotation_wraps_around():
    s = position(players=3, stacks={"3,3": [3], "7,7": [1]}, hands=[5, 5, 5], current=3)
    s = play(s, Move("move_stack", 3, from_=(3, 3), to=(3, 4)), "no_line_action", "no_territory_action")
    assert s.current_player == 1


# -- swap rule ---------------------------------------------------------------------------------------

def test_swap_offered_to_seat_2_on_its_first_turn_only():
    s = new_game("square8", 2, swap_rule=True)
    assert "swap_sides" not in types(legal_moves(s))
    s = plain_turn(s, (0, 0), (0, 1))
    assert s.current_player == 2 and s.phase == "ring_placement"
    assert "swap_sides" in types(legal_moves(s))
    # declining (placing instead) forfeits it
    t = plain_turn(s, (7, 7), (7, 6))
    t = plain_turn(t, (0, 7), (1, 7))
    assert t.current_player == 2
    assert "swap_sides" not in types(legal_moves(t))


def test_swap_sides_keeps_board_seat_and_phase():
    s = new_game("square8", 2, swap_rule=True)
    s = plain_turn(s, (0, 0), (0, 1))
    before = all_stacks(s)
    s = play(s, "swap_sides")
    assert s.current_player == 2
    assert s.phase == "ring_placement"
    assert all_stacks(s) == before
    assert "swap_sides" not in types(legal_moves(s))
    assert "place_ring" in types(legal_moves(s))


def test_no_swap_without_the_rule_or_with_three_players():
    s = plain_turn(new_game("square8", 2), (0, 0), (0, 1))
    assert "swap_sides" not in types(legal_moves(s))
    with pytest.raises(IllegalMoveError):
        apply_move(s, Move("swap_sides", 2))
    s = plain_turn(new_game("square8", 3, swap_rule=True), (0, 0), (0, 1))
    assert s.current_player == 2
    assert "swap_sides" not in types(legal_moves(s))


NO_CHANGE = {"no_placement_action", "no_movement_action", "no_line_action", "no_territory_action",
             "skip_placement", "skip_capture", "skip_recovery", "skip_territory_processing"}


@pytest.mark.parametrize("board,players,seed", [("square8", 2, 21), ("square8", 3, 22), ("hex8", 2, 23),
                                                ("hex8", 4, 24)])
def test_random_games_respect_the_turn_structure(board, players, seed):
    import random
    rng = random.Random(seed)
    s = new_game(board, players)
    for _ in range(600):
        if s.status != "active":
            break
        legal = legal_moves(s)
        assert legal, (s.phase, s.current_player)
        # a bookkeeping move is only ever the sole legal move
        if any(m.is_bookkeeping for m in legal):
            assert len(legal) == 1
        assert all(m.player == s.current_player for m in legal)
        m = rng.choice(legal)
        t = apply_move(s, m)
        # S never decreases; moves that change nothing leave it unchanged
        assert t.s_invariant() >= s.s_invariant()
        if m.type in NO_CHANGE:
            assert t.s_invariant() == s.s_invariant()
            assert all_stacks(t) == all_stacks(s)
        # a new turn always starts in ring placement
        if t.status == "active" and t.current_player != s.current_player:
            assert t.phase == "ring_placement"
        s = t
    assert s.status == "completed"
    assert s.winner in range(1, players + 1)
    assert sorted(s.ranking())[0] == 1 and s.ranking()[s.winner - 1] == 1
