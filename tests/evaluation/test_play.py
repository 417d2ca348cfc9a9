"""Seatings, shared random openings, lockstep play from specs."""

from __future__ import annotations

from engine.evaluation import EvaluatorCache, OpeningPlayer, PlayerSpec, Seating, play_seatings
from engine.evaluation.play import default_run_id, rotations
from engine.players import HeuristicPlayer, MCTSPlayer, RandomPlayer, play_match

from .helpers import CountingLoader

H, M = PlayerSpec("heuristic"), PlayerSpec("mcts", simulations=2)


def test_rotations():
    assert rotations(H, M, 2) == [(H, M), (M, H)]
    assert rotations(H, M, 3) == [(H, M, M), (M, H, M), (M, M, H)]


def test_blocks_share_the_opening_and_search_is_deterministic():
    seatings = [Seating((H, M), 0), Seating((M, H), 0), Seating((H, M), 1), Seating((H, M), 0)]
    run = play_seatings("square8", 2, seatings, seed=3, opening_moves=6, max_moves=300)
    a, b, c, d = run.results
    assert a.moves[:6] == b.moves[:6] == d.moves[:6] and a.moves[:6] != c.moves[:6]
    assert a.moves[6:] != b.moves[6:]  # the seats differ after the opening
    assert [r.seed for r in run.results] == [3, 4, 5, 6]
    assert all(s is None for s in a.stats[:3])  # opening decisions carry no search stats
    assert a.players[0]["opening_moves"] == 6 and a.players[1]["kind"] == "mcts"
    # deterministic players (mcts at temperature 0) replay the same game from the same opening
    mm = play_seatings("square8", 2, [Seating((M, M.with_label("x")), 0)] * 2, seed=0, opening_moves=4,
                       max_moves=200).results
    assert mm[0].moves == mm[1].moves


def test_without_opening_matches_play_match():
    run = play_seatings("square8", 2, [Seating((H, M), 0)], seed=9, max_moves=200)
    ref = play_match("square8", 2, [HeuristicPlayer(9), MCTSPlayer(simulations=2, seed=9)], 9, max_moves=200)
    assert run.results[0].moves == ref.moves


def test_network_specs_batch_through_one_evaluator():
    loader = CountingLoader()
    net = PlayerSpec("mcts", model_id="m1", simulations=4)
    seatings = [Seating(s, b) for b in range(4) for s in rotations(net, PlayerSpec("random"), 2)]
    run = play_seatings("square8", 2, seatings, seed=0, evaluators=EvaluatorCache(loader), opening_moves=2,
                        max_moves=60)
    ev = loader.evaluators["m1"]
    assert loader.loaded == ["m1"] and max(ev.batches) == 8 and run.mean_batch > 2


def test_opening_player_wraps():
    inner = RandomPlayer(seed=1)
    p = OpeningPlayer(inner, 3, "s")
    assert p.kind == "random" and p.evaluator is None and p.spec()["opening_seed"] == "s"
    assert default_run_id("x", 1, [2]) == default_run_id("x", 1, [2]) != default_run_id("x", 1, [3])
