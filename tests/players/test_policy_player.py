"""The raw policy player: the legal move with the highest policy logit, batched in lockstep."""

from __future__ import annotations

import numpy as np
import pytest

from engine.game import legal_moves, new_game
from engine.nn.actions import moves_to_indices
from engine.nn.evaluator import NetworkEvaluator
from engine.nn.inference import Inference
from engine.nn.planes import encode_state
from engine.players import PlayerSpec, PolicyPlayer, RandomPlayer, make_player, play_lockstep, play_match
from tests.nn.helpers import tiny_net
from tests.players.helpers import decision_positions


class Counting:
    """A real network evaluator that counts its calls and positions."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0
        self.positions = 0

    def evaluate(self, states, legal=None):
        self.calls += 1
        self.positions += len(states)
        return self.inner.evaluate(states, legal)


@pytest.fixture(scope="module")
def net_eval():
    return NetworkEvaluator(Inference(tiny_net(seed=3), device="cpu"), model_id="tiny")


def test_chooses_the_legal_move_with_the_highest_logit(net_eval):
    p = PolicyPlayer(net_eval)
    for s in decision_positions("square8", 2, 6, seed=1):
        moves = legal_moves(s)
        planes, glob = encode_state(s)
        logits, _ = net_eval.inference.predict(planes[None], glob[None])
        ids = moves_to_indices(s, list(moves))
        want = moves[int(np.argmax(logits[0, ids]))]
        assert p.choose(s) == want
        st = p.last_stats
        assert st.move == want and st.legal_count == len(moves) and st.evaluated == 1
        assert abs(sum(st.policy) - 1.0) < 1e-5 and len(st.values) == 2


def test_ties_go_to_the_first_legal_move():
    class Uniform:
        def evaluate(self, states, legal=None):
            return [([1.0 / len(m)] * len(m), (0.0, 0.0)) for m in legal]

    s = new_game("square8", 2)
    assert PolicyPlayer(Uniform()).choose(s) == legal_moves(s)[0]


def test_lockstep_batches_every_game_and_matches_play_match(net_eval):
    ev = Counting(net_eval)
    run = play_lockstep("square8", 2, lambda g: [PolicyPlayer(ev), RandomPlayer(seed=g)], games=6, seed=4)
    assert run.evaluator_calls == ev.calls and run.positions == ev.positions
    assert run.mean_batch > 1.5  # several games' positions per forward pass
    # one evaluation per decision of the policy player (seat 1 in every game)
    assert ev.positions == sum(sum(1 for d in r.deciders if d == 1) for r in run.results)
    # the same games one at a time
    for g, r in enumerate(run.results):
        ref = play_match("square8", 2, [PolicyPlayer(net_eval), RandomPlayer(seed=g)], seed=4 + g)
        assert ref.moves == r.moves and ref.winner == r.winner


def test_make_player_kind_and_errors(net_eval):
    p = make_player(PlayerSpec("policy", model_id="tiny"), evaluators=lambda _model_id: net_eval)
    assert isinstance(p, PolicyPlayer) and p.spec()["evaluator"]["model_id"] == "tiny"
    with pytest.raises(ValueError, match="needs an evaluator"):
        PolicyPlayer(None)
