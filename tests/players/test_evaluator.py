"""HeuristicEvaluator: priors aligned with the legal moves, seat values in range, exact terminal values."""

from __future__ import annotations

import random

import pytest

from engine.game import apply_in_place, apply_move, legal_moves, new_game
from engine.players import HeuristicEvaluator, HeuristicPlayer, seat_players, terminal_values
from engine.players.evaluator import absolute_values, seat_values
from tests.game.helpers import position


def _states(board, players, n=30, seed=0):
    rng = random.Random(seed)
    s = new_game(board, players)
    out = []
    while not s.is_over and len(out) < n:
        out.append(s.clone())
        apply_in_place(s, rng.choice(legal_moves(s)))
    return out


@pytest.mark.parametrize("board,players", [("square8", 2), ("hex8", 3), ("square8", 4)])
def test_batched_priors_and_values(board, players):
    ev = HeuristicEvaluator()
    states = _states(board, players)
    res = ev.evaluate(states)
    assert len(res) == len(states)
    for s, (priors, values) in zip(states, res):
        assert len(priors) == len(legal_moves(s)) and abs(sum(priors) - 1) < 1e-9
        assert len(values) == players and all(-1 <= v <= 1 for v in values)
    # passing the legal lists gives the same answer
    assert ev.evaluate(states, [legal_moves(s) for s in states]) == res


def test_values_match_heuristic_player_seat_values():
    ev = HeuristicEvaluator()
    h = HeuristicPlayer()
    for s in _states("square8", 2, n=20, seed=4):
        v = h.scores(s)
        assert ev.values(s) == h._seat_values(v, s.current_player, 2)


def test_terminal_values_two_players():
    s = position("square8", 2, stacks={"0,0": [1, 1], "7,7": [1], "3,3": [2]}, eliminated=[16, 0],
                 phase="forced_elimination")
    win = next(m for m in legal_moves(s) if apply_move(s, m).is_over)
    after = apply_move(s, win)
    assert after.winner == 1
    tv = terminal_values(after)
    assert tv[seat_players(after.current_player, 2).index(1)] == 1.0 and sorted(tv) == [-1.0, 1.0]
    assert HeuristicEvaluator().evaluate([after])[0] == ([], tv)


def test_terminal_values_rank_based_multiplayer():
    rng = random.Random(5)
    s = new_game("square8", 3)
    while not s.is_over:
        apply_in_place(s, rng.choice(legal_moves(s)))
    tv = terminal_values(s)
    ranks = s.ranking()
    for i, q in enumerate(seat_players(s.current_player, 3)):
        assert tv[i] == 1.0 - (ranks[q - 1] - 1)
    if s.winner is not None:
        assert tv[seat_players(s.current_player, 3).index(s.winner)] == 1.0


def test_seat_absolute_round_trip():
    for n in (2, 3, 4):
        for p in range(1, n + 1):
            sv = tuple(float(i) for i in range(n))
            assert seat_values(absolute_values(sv, p, n), p, n) == sv
