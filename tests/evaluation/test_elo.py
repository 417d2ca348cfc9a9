"""Elo fit: recovery of known ratings (2p and Plackett-Luce multiplayer), anchors, priors, scoping."""

from __future__ import annotations

import math

import pytest

from engine.evaluation import (
    RANDOM_SPEC_ID,
    EloService,
    EloSettings,
    PlayerSpec,
    fit_ratings,
    get_elo_service,
    ratings_by_config,
)

from .helpers import record, simulate_2p, simulate_plackett_luce

R = RANDOM_SPEC_ID
TRUE = {R: 0.0, "a": 150.0, "b": 300.0, "c": 450.0, "d": -120.0}


def _check_recovered(table, true, z=3.5):
    for sid, elo in true.items():
        r = table[sid]
        if r.anchored:
            assert r.elo == elo and r.stderr == 0
        else:
            assert 5 < r.stderr < 80
            assert abs(r.elo - elo) < z * r.stderr, (sid, r.elo, elo, r.stderr)


def test_recovers_two_player_ratings_and_seat_advantage():
    recs = simulate_2p(TRUE, 120, advantage=70.0, seed=1)
    table = get_elo_service().ratings("square8_2p", recs)
    assert table.converged and table.games == len(recs) == 20 * 120
    _check_recovered(table, TRUE)
    assert abs(table.first_player_advantage - 70.0) < 3.5 * table.first_player_stderr
    assert [r.spec_id for r in table] == ["c", "b", "a", R, "d"]
    assert table[R].label == "random" and table[R].anchored and table.anchors == ((R, 0.0),)
    # counts: every player met 4 others 120 times in each seat
    assert all(r.games == 960 and r.wins + r.losses == 960 and r.draws == 0 for r in table)


def test_standard_errors_are_calibrated():
    # over several independent data sets the z-scores behave like standard normals
    zs = []
    for seed in range(24):
        t = fit_ratings(simulate_2p(TRUE, 30, advantage=30.0, seed=100 + seed), config_key="square8_2p")
        zs += [(t[s].elo - e) / t[s].stderr for s, e in TRUE.items() if s != R]
    rms = math.sqrt(sum(z * z for z in zs) / len(zs))
    assert 0.75 < rms < 1.25 and max(abs(z) for z in zs) < 4


@pytest.mark.parametrize("n", [3, 4])
def test_recovers_multiplayer_ratings_plackett_luce(n):
    true = {R: 0.0, "a": 100.0, "b": 250.0, "c": 400.0, "d": -150.0, "e": 50.0}
    recs = simulate_plackett_luce(true, n, 2500, advantage=80.0, seed=n, config_key=f"square8_{n}p")
    table = fit_ratings(recs)
    assert table.config_key == f"square8_{n}p"
    _check_recovered(table, true, z=4.0)
    assert abs(table.first_player_advantage - 80.0) < 4 * table.first_player_stderr


def test_multiplayer_game_weighs_like_one_game():
    # "a" alone against three copies of "b": its three comparisons weigh 1/3 each, i.e. one game
    st = EloSettings(first_player_advantage=False)
    four = [record("square8_4p", [("b", 2), ("a", 1), ("b", 3), ("b", 4)], k) for k in range(6)]
    four += [record("square8_4p", [("b", 1), ("a", 4), ("b", 2), ("b", 3)], 6 + k) for k in range(2)]
    two = [record("square8_2p", [("b", 2), ("a", 1)], k) for k in range(6)]
    two += [record("square8_2p", [("b", 1), ("a", 2)], 6 + k) for k in range(2)]
    t4, t2 = fit_ratings(four, settings=st), fit_ratings(two, settings=st)
    assert t4["a"].elo == pytest.approx(t2["a"].elo, abs=1e-6) and t4["a"].stderr == pytest.approx(t2["a"].stderr)
    assert t4["a"].score == pytest.approx(0.75) and t4["a"].wins == 6 and t4["b"].wins == 2
    # a fully ranked 4-player game: each player's comparisons sum to weight 1
    t = fit_ratings([record("hex8_4p", [("w", 1), ("x", 2), ("y", 3), ("z", 4)], 0)], settings=st)
    assert [r.spec_id for r in t] == ["w", "x", "y", "z"]
    assert t["w"].score == 1 and t["x"].score == pytest.approx(2 / 3) and t["z"].score == 0


def test_draws_count_half():
    recs = [record("square8_2p", [("a", 1), ("b", 1)] if k % 2 else [("b", 1), ("a", 1)], k) for k in range(10)]
    recs += [record("square8_2p", [("a", 1), ("b", 2)], 10), record("square8_2p", [("b", 1), ("a", 2)], 11)]
    t = fit_ratings(recs, anchors={"b": 0.0})
    assert t["a"].elo == pytest.approx(0.0, abs=1e-6) and t["a"].draws == 10 and t["a"].score == 0.5
    # a win and a draw score 0.75, i.e. about 191 Elo, shrunk a little by the virtual draw
    recs = [record("square8_2p", [("a", 1), ("b", 2)] if k % 2 else [("b", 1), ("a", 1)], k) for k in range(40)]
    t = fit_ratings(recs, anchors={"b": 0.0}, settings=EloSettings(first_player_advantage=False))
    assert 150 < t["a"].elo < 191


def test_all_wins_stays_finite_and_prior_is_weak():
    recs = [record("square8_2p", [("a", 1), (R, 2)] if k % 2 else [(R, 2), ("a", 1)], k) for k in range(20)]
    t = fit_ratings(recs)
    assert t.converged and math.isfinite(t["a"].elo) and 300 < t["a"].elo < 1200 and t["a"].stderr > 50
    no_prior = fit_ratings(recs[:20] + [record("square8_2p", [(R, 1), ("a", 2)], 99)],
                           settings=EloSettings(prior_draws=0.0))
    assert no_prior.converged and math.isfinite(no_prior["a"].elo)


def test_anchors_shift_and_unanchored_mean_zero():
    recs = simulate_2p({R: 0.0, "a": 200.0, "b": 100.0}, 30, seed=5)
    t0 = fit_ratings(recs)
    t1 = fit_ratings(recs, anchors={"a": 1000.0})
    assert t1["a"].elo == 1000.0 and t1["a"].stderr == 0 and t1["a"].anchored
    for s in (R, "b"):
        assert t1[s].elo - 1000.0 == pytest.approx(t0[s].elo - t0["a"].elo, abs=0.5)
    spec = PlayerSpec("mcts", simulations=4)
    t2 = fit_ratings([record("square8_2p", [(spec.spec_id, 1), ("b", 2)], 0)], anchors={spec: 500.0})
    assert t2[spec].elo == 500.0
    # no anchor in the data: the ratings are centred at 0
    t3 = fit_ratings(simulate_2p({"x": 0.0, "y": 100.0, "z": 300.0}, 20, seed=2))
    assert sum(r.elo for r in t3) == pytest.approx(0.0, abs=1e-3) and not any(r.anchored for r in t3)
    # a part of the graph that never met the anchor is centred at 0 on its own
    mixed = recs + simulate_2p({"p": 0.0, "q": 200.0}, 20, seed=3, run_id="other")
    t4 = fit_ratings(mixed)
    assert t4["p"].elo + t4["q"].elo == pytest.approx(0.0, abs=1e-3) and t4["q"].elo > t4["p"].elo
    assert t4["b"].elo == pytest.approx(t0["b"].elo, abs=0.5)  # only the shared seat advantage links them


def test_config_scoping_and_duplicates():
    a = simulate_2p({R: 0.0, "a": 100.0}, 20, seed=1, config_key="square8_2p", run_id="r1")
    b = simulate_2p({R: 0.0, "a": 300.0}, 20, seed=2, config_key="hex8_2p", run_id="r2")
    svc = EloService()
    with pytest.raises(ValueError, match="hex8_2p"):
        svc.ratings("square8_2p", a + b)
    with pytest.raises(ValueError, match="several configs"):
        fit_ratings(a + b)
    groups = svc.ratings_by_config(a + b)
    assert list(groups) == ["hex8_2p", "square8_2p"]
    assert groups["square8_2p"]["a"].elo == pytest.approx(svc.ratings("square8_2p", a)["a"].elo)
    assert ratings_by_config(a + b)["hex8_2p"]["a"].elo > groups["square8_2p"]["a"].elo
    # ingesting the same records twice changes nothing
    assert svc.ratings("square8_2p", a + a)["a"].elo == pytest.approx(svc.ratings("square8_2p", a)["a"].elo)
    assert svc.ratings("square8_2p", a + a).games == len(a)
    clash = record("square8_2p", [("zz", 1), (R, 2)], a[0].game_index, run_id=a[0].run_id)
    with pytest.raises(ValueError, match="twice"):
        svc.ratings("square8_2p", a + [clash])
    assert len(svc.ratings("square8_2p", [])) == 0


def test_service_helpers():
    assert get_elo_service() is get_elo_service()
    svc = get_elo_service({"evaluation": {"prior_draws": 2.0, "first_player_advantage": False}})
    assert svc.settings.prior_draws == 2.0 and not svc.settings.first_player_advantage
    assert EloService.expected_score(100, 100) == 0.5
    assert EloService.expected_score(400, 0) == pytest.approx(10 / 11)
    assert EloService.expected_score(0, 0, advantage=400) == pytest.approx(10 / 11)
    assert EloService.elo_difference(EloService.expected_score(123, 0)) == pytest.approx(123)
    t = fit_ratings(simulate_2p({R: 0.0, "a": 200.0, "b": 100.0}, 30, advantage=50, seed=7))
    assert t.expected_score("a", "b") == pytest.approx(EloService.expected_score(t["a"], t["b"]))
    assert t.expected_score("a", "b", a_seat1=True) > t.expected_score("a", "b")
    d, se = t.difference("a", "b")
    assert d == pytest.approx(t["a"].elo - t["b"].elo) and 0 < se < math.hypot(t["a"].stderr, t["b"].stderr) * 1.5
    assert t.difference("a", R) == (pytest.approx(t["a"].elo), pytest.approx(t["a"].stderr))
    rows = t.to_rows()
    assert rows[0]["spec_id"] == "a" and set(rows[0]) >= {"elo", "stderr", "games", "wins", "losses", "draws"}
    assert "random" in t.format()
    lo, hi = t["a"].ci95
    assert lo < t["a"].elo < hi
    labelled = fit_ratings(simulate_2p({R: 0.0, "a": 0.0}, 2), labels={"a": "Alice"})
    assert labelled["a"].label == "Alice"
