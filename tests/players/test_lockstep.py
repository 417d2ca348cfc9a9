"""play_lockstep: the same games as play_match, with evaluations batched across games."""

from __future__ import annotations

import pytest

from engine.players import (GumbelPlayer, HeuristicEvaluator, HeuristicPlayer, MCTSPlayer, RandomPlayer,
                            play_lockstep, play_match)


class CountingEvaluator(HeuristicEvaluator):
    def __init__(self):
        super().__init__()
        self.calls = []

    def evaluate(self, states, legal=None):
        self.calls.append(len(states))
        return super().evaluate(states, legal)


def _mixed(ev):
    def make(g):
        seats = [GumbelPlayer(ev, simulations=8, max_considered=4, seed=g), MCTSPlayer(ev, simulations=8, seed=g + 50)]
        return seats if g % 2 == 0 else seats[::-1]
    return make


@pytest.mark.parametrize("concurrency", [None, 3])
def test_same_games_as_play_match(concurrency):
    ev = CountingEvaluator()
    make = _mixed(ev)
    run = play_lockstep("square8", 2, make, games=6, seed=10, concurrency=concurrency, max_moves=120)
    seq = [play_match("square8", 2, make(g), 10 + g, max_moves=120) for g in range(6)]
    for a, b in zip(run.results, seq):
        assert a.moves == b.moves and a.winner == b.winner and a.victory_reason == b.victory_reason
        assert a.stats == b.stats and a.deciders == b.deciders and a.players == b.players
    assert run.positions == sum(ev.calls[:run.evaluator_calls]) and run.mean_batch > 1.5


def test_players_without_evaluator_and_three_players():
    ev = HeuristicEvaluator()

    def make(g):
        return [RandomPlayer(seed=g), HeuristicPlayer(seed=g), MCTSPlayer(ev, simulations=4, seed=g)]

    run = play_lockstep("hex8", 3, make, games=3, seed=0, max_moves=150)
    seq = [play_match("hex8", 3, make(g), g, max_moves=150) for g in range(3)]
    assert [r.moves for r in run.results] == [r.moves for r in seq]


def test_one_call_per_evaluator_per_step():
    a, b = CountingEvaluator(), CountingEvaluator()
    run = play_lockstep("square8", 2, lambda g: [MCTSPlayer(a, simulations=4, seed=g), MCTSPlayer(b, simulations=4, seed=g)],
                        games=4, seed=0, max_moves=40)
    assert run.evaluator_calls == len(a.calls) + len(b.calls)
    assert max(a.calls) > 1 and max(b.calls) > 1


def test_move_cap_and_callback_and_errors():
    seen = []
    run = play_lockstep("square8", 2, lambda g: [RandomPlayer(seed=g), RandomPlayer(seed=g + 9)], games=3, seed=0,
                        max_moves=10, on_result=seen.append)
    assert all(r.capped and len(r.moves) == 10 for r in run.results) and len(seen) == 3
    with pytest.raises(ValueError, match="gave 1 players for a 2-player game"):
        play_lockstep("square8", 2, lambda g: [RandomPlayer()], games=1)
