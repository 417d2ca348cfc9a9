"""engine.db.matches: player specs, the idempotent match log, rating snapshots."""

from __future__ import annotations

import pytest

from engine.db import (
    MatchRow,
    MatchSeat,
    RatingRow,
    UnknownPlayerSpec,
    count_matches,
    default_label,
    get_player_spec,
    latest_ratings,
    list_player_specs,
    matches_for,
    player_spec_id,
    rating_history,
    record_match,
    record_matches,
    save_ratings,
    spec_model_id,
    upsert_player_spec,
)
from tests.db.helpers import at

GUMBEL = {"kind": "gumbel", "model": "ab12cd34ef56aa", "simulations": 64}
HEUR = {"kind": "heuristic", "profile": "heuristic-v1"}
RANDOM = {"kind": "random"}


def _specs(s) -> tuple[str, str, str]:
    return upsert_player_spec(s, GUMBEL), upsert_player_spec(s, HEUR), upsert_player_spec(s, RANDOM, label="rnd")


def _match(mid: str, a: str, b: str, *, winner: int = 1, minutes: float = 0, source="gauntlet", run_id="run1"):
    ra, rb = (1, 2) if winner == 1 else (2, 1) if winner == 2 else (1, 1)
    sa, sb = {1: (1.0, 0.0), 2: (0.0, 1.0), 0: (0.5, 0.5)}[winner]
    return MatchRow(match_id=mid, config_key="square8_2p", source=source, run_id=run_id,
                    seats=(MatchSeat(1, a, ra, sa), MatchSeat(2, b, rb, sb)), created_at=at(minutes))


def test_player_specs(db):
    with db.session() as s:
        g, h, r = _specs(s)
        assert upsert_player_spec(s, dict(reversed(list(GUMBEL.items())))) == g  # key order does not matter
        assert upsert_player_spec(s, GUMBEL, label="ignored") == g
        assert g == player_spec_id(GUMBEL) != player_spec_id({**GUMBEL, "simulations": 128})
    with db.session(write=False) as s:
        spec = get_player_spec(s, g)
        assert (spec.spec, spec.label, spec.model_id) == (GUMBEL, "gumbel:ab12cd34ef56@64", "ab12cd34ef56aa")
        assert get_player_spec(s, r).label == "rnd"
        assert get_player_spec(s, h).model_id is None
        assert get_player_spec(s, "nope") is None
        assert [x.spec_id for x in list_player_specs(s, model_id="ab12cd34ef56aa")] == [g]
        assert {x.spec_id for x in list_player_specs(s)} == {g, h, r}
        assert [x.spec_id for x in list_player_specs(s, spec_ids=[h])] == [h]


def test_labels_and_model_ids():
    assert default_label(HEUR) == "heuristic:heuristic-v1"
    assert default_label({"kind": "puct", "evaluator": {"kind": "nn", "model": {"id": "ffee"}}, "visits": 8}) \
        == "puct:ffee@8"
    assert spec_model_id({"kind": "puct", "evaluator": {"model": "m1"}}) == "m1"
    assert spec_model_id({"model": {"model_id": "m2"}}) == "m2"
    assert spec_model_id(RANDOM) is None


def test_same_match_twice_from_two_hosts(db, other_host):
    with db.session() as s:
        g, h, _ = _specs(s)
        m = _match("gauntlet-run1:0", g, h)
        assert record_match(s, m)
        assert not record_match(s, m)
    with other_host.session() as s:  # the same results file synced to another host and ingested there
        assert not record_match(s, m)
        assert record_matches(s, [m, _match("gauntlet-run1:1", h, g, winner=2, minutes=1), m]) == (1, 2)
    with db.session(write=False) as s:
        rows = matches_for(s, "square8_2p")
        assert count_matches(s, "square8_2p") == 2
    assert rows[0] == m
    assert [r.match_id for r in rows] == ["gauntlet-run1:0", "gauntlet-run1:1"]
    assert [len(r.seats) for r in rows] == [2, 2]


def test_unknown_specs_and_bad_seats(db):
    with db.session() as s:
        g, h, _ = _specs(s)
    with pytest.raises(UnknownPlayerSpec):
        with db.session() as s:
            record_match(s, _match("m1", g, "0" * 64))
    with pytest.raises(ValueError, match="seat"):
        with db.session() as s:
            record_match(s, MatchRow("m2", "square8_2p", "gauntlet", (MatchSeat(1, g, 1, 1.0), MatchSeat(1, h, 2,
                                                                                                         0.0))))
    with pytest.raises(ValueError, match="no seats"):
        with db.session() as s:
            record_match(s, MatchRow("m3", "square8_2p", "gauntlet", ()))
    with db.session(write=False) as s:
        assert matches_for(s, "square8_2p") == []


def test_matches_for_filters(db):
    with db.session() as s:
        g, h, r = _specs(s)
        record_matches(s, [
            _match("a", g, h, minutes=0),
            _match("b", h, r, winner=0, minutes=1, source="tournament", run_id="t1"),
            _match("c", r, g, winner=2, minutes=2, source="promotion", run_id="p1"),
            MatchRow("d", "square8_3p", "gauntlet", (MatchSeat(1, g, 1, 1.0), MatchSeat(2, h, 2, 0.5),
                                                     MatchSeat(3, r, 3, 0.0)), created_at=at(3)),
        ])
    with db.session(write=False) as s:
        ids = lambda rows: [m.match_id for m in rows]  # noqa: E731
        assert ids(matches_for(s, "square8_2p")) == ["a", "b", "c"]
        assert ids(matches_for(s, "square8_2p", source="tournament")) == ["b"]
        assert ids(matches_for(s, "square8_2p", run_id="p1")) == ["c"]
        assert ids(matches_for(s, "square8_2p", since=at(0))) == ["b", "c"]
        assert ids(matches_for(s, "square8_2p", spec_id=r)) == ["b", "c"]
        three = matches_for(s, "square8_3p")[0]
        assert [(x.seat, x.rank, x.score) for x in three.seats] == [(1, 1, 1.0), (2, 2, 0.5), (3, 3, 0.0)]
        draw = matches_for(s, "square8_2p", source="tournament")[0]
        assert [x.rank for x in draw.seats] == [1, 1]
        assert count_matches(s, "square8_2p", source="gauntlet") == 1


def test_ratings(db):
    with db.session() as s:
        g, h, r = _specs(s)
        save_ratings(s, "square8_2p", [RatingRow(g, 1100.0, games=10, stderr=40.0), RatingRow(h, 1000.0, games=10)],
                     computed_at=at(0), generation=1)
        t1 = save_ratings(s, "square8_2p", [RatingRow(g, 1150.0, games=30, stderr=25.0),
                                            RatingRow(h, 1000.0, games=30), RatingRow(r, 600.0, games=20)],
                          computed_at=at(10), generation=2)
        # the same snapshot saved again (a retried step): nothing changes
        save_ratings(s, "square8_2p", [RatingRow(g, 9999.0, games=1)], computed_at=t1, generation=2)
        save_ratings(s, "hex8_2p", [RatingRow(g, 1.0, games=1)])
        with pytest.raises(UnknownPlayerSpec):
            save_ratings(s, "square8_2p", [RatingRow("nope", 1.0, games=1)])
    with db.session(write=False) as s:
        hist = rating_history(s, "square8_2p", g)
        assert [(x.rating, x.games, x.generation, x.computed_at) for x in hist] == [(1100.0, 10, 1, at(0)),
                                                                                    (1150.0, 30, 2, at(10))]
        assert hist[0].stderr == 40.0 and hist[0].config_key == "square8_2p"
        latest = latest_ratings(s, "square8_2p")
        assert [(x.player_spec_id, x.rating) for x in latest] == [(g, 1150.0), (h, 1000.0), (r, 600.0)]
        assert latest_ratings(s, "nothing") == []
        assert rating_history(s, "square8_2p", "nope") == []
