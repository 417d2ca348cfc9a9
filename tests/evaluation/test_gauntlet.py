"""Gauntlet against the ladder (2p and 3p seat rotation) and round-robin tournaments, with real games."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.evaluation import (
    EvaluatorCache,
    GauntletSettings,
    PlayerSpec,
    default_ladder,
    make_match_id,
    run_gauntlet,
    tournament,
)

from .helpers import CountingLoader

R, H = PlayerSpec("random"), PlayerSpec("heuristic")
M2 = PlayerSpec("mcts", simulations=2)
FAST = GauntletSettings(opening_moves=2, max_moves=400)


def test_default_ladder():
    champ = PlayerSpec("gumbel", model_id="gen3", label="gen 3")
    ladder = default_ladder(champions=[champ, champ])
    assert [s.name for s in ladder] == ["random", "heuristic", "mcts-16", "mcts-64", "mcts-256", "gen 3"]
    assert all(s.profile == "heuristic_v1" for s in ladder[1:5])
    small = default_ladder(GauntletSettings(ladder_simulations=(8,), include_random=False))
    assert [s.name for s in small] == ["heuristic", "mcts-8"]


def test_two_player_gauntlet():
    cand = PlayerSpec("heuristic", label="cand")
    rep = run_gauntlet(cand, "square8_2p", [R, M2, cand], settings=FAST, games_per_opponent=3, seed=1,
                       created_at="t")
    assert [r.opponent for r in rep.rows] == [R, M2]  # the candidate is not its own opponent
    assert len(rep.records) == 8 and {r.source for r in rep.records} == {"gauntlet"}
    for row in rep.rows:
        assert row.games == 4 and row.seat_games == (2, 2) and row.wins + row.draws + row.losses == 4
        assert sum(row.seat_wins) == row.wins and row.win_rate == row.wins / 4
        lo, hi = row.win_ci
        assert 0 <= lo <= row.win_rate <= hi <= 1
        assert row.score == pytest.approx((row.wins + row.draws / 2) / 4)
    # seats alternate: the candidate is seat 1 in even games
    assert [r.spec_ids.index(cand.spec_id) for r in rep.records[:4]] == [0, 1, 0, 1]
    assert [r.match_id for r in rep.records] == [make_match_id("gauntlet", rep.run_id, k) for k in range(8)]
    # the same gauntlet again: the same games and ids (re-ingesting is a no-op)
    again = run_gauntlet(cand, "square8_2p", [R, M2], settings=FAST, games_per_opponent=3, seed=1, created_at="t")
    assert again.records == rep.records and again.run_id == rep.run_id
    other = run_gauntlet(cand, "square8_2p", [R, M2], settings=FAST, games_per_opponent=3, seed=2)
    assert other.run_id != rep.run_id
    assert rep.row(R).opponent == R and "random" in rep.format()
    rows = rep.to_rows()
    assert rows[0]["candidate"] == "cand" and rows[0]["opponent"] == "random" and rows[0]["games"] == 4


def test_three_player_rotation():
    rep = run_gauntlet(H, "hex8_3p", [R], settings=FAST, games_per_opponent=4, seed=0)
    (row,) = rep.rows
    assert row.games == 6 and row.seat_games == (2, 2, 2)
    for rec in rep.records:
        assert rec.spec_ids.count(H.spec_id) == 1 and rec.spec_ids.count(R.spec_id) == 2
    assert [rec.spec_ids.index(H.spec_id) for rec in rep.records] == [0, 1, 2, 0, 1, 2]
    assert row.score == pytest.approx(sum(r.score(H.spec_id) for r in rep.records) / 6)


def test_network_candidate_batches_across_the_gauntlet():
    loader = CountingLoader()
    cand = PlayerSpec("mcts", model_id="cand", simulations=4)
    rep = run_gauntlet(cand, "square8_2p", [R, H], settings=GauntletSettings(opening_moves=2, max_moves=60),
                       games_per_opponent=4, evaluators=EvaluatorCache(loader))
    assert loader.loaded == ["cand"] and max(loader.evaluators["cand"].batches) == 8
    assert rep.positions > rep.evaluator_calls > 0


def test_tournament_two_and_three_players():
    rep = tournament([R, H, M2], 2, "square8_2p", settings=FAST, seed=4)
    assert len(rep.pairs) == 3 and len(rep.records) == 6 and {r.source for r in rep.records} == {"tournament"}
    p = rep.pair(R, H)
    q = rep.pair(H, R)
    assert p.games == 2 and p.a_wins == q.b_wins and p.a_score == pytest.approx(1 - q.a_score)
    assert {r.spec_id for r in rep.ratings} == {R.spec_id, H.spec_id, M2.spec_id}
    assert rep.ratings[R].elo == 0 and rep.ratings[H].label == "heuristic"
    rep3 = tournament([R, H], 1, "square8_3p", settings=FAST)
    assert len(rep3.records) == 6  # a block: R rotated against a field of H, then H against R
    seats = [rec.spec_ids for rec in rep3.records]
    assert sum(s.count(R.spec_id) for s in seats) == sum(s.count(H.spec_id) for s in seats) == 9
    with pytest.raises(ValueError):
        tournament([R, R.with_label("again")], 2, "square8_2p")


def test_a_resumed_gauntlet_plays_only_the_games_the_match_log_lacks():
    cand = PlayerSpec("heuristic", label="cand")
    whole = run_gauntlet(cand, "square8_2p", [R, M2], settings=FAST, games_per_opponent=4, seed=5, created_at="t")
    assert whole.played == len(whole.records) == 8
    # a crash after games 0, 1, 2 and 6 were stored; one stored result is marked so that taking it
    # from the log (not replaying it) shows in the report
    kept = {k: whole.records[k] for k in (0, 1, 2, 6)}
    flipped = kept[0].seats[0][0], 2 if kept[0].seats[0][1] == 1 else 1
    kept[0] = replace(kept[0], seats=(flipped, (kept[0].seats[1][0], 1 if flipped[1] == 2 else 2)))
    seen = []
    rep = run_gauntlet(cand, "square8_2p", [R, M2], settings=FAST, games_per_opponent=4, seed=5, created_at="t",
                       done={r.match_id: r for r in kept.values()}, on_record=seen.append)
    assert rep.played == 4 and sorted(r.game_index for r in seen) == [3, 4, 5, 7]
    # the games played now are the games of the whole run (same seeds and openings)
    assert [rep.records[k] for k in (3, 4, 5, 7)] == [whole.records[k] for k in (3, 4, 5, 7)]
    assert rep.records[0] == kept[0] != whole.records[0]
    assert [r.match_id for r in rep.records] == [r.match_id for r in whole.records]
    everything = run_gauntlet(cand, "square8_2p", [R, M2], settings=FAST, games_per_opponent=4, seed=5,
                              created_at="t", done={r.match_id: r for r in whole.records})
    assert everything.played == 0 and everything.records == whole.records and everything.rows == whole.rows
