"""MatchRecord: deterministic ids, outcomes and scores, JSON, building from MatchResults."""

from __future__ import annotations

import pytest

from engine.evaluation import MatchRecord, PlayerSpec, make_match_id, match_records_from_results
from engine.players import HeuristicPlayer, RandomPlayer, play_match

from .helpers import record


def test_match_id_deterministic_and_distinct():
    a = make_match_id("gauntlet", "run-1", 0)
    assert a == make_match_id("gauntlet", "run-1", 0) and len(a) == 64
    assert len({a, make_match_id("gauntlet", "run-1", 1), make_match_id("promotion", "run-1", 0),
                make_match_id("gauntlet", "run-2", 0)}) == 4


def test_records_from_real_games():
    h, r = PlayerSpec("heuristic"), PlayerSpec("random")
    results = [play_match("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], seed=3),
               play_match("square8", 2, [RandomPlayer(seed=2), HeuristicPlayer(seed=1)], seed=4, max_moves=10)]
    recs = match_records_from_results(results, [(h, r), (r, h.spec_id)], source="gauntlet", run_id="x",
                                      first_index=5, created_at="t0")
    again = match_records_from_results(results, [(h, r), (r, h)], source="gauntlet", run_id="x", first_index=5)
    assert [x.match_id for x in recs] == [x.match_id for x in again] == [make_match_id("gauntlet", "x", 5),
                                                                         make_match_id("gauntlet", "x", 6)]
    a, b = recs
    assert a.config_key == "square8_2p" and a.spec_ids == (h.spec_id, r.spec_id) and a.seed == 3
    assert a.ranks == tuple(results[0].ranking) and a.moves == len(results[0].moves) and a.created_at == "t0"
    assert b.capped and b.ranks == (1, 1) and b.outcome(h.spec_id) == "draw" and b.winner is None
    assert b.score(h.spec_id) == 0.5
    with pytest.raises(ValueError):
        match_records_from_results(results, [(h, r)], source="gauntlet", run_id="x")


def test_outcome_and_score_multiplayer():
    # a 4-player game: candidate c in seat 2, three copies of o; c second behind one copy
    rec = record("hex8_4p", [("o", 1), ("c", 2), ("o", 3), ("o", 4)], 0)
    assert rec.outcome("c") == "loss" and rec.outcome("o") == "win" and rec.winner == "o"
    assert rec.score("c") == pytest.approx(2 / 3) and rec.score("c", "o") == pytest.approx(2 / 3)
    assert rec.outcome("zzz") is None and rec.score("c", "nobody") is None
    tie = record("hex8_3p", [("a", 1), ("b", 1), ("c", 3)], 1)
    assert tie.outcome("a") == tie.outcome("b") == "draw" and tie.outcome("c") == "loss" and tie.winner is None
    assert tie.score("a", "b") == 0.5 and tie.score("a") == 0.75


def test_json_round_trip_and_validation():
    rec = record("square8_3p", [("a", 2), ("b", 1), ("c", 2)], 7)
    assert MatchRecord.from_json(rec.to_json()) == rec
    import json
    assert MatchRecord.from_json(json.dumps(rec.to_json())) == rec
    with pytest.raises(ValueError):
        record("square8_2p", [("a", 1), ("b", 2), ("c", 3)], 0)  # 3 seats in a 2p config
    with pytest.raises(ValueError):
        record("square8_2p", [("a", 2), ("b", 2)], 0)  # nobody ranked 1
    with pytest.raises(ValueError):
        record("chess_2p", [("a", 1), ("b", 2)], 0)
