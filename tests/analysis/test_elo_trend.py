"""Ratings per generation: the table, the headline series, the plot."""

from __future__ import annotations

import json

import pytest

from engine.analysis import track_elo_improvement
from engine.analysis.elo_trend import Z95, elo_trend_from_records
from engine.evaluation import RANDOM_SPEC, MatchRecord


def test_from_the_database(history, tmp_path):
    import matplotlib.image as mpimg

    from engine.db import database_from_config

    db = database_from_config(history.cfg)
    try:
        rep = track_elo_improvement(db, out=tmp_path / "elo.png")
        per = track_elo_improvement(db, configs=["square8_2p"], cumulative=False)
        none = track_elo_improvement(db, configs=["hex8_2p"])
    finally:
        db.dispose()
    series = rep.series["square8_2p"]
    assert [p.generation for p in series] == [1, 2]
    assert [p.model_id for p in series] == [history.m1, history.m2]
    assert all(p.champion for p in series)
    assert series[1].elo > series[0].elo > 0  # the synthetic log: gen 2 beats gen 1 beats random
    assert all(p.stderr > 0 for p in series)
    anchor = [p for p in rep.points if p.spec_id == history.spec_ids["random"]]
    assert anchor and all(p.elo == 0 and p.anchored for p in anchor)
    # cumulative: generation 2's fit has every match; per generation: only generation 2's
    assert series[1].games == 80 and per.series["square8_2p"][0].games == 40
    img = mpimg.imread(rep.plot_path)
    assert img.shape[0] > 200 and img.shape[1] > 300
    text = rep.format(all_points=True)
    assert "gen2" in text and "Every rating" in text and "plot:" in text
    assert "| square8_2p | 2 |" in rep.to_markdown()
    assert "data:image/png;base64," in rep.to_markdown(embed_plot=True)
    js = rep.to_json()
    json.dumps(js, allow_nan=False)
    lo, hi = js["series"]["square8_2p"][0]["ci95"]
    assert hi - lo == pytest.approx(2 * Z95 * series[0].stderr, abs=1e-2)
    assert none.points == () and "no rated matches" in none.format()


def _rec(i, a, b, a_wins, gen):
    first, second = (a, b) if i % 2 == 0 else (b, a)
    win = a if a_wins else b
    return MatchRecord(f"x{gen}-{i}", "hex8_2p", ((first, 1 if first == win else 2), (second,
                                                                                      1 if second == win else 2)),
                       "gauntlet", "r", i, 50, "ring_elimination", "2026-01-01T00:00:00+00:00")


def test_from_plain_records_headline_is_the_newcomer():
    r = RANDOM_SPEC.spec_id
    g1 = [_rec(i, "A", r, i % 4 != 0, 1) for i in range(24)]
    g2 = [_rec(i, "B", "A", i % 3 != 0, 2) for i in range(24)]
    rep = elo_trend_from_records({"hex8_2p": {1: g1, 2: g2}}, labels={"A": "A", "B": "B"})
    assert [p.spec_id for p in rep.series["hex8_2p"]] == ["A", "B"]
    at2 = {p.spec_id: p.elo for p in rep.points if p.generation == 2}
    assert at2["B"] > at2["A"] > at2[r] == 0
    rep2 = track_elo_improvement({"hex8_2p": {1: g1, 2: g2}, "square8_2p": {}}, configs=["hex8_2p"])
    assert rep2.configs() == ["hex8_2p"]


def test_plot_without_points(tmp_path):
    rep = elo_trend_from_records({})
    p = rep.plot(tmp_path / "empty.png")
    assert p.is_file()
