"""Playing ladder games: CPU seconds per decision, stable match ids and seeds, the driver loop and
reruns that only add games. Real games with cheap players (random, heuristic, small PUCT)."""

from __future__ import annotations

import pytest

from engine.config import LadderSettings
from engine.evaluation import EvaluatorCache, PlayerSpec, make_match_id
from engine.evaluation.ladder import LadderPlayer, PlannedPair, pair_run_id
from engine.evaluation.ladder_play import (
    TimedEvaluatorCache,
    TimedPlayer,
    game_seed,
    plan_games,
    play_games,
    run_ladder,
)
from engine.players import HeuristicPlayer, MCTSPlayer, RandomPlayer, play_match

CK = "square8_2p"
RND = PlayerSpec("random", label="random")
H1 = PlayerSpec("heuristic", profile="heuristic_v1", label="heuristic_v1")
MC = PlayerSpec("mcts", simulations=4, profile="heuristic_v1", label="mcts-4")


def _pair(a, b, first=0, blocks=1):
    x, y = (a, b) if a.spec_id <= b.spec_id else (b, a)
    return PlannedPair(x, y, first, blocks)


def test_timed_player_counts_decisions_and_cpu_including_evaluator_share():
    cache = TimedEvaluatorCache(EvaluatorCache())
    ev = cache.heuristic("heuristic_v1")
    assert cache.heuristic("heuristic_v1") is ev  # one timed evaluator per profile: games still batch
    mc = TimedPlayer(MCTSPlayer(evaluator=ev, simulations=4, seed=1), game_seed=11)
    rp = TimedPlayer(RandomPlayer(seed=2), game_seed=11)
    r = play_match("square8", 2, [mc, rp], seed=999)
    assert mc.decisions == sum(1 for d in r.deciders if d == 1) > 0
    assert rp.decisions == sum(1 for d in r.deciders if d == 2) > 0
    assert mc.cpu > 0 and ev.last_per_position > 0
    assert mc.cpu / mc.decisions > rp.cpu / max(rp.decisions, 1)  # search costs more than a random pick
    # the fixed game seed, not the runner's, drives the player: the same game from another match seed
    rp2 = TimedPlayer(RandomPlayer(seed=2), game_seed=11)
    h = HeuristicPlayer(seed=0)
    r2 = play_match("square8", 2, [TimedPlayer(h, 11), rp2], seed=5)
    r3 = play_match("square8", 2, [TimedPlayer(HeuristicPlayer(seed=0), 11), TimedPlayer(RandomPlayer(seed=2), 11)],
                    seed=6)
    assert r2.moves == r3.moves


def test_play_games_records_timings_and_is_independent_of_batching():
    st = LadderSettings(opening_moves=4)
    plan = [_pair(RND, H1, 0, 2), _pair(H1, MC, 0, 1)]
    games = plan_games(CK, plan, st)
    assert len(games) == 6
    got = []
    assert play_games(CK, games, st, None, lambda rec, t: got.append((rec, t))) == 6
    recs = {rec.match_id: (rec, t) for rec, t in got}
    rid = pair_run_id(CK, RND, H1, st)
    for idx in range(4):
        rec, (cpu, dec) = recs[make_match_id("ladder", rid, idx)]
        assert rec.source == "ladder" and rec.run_id == rid and rec.game_index == idx
        assert rec.seed == game_seed(rid, idx) and len(cpu) == len(dec) == 2
        assert all(c >= 0 for c in cpu) and sum(dec) > 0
        assert sum(dec) <= rec.moves
    # colour balance: each spec in seat 1 once per block
    seat1 = [recs[make_match_id("ladder", rid, i)][0].spec_ids[0] for i in range(4)]
    assert sorted(seat1) == sorted([RND.spec_id, H1.spec_id] * 2)
    # a block's two games share the opening; the same game alone (another batch) is the same game
    again = []
    play_games(CK, [g for g in games if g.index == 3 and g.run_id == rid], st, None,
               lambda rec, t: again.append(rec))
    first = recs[again[0].match_id][0]
    assert (again[0].seats, again[0].moves, again[0].victory_reason) == (first.seats, first.moves,
                                                                           first.victory_reason)
    # skip: recorded games are not planned again
    assert len(plan_games(CK, plan, st, skip=set(recs))) == 0


def test_run_ladder_stores_each_game_and_a_rerun_only_adds():
    roster = [LadderPlayer(RND), LadderPlayer(H1), LadderPlayer(MC)]
    st = LadderSettings(initial_pairs=1, round_pairs=1, pairs_per_round=2, max_games=10, opening_moves=2)
    stored = []
    rounds = []
    res = run_ladder(CK, roster, st, on_game=lambda r, t: stored.append(r.match_id),
                     on_round=lambda k, plan, n: rounds.append(n))
    assert res.report.new_games == len(stored) == len(res.records) <= 10 and rounds[0] > 0
    assert len(set(stored)) == len(stored)
    assert all(r.sec_per_move is not None and r.decisions > 0 for r in res.report.rows)
    assert res.report.row(RND).elo == 0
    more = []
    res2 = run_ladder(CK, roster, st, records=res.records, timings=res.timings,
                      on_game=lambda r, t: more.append(r.match_id))
    assert more and not set(more) & set(stored)  # new games only, no replay
    assert res2.report.games == len(stored) + len(more)
    assert res2.report.row(MC).decisions > res.report.row(MC).decisions


def test_bad_plan_is_an_error():
    with pytest.raises(ValueError):
        plan_games("square9_2p", [_pair(RND, H1)], LadderSettings())
