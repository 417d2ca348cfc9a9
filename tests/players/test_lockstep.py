"""play_lockstep: the same games as play_match, with evaluations batched across games."""

from __future__ import annotations

import pytest

from engine.players import (
    GumbelPlayer,
    HeuristicEvaluator,
    HeuristicPlayer,
    MCTSPlayer,
    RandomPlayer,
    play_lockstep,
    play_match,
)


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
    run = play_lockstep("square8", 2, lambda g: [MCTSPlayer(a, simulations=4, seed=g), MCTSPlayer(b, simulations=4,
                                                                                                  seed=g)],
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


def _fingerprint(run):
    return [(r.moves, r.stats, r.winner, r.victory_reason, r.deciders, r.players, r.seed) for r in run.results]


def test_workers_play_the_same_games_as_one_process():
    ev = HeuristicEvaluator()
    make = _mixed(ev)
    one = play_lockstep("square8", 2, make, games=5, seed=3, max_moves=60)
    seen = []
    two = play_lockstep("square8", 2, make, games=5, seed=3, max_moves=60, workers=2, concurrency=4,
                        on_result=seen.append)
    assert _fingerprint(one) == _fingerprint(two) and len(seen) == 5
    assert two.positions == one.positions and two.evaluator_calls >= one.evaluator_calls


def test_workers_with_the_network_play_the_same_games():
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from tests.nn.helpers import tiny_net

    def run(workers):
        ev = NetworkEvaluator(Inference(tiny_net(seed=3), device="cpu"))
        return play_lockstep("square8", 2, lambda g: [GumbelPlayer(ev, simulations=8, max_considered=4, seed=g + i)
                                                      for i in range(2)],
                             games=5, seed=1, max_moves=24, workers=workers)

    assert _fingerprint(run(1)) == _fingerprint(run(2))


def test_workers_errors():
    def make(g):
        if g == 3:
            raise RuntimeError("no players for game 3")
        return [RandomPlayer(seed=g), RandomPlayer(seed=g + 1)]

    from engine.players.workers import WorkerError

    with pytest.raises(WorkerError, match="no players for game 3"):
        play_lockstep("square8", 2, make, games=4, max_moves=4, workers=2)
    with pytest.raises(ValueError, match="gave 1 players"):
        play_lockstep("square8", 2, lambda g: [RandomPlayer()], games=4, workers=2)
