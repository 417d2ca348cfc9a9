"""Game statistics per config and generation."""

from __future__ import annotations

import dataclasses
import math

import pytest

from engine.analysis import analyze_game_statistics
from engine.analysis.stats import Distribution
from engine.data import generate_games
from engine.data.records import Decision, Outcome


@pytest.fixture(scope="module")
def recs():
    return generate_games("square8", 2, ["random", "random"], 6, seed=7)


def test_distribution():
    d = Distribution.of([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert (d.count, d.mean, d.median, d.min, d.max) == (10, 5.5, 5.5, 1, 10)
    assert d.p10 == pytest.approx(1.9) and d.p90 == pytest.approx(9.1)
    assert Distribution.of([]).count == 0 and math.isnan(Distribution.of([]).mean)


def test_counts_endings_and_first_seat(recs):
    st = analyze_game_statistics(recs)
    g = st.group("square8_2p")
    assert g.games == 6 and g.length.mean == pytest.approx(sum(len(r.moves) for r in recs) / 6)
    assert dict(g.endings) == dict(__import__("collections").Counter(r.outcome.victory_reason for r in recs))
    wins1 = sum(r.outcome.winner == 1 for r in recs)
    assert g.seat_wins[0] == wins1 and g.decided == 6
    assert g.first_seat_advantage == pytest.approx(wins1 / 6 - 0.5)
    lo, hi = g.first_seat_ci95
    assert lo <= wins1 / 6 <= hi
    assert sum(dict(g.move_mix).values()) == sum(len(r.moves) for r in recs)
    assert st.notes  # a single generation: no generation rows, a note instead
    assert [x.generation for x in st.groups] == ["all"]


def test_draws_caps_stalemates_and_generations(recs):
    capped = dataclasses.replace(recs[0], outcome=Outcome(None, (1, 1), "move_cap", capped=True))
    draw = dataclasses.replace(recs[1], outcome=Outcome(None, (1, 1), "stalemate"))
    st = analyze_game_statistics([capped, draw, *recs[2:]], generation_of=lambda r: 0 if r is capped else 1)
    g = st.group("square8_2p")
    assert (g.capped, g.draws, g.stalemates, g.decided) == (1, 1, 1, 4)
    assert dict(g.endings)["move_cap"] == 1
    assert [x.generation for x in st.groups] == ["all", "0", "1"]
    assert st.group("square8_2p", 1).games == 5


def test_search_statistics_from_decisions(recs):
    r = recs[0]
    d0 = r.decisions[0]
    # a decision whose policy puts 0.75 on the move played and whose root value is +0.5 for the chooser
    other = 0 if d0.chosen != 0 else 1
    idx = tuple(sorted({d0.chosen, other}))
    pol = tuple(0.75 if i == d0.chosen else 0.25 for i in idx)
    n = r.num_players
    dec = Decision(d0.ply, d0.player, d0.legal_count, d0.chosen, idx, pol, (0.5,) + (0.0,) * (n - 1), evaluated=32)
    rec = dataclasses.replace(r, decisions=(dec,))
    s = analyze_game_statistics([rec]).group("square8_2p").search
    assert s.decisions == 1 and s.with_stats == 1 and s.evaluated_mean == 32
    assert s.top_prob_mean == 0.75 and s.argmax_share == 1.0
    assert s.entropy_mean == pytest.approx(-(0.75 * math.log(0.75) + 0.25 * math.log(0.25)))
    final = 1.0 if r.outcome.winner == d0.player else -1.0
    assert s.value_mse == pytest.approx((0.5 - final) ** 2)


def test_tables_markdown_and_json(recs):
    st = analyze_game_statistics(recs + generate_games("hex8", 3, ["random"] * 3, 2, seed=3))
    text = st.format()
    for title in ("Games", "How games end", "Move mix", "Search"):
        assert title in text
    md = st.to_markdown()
    assert md.startswith("## Game statistics") and "| hex8_3p |" in md
    js = st.to_json()
    assert {g["config_key"] for g in js["groups"]} == {"square8_2p", "hex8_3p"}
    import json

    json.dumps(js, allow_nan=False)
    assert analyze_game_statistics([]).format() == "no games"
    assert analyze_game_statistics(recs, configs=["hex8_2p"]).groups == ()


def test_from_the_database_generations_are_lineage_depths(history):
    from engine.db import database_from_config
    from engine.storage import store_from_config

    db = database_from_config(history.cfg)
    try:
        st = analyze_game_statistics(db, store=store_from_config(history.cfg))
        assert [g.generation for g in st.groups if g.config_key == "square8_2p"] == ["all", "0", "1", "2"]
        for gen, games in history.games.items():  # + the good game with a bad row in generation 0
            assert st.group("square8_2p", gen).games == len(games) + (gen == 0)
        total = st.group("square8_2p").games
        assert total == sum(len(v) for v in history.games.values()) + 1  # + the good game with a bad row
        assert st.group("hex8_3p").games == len(history.hex_games)
        last = analyze_game_statistics(db, store=store_from_config(history.cfg), configs=["square8_2p"], last=3)
        assert last.group("square8_2p").games == 3 and last.configs() == ["square8_2p"]
        with pytest.raises(ValueError):
            analyze_game_statistics(db)
    finally:
        db.dispose()


def test_missing_shards_are_counted_not_fatal(history, tmp_path):
    from engine.db import database_from_config
    from engine.storage import open_store

    db = database_from_config(history.cfg)
    try:
        st = analyze_game_statistics(db, store=open_store(tmp_path / "empty"))
    finally:
        db.dispose()
    assert st.groups  # the shards' own URIs still find them
    assert st.skipped == 0
