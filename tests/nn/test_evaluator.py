"""NetworkEvaluator: priors over the legal moves from the spatial logits, seat values, terminal values."""

from __future__ import annotations

import numpy as np
import pytest

from engine.game import apply_move, legal_moves
from engine.nn import CONFIGS, moves_to_indices
from engine.nn.checkpoint import save_checkpoint
from engine.nn.evaluator import NetworkEvaluator
from engine.nn.inference import Inference
from engine.players import GumbelPlayer, MCTSPlayer, PlayerSpec, make_player, play_match, terminal_values
from tests.game.helpers import position
from tests.nn.helpers import encoded, tiny_net


def _ev(board="square8", players=2, **kw):
    return NetworkEvaluator(Inference(tiny_net(board, players, seed=1), device="cpu"), model_id="test", **kw)


def test_priors_are_the_softmax_of_the_legal_logits():
    ev = _ev()
    states, planes, glob = encoded(n=4)
    res = ev.evaluate(states)
    logits, values = ev.inference.predict(planes, glob)
    for i, (s, (pri, vals)) in enumerate(zip(states, res)):
        ids = moves_to_indices(s, legal_moves(s))
        z = np.exp(logits[i, ids] - logits[i, ids].max())
        np.testing.assert_allclose(pri, z / z.sum(), rtol=1e-5, atol=1e-7)
        assert len(vals) == 2 and np.allclose(vals, values[i, :2], atol=1e-6)
    assert ev.evaluated == 4


def test_temperature_flattens():
    states, _, _ = encoded(n=1)
    sharp = _ev().evaluate(states)[0][0]
    flat = _ev(temperature=10.0).evaluate(states)[0][0]
    assert max(flat) - min(flat) < max(sharp) - min(sharp)


def test_finished_games_get_exact_values_without_the_network():
    s = position("square8", 2, stacks={"0,0": [1, 1], "3,3": [2]}, eliminated=[16, 0], phase="forced_elimination")
    after = apply_move(s, legal_moves(s)[0])
    assert after.is_over
    ev = _ev()
    assert ev.evaluate([after]) == [([], terminal_values(after))]
    assert ev.inference.positions == 0


def test_wrong_config_is_an_error():
    states, _, _ = encoded("hex8", 2, n=1)
    with pytest.raises(ValueError, match="square8 2p asked to evaluate hex8 2p"):
        _ev().evaluate(states)


@pytest.mark.parametrize("board,players", CONFIGS)
def test_network_search_players_play_every_config(board, players):
    ev = _ev(board, players)
    seats = [MCTSPlayer(ev, simulations=4, seed=1), GumbelPlayer(ev, simulations=4, max_considered=4, seed=2),
             MCTSPlayer(ev, simulations=4, seed=3, leaf_batch=2)][:players]
    if players == 4:
        seats.append(GumbelPlayer(ev, simulations=4, max_considered=2, nonroot="gumbel", seed=4))
    r = play_match(board, players, seats, seed=0, check=True, max_moves=40)
    assert r.decisions > 0 and all(st is not None and len(st.values) == players for st in r.stats)


def test_make_player_from_a_checkpoint(tmp_path):
    save_checkpoint(tiny_net(seed=4), tmp_path / "m")
    p = make_player(PlayerSpec("gumbel", model_id="m", simulations=4), seed=1,
                    evaluators=lambda _model_id: NetworkEvaluator.from_checkpoint(str(tmp_path / "m"), device="cpu"))
    assert isinstance(p.evaluator, NetworkEvaluator)
    assert p.spec()["evaluator"]["model_id"] == p.evaluator.model_id and len(p.evaluator.model_id) == 64
    r = play_match("square8", 2, [p, make_player(PlayerSpec("random"), seed=2)], seed=0, check=True, max_moves=20)
    assert r.decisions > 0


def test_cache_serves_repeats_with_identical_answers():
    states, _, _ = encoded(n=6)
    ev = _ev()
    plain = _ev(cache_size=0)
    ref = plain.evaluate(states)
    first = ev.evaluate(states)
    assert first == ref and ev.cache_hits == 0 and ev.evaluated == 6
    # the same positions again, in another batch composition, and a repeat within one batch
    again = ev.evaluate([states[3], states[0], states[3]])
    assert again == [ref[3], ref[0], ref[3]] and ev.cache_hits == 3 and ev.evaluated == 6
    assert ev.inference.positions == 6
    # answers are copies: changing one changes nothing in the cache
    again[0][0][0] = 99.0
    assert ev.evaluate([states[3]])[0] == ref[3]
    # within one batch a repeated position is sent to the network once
    fresh = _ev()
    assert fresh.evaluate([states[1], states[1]]) == [ref[1], ref[1]] and fresh.evaluated == 1


def test_cache_is_bounded_and_can_be_cleared():
    states, _, _ = encoded(n=5)
    ev = _ev(cache_size=2)
    ev.evaluate(states)
    assert len(ev._cache) == 2
    ev.evaluate(states[-1:])
    assert ev.cache_hits == 1
    ev.evaluate(states[:1])  # evicted long ago
    assert ev.cache_hits == 1 and ev.evaluated == 6
    ev.clear_cache()
    assert len(ev._cache) == 0


def test_answers_do_not_depend_on_the_batch():
    states, _, _ = encoded(n=20)
    batch = _ev(cache_size=0).evaluate(states)
    alone = [_ev(cache_size=0).evaluate([s])[0] for s in states[:4]]
    assert alone == batch[:4]


def test_position_key_separates_turn_context():
    from engine.nn.evaluator import position_key

    states, _, _ = encoded(n=6)
    keys = {position_key(s, len(legal_moves(s))) for s in states}
    assert len(keys) == 6
    s = states[0].clone()
    k = position_key(s, 3)
    s.current_player = 3 - s.current_player
    assert position_key(s, 3) != k and position_key(states[0], 4) != k
