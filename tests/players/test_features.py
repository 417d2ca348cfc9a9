"""The evaluator's features on hand-built positions."""

from __future__ import annotations

from engine.game import new_game
from engine.players import FEATURES, WIN_SCORE, feature_vectors, player_scores
from engine.players.features import relative
from tests.game.helpers import position

F = {name: i for i, name in enumerate(FEATURES)}


def test_initial_position():
    s = new_game("square8", 3)
    rows = feature_vectors(s)
    assert rows[0] is None and len(rows) == 4
    for q in (1, 2, 3):
        assert len(rows[q]) == len(FEATURES)
        assert rows[q][F["rings_in_hand"]] == 18
        assert rows[q][F["stacks"]] == 0 and rows[q][F["eliminated"]] == 0


def test_stack_features_threats_and_lines():
    s = position("square8", 2, stacks={"0,0": [1, 1, 2], "2,0": [2], "7,7": [2, 1]},
                 markers={"3,3": 1, "4,3": 1, "5,3": 1}, eliminated=[9, 0])
    rows = feature_vectors(s)
    p1, p2 = rows[1], rows[2]
    assert p1[F["stacks"]] == 1 and p1[F["stack_height"]] == 3 and p1[F["cap_height"]] == 2
    assert p2[F["stacks"]] == 2 and p2[F["stack_height"]] == 3 and p2[F["cap_height"]] == 2
    assert p1[F["buried_rings"]] == 1  # P1's ring under P2's top ring at 7,7
    assert p1[F["eliminated"]] == 0.5
    assert p1[F["markers"]] == 3
    assert p1[F["near_lines"]] == 1  # 3 in a row = one short of L = 4 in 2p (one run of L-1)
    # P1's cap-2 stack at 0,0 (height 3) can capture the single ring at 2,0 (landing at 3,0+).
    assert p1[F["capture_threats"]] > 0 and p2[F["under_threat"]] > 0
    assert p1[F["mobility"]] > 0


def test_terminal_scores_and_relative():
    s = position("square8", 2, stacks={"0,0": [1], "3,3": [2]})
    s.status, s.winner = "completed", 2
    v = player_scores(s, [1.0] * len(FEATURES))
    assert v[2] == WIN_SCORE and v[1] == -WIN_SCORE
    assert relative([0.0, 3.0, 1.0, 2.5], 1) == 0.5
    assert relative([0.0, 3.0, 1.0, 2.5], 2) == -2.0


def test_region_features():
    # A P1 marker wall cuts the corner cell 0,0 (holding a P2 stack) off the board: a disconnected
    # region; P1 is to act and has a stack outside it, so the region is credited to P1 alone.
    s = position("square8", 2, stacks={"0,0": [2, 2], "5,5": [1], "6,6": [2]},
                 markers={"1,0": 1, "0,1": 1})
    rows = feature_vectors(s)
    assert rows[1][F["region_rings"]] > 0 and rows[1][F["region_cells"]] > 0
    assert rows[2][F["region_rings"]] == 0
    assert feature_vectors(s, regions=False)[1][F["region_rings"]] == 0


def test_region_win_for_the_player_who_can_take_it():
    # P1 to act, its ring walled into the corner 0,0 by its markers: the rest of the board (60 cells,
    # only P2's stacks) is a region P1 can process (it has a stack outside), worth a territory win.
    s = position("square8", 2, stacks={"0,0": [1], "5,5": [2], "6,3": [2, 2]},
                 markers={"1,0": 1, "0,1": 1, "2,2": 1}, hands=[0, 0])
    rows = feature_vectors(s)
    assert rows[1][F["region_cells"]] >= 1.0 and rows[1][F["region_win"]] == 1.0
    # P2 could only take the corner itself (P1's ring): one cell, no win.
    assert rows[2][F["region_win"]] == 0 and rows[2][F["region_cells"]] == 1 / 33
    assert feature_vectors(s, regions=False)[1][F["region_win"]] == 0


def test_region_takers_include_a_placement_outside():
    # The corner 0,0 (a P2 stack) is walled off by P1 markers. P1 controls no stack (its only ring is
    # buried at 6,6) but holds rings: it can place outside the region and process it, and as the player
    # to act it is credited alone. Without rings in hand it cannot; P2 (a stack outside) can.
    base = dict(stacks={"0,0": [2, 2], "6,6": [2, 1]}, markers={"1,0": 1, "0,1": 1})
    rows = feature_vectors(position("square8", 2, hands=[3, 0], **base))
    assert rows[1][F["region_rings"]] > 0 and rows[2][F["region_rings"]] == 0
    rows = feature_vectors(position("square8", 2, hands=[0, 0], **base))
    assert rows[1][F["region_rings"]] == 0 and rows[2][F["region_rings"]] > 0


def test_regions_match_the_engine():
    import random

    from engine.game import apply_in_place, legal_moves
    from engine.game.territory import find_regions
    from engine.players.features import _regions

    for board, n in (("square8", 2), ("hex8", 3), ("square8", 4)):
        rng = random.Random(5)
        for _ in range(4):
            s = new_game(board, n)
            while not s.is_over:
                assert sorted(_regions(s)) == sorted(r.bb for r in find_regions(s))
                apply_in_place(s, rng.choice(legal_moves(s)))
