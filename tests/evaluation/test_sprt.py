"""SPRT on pairs: bounds and formula, decisions, min/max games, error rates over simulated runs."""

from __future__ import annotations

import math
import random

import pytest

from engine.evaluation import PromotionSettings, SPRTState, llr_normal, sprt_bounds
from engine.evaluation.stats import expected_score


def _pair(rng, elo, draw=0.0):
    """Candidate scores in a colour-swapped pair of independent games at Elo advantage ``elo``."""
    p = expected_score(elo)
    out = []
    for _ in range(2):
        u = rng.random()
        out.append(0.5 if u < draw else 1.0 if u < draw + (1 - draw) * p else 0.0)
    return out


def _run(elo, seed, **kw):
    rng = random.Random(seed)
    st = SPRTState(**kw)
    while st.decision == "continue":
        st.update(_pair(rng, elo))
    return st


def test_bounds_and_formula():
    lo, hi = sprt_bounds(0.05, 0.05)
    assert lo == pytest.approx(-2.944438979) and hi == pytest.approx(2.944438979)
    assert sprt_bounds(0.05, 0.1) == (pytest.approx(math.log(0.1 / 0.95)), pytest.approx(math.log(0.9 / 0.05)))
    with pytest.raises(ValueError):
        sprt_bounds(0, 0.05)
    st = SPRTState(0, 40)
    pairs = [(1, 0), (1, 1), (0.5, 1), (0, 0), (1, 0.5)]
    for p in pairs:
        st.update_pair(*p)
    xs = [sum(p) / 2 for p in pairs]
    m = sum(xs) / len(xs)
    k = st.prior_blocks  # virtual blocks at the null variance 1/8 of a drawless pair
    var = (sum((x - m) ** 2 for x in xs) + k * 0.125) / (len(xs) + k)
    s0, s1 = 0.5, expected_score(40)
    assert st.llr == pytest.approx(len(xs) * (s1 - s0) * (2 * m - s0 - s1) / (2 * var))
    assert st.llr == pytest.approx(llr_normal(len(xs), m, var, s0, s1))
    assert st.pentanomial == (1, 0, 1, 2, 1) and st.games == 10 and st.pairs == 5
    assert st.mean == pytest.approx(m) and st.elo == pytest.approx(400 * math.log10(m / (1 - m)))
    lo, hi = st.elo_ci
    assert lo < st.elo < hi


def test_strong_accepts_equal_rejects():
    strong = _run(200, 1, elo0=0, elo1=40)
    assert strong.decision == "accept" and strong.llr >= strong.upper and strong.elo > 60
    equal = _run(0, 2, elo0=0, elo1=40)
    assert equal.decision == "reject" and equal.llr <= equal.lower
    weak = _run(-100, 3, elo0=0, elo1=40)
    assert weak.decision == "reject" and weak.pairs < equal.pairs + 200
    s = strong.summary()
    assert s.decision == "accept" and s.pairs == strong.pairs and s.games == 2 * strong.pairs
    assert s.to_json()["pentanomial"] == list(strong.pentanomial)
    with pytest.raises(RuntimeError):
        strong.update_pair(1, 1)


def test_error_rates_close_to_alpha_and_beta():
    runs = 300
    false_accepts = sum(_run(0, 10_000 + k, elo0=0, elo1=60).decision == "accept" for k in range(runs))
    false_rejects = sum(_run(60, 20_000 + k, elo0=0, elo1=60).decision == "reject" for k in range(runs))
    # nominal 5% each (the normal approximation gives ~5-6.5% over thousands of runs); the binomial
    # sd over 300 runs is ~1.3%
    assert false_accepts / runs < 0.10 and false_rejects / runs < 0.10
    assert false_accepts + false_rejects > 0  # not degenerate (an always-continue test would pass the above)
    # far from the hypotheses the test is practically always right
    assert sum(_run(200, 30_000 + k, elo0=0, elo1=60).decision == "accept" for k in range(50)) == 50
    assert sum(_run(-150, 40_000 + k, elo0=0, elo1=60).decision == "reject" for k in range(50)) == 50


def test_draws_and_variance_floor():
    rng = random.Random(4)
    st = SPRTState(0, 40)
    while st.decision == "continue":
        st.update(_pair(rng, 120, draw=0.4))
    assert st.decision == "accept" and any(st.counts.get(k, 0) for k in (0.5, 1.5))
    # identical blocks: the prior blocks keep the variance positive, and equal play is rejected
    same = SPRTState(0, 40)
    while same.decision == "continue":
        same.update_pair(1, 0)
    assert same.decision == "reject" and 20 < same.pairs < 100
    assert same.variance == pytest.approx(same.prior_blocks * 0.125 / (same.pairs + same.prior_blocks))
    bare = SPRTState(0, 40, prior_blocks=0)
    bare.update_pair(1, 0)
    assert bare.variance == bare.var_floor and math.isfinite(bare.llr)


def test_min_and_max_games():
    st = SPRTState(0, 40, min_games=40)
    for _ in range(19):
        assert st.update_pair(1, 1) == "continue"  # overwhelming, but below min_games
    assert st.update_pair(1, 1) == "accept" and st.games == 40
    rng = random.Random(5)
    st = SPRTState(0, 40, max_games=20)
    while st.decision == "continue":
        st.update(_pair(rng, 20))
    assert st.decision == "inconclusive" and st.games == 20 and st.lower < st.llr < st.upper
    assert SPRTState.from_settings(PromotionSettings(elo1=30, min_games=4, max_games=8)).max_games == 8


def test_multiplayer_blocks_and_validation():
    st = SPRTState(0, 40)
    st.update([1.0, 2 / 3, 0.0])  # a 3-player block: candidate in seats 1, 2, 3
    assert st.block_size == 3 and st.games == 3 and st.pentanomial[3] == 1 and len(st.pentanomial) == 7
    with pytest.raises(ValueError):
        st.update([1.5, 0])
    with pytest.raises(ValueError):
        SPRTState(40, 0)
