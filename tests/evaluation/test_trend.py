"""Elo per generation for plotting."""

from __future__ import annotations

import pytest

from engine.evaluation import RANDOM_SPEC_ID, elo_trend, get_elo_service

from .helpers import simulate_2p

R = RANDOM_SPEC_ID


def _gens():
    return {0: simulate_2p({R: 0.0, "g0": 100.0}, 20, seed=0, run_id="g0"),
            1: simulate_2p({R: 0.0, "g0": 100.0, "g1": 250.0}, 10, seed=1, run_id="g1"),
            2: simulate_2p({"g1": 250.0, "g2": 400.0}, 10, seed=2, run_id="g2")}


def test_cumulative_trend_rows():
    rows = elo_trend("square8_2p", _gens(), labels={"g0": "gen 0"})
    gens = [r.generation for r in rows]
    assert gens == sorted(gens) and set(gens) == {0, 1, 2}
    by = {(r.generation, r.spec_id): r for r in rows}
    assert set(by) == {(0, R), (0, "g0"), (1, R), (1, "g0"), (1, "g1"), (2, R), (2, "g0"), (2, "g1"), (2, "g2")}
    assert by[(0, "g0")].label == "gen 0" and by[(0, R)].anchored and by[(0, R)].elo == 0
    assert by[(1, "g0")].games > by[(0, "g0")].games  # evidence accumulates
    assert by[(2, "g2")].elo > by[(2, "g1")].elo > by[(2, "g0")].elo
    row = rows[0].to_row()
    assert set(row) == {"generation", "spec_id", "label", "elo", "stderr", "games", "anchored"}


def test_per_generation_and_tracking():
    rows = elo_trend("square8_2p", _gens(), cumulative=False, track=["g1"])
    assert [(r.generation, r.spec_id) for r in rows] == [(1, "g1"), (2, "g1")]
    # generation 2 alone has no anchor: centred at 0
    g2 = elo_trend("square8_2p", {2: _gens()[2]}, cumulative=False)
    assert sum(r.elo for r in g2) == pytest.approx(0, abs=1e-3)
    svc = get_elo_service()
    assert svc.trend("square8_2p", _gens()) == elo_trend("square8_2p", _gens())
    assert elo_trend("square8_2p", {0: []}) == []
