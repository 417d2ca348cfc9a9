"""Replay parity: the first diverging move of a game, its database row, the conformance vectors."""

from __future__ import annotations

import dataclasses

import pytest

from engine.analysis import check_game_parity, check_replay_parity, run_conformance
from engine.data import generate_games


@pytest.fixture(scope="module")
def recs():
    return generate_games("square8", 2, ["random", "random"], 2, seed=17) + \
        generate_games("hex8", 4, ["random"] * 4, 1, seed=4)


def test_good_games_pass_every_check(recs):
    rep = check_replay_parity(recs, deep=True)
    assert rep.ok and len(rep.games) == 3 and all(g.ok for g in rep.games)
    assert "parity: OK" in rep.format()


def test_the_first_diverging_move_is_named(recs):
    r = recs[0]
    mv = list(r.moves)
    mv[10], mv[11] = mv[11], mv[10]
    bad = dataclasses.replace(r, moves=tuple(mv))
    g = check_game_parity(bad)
    assert not g.ok and g.check == "record" and g.first_bad_ply is not None and g.first_bad_ply <= 11
    assert g.move == str(bad.moves[g.first_bad_ply])
    rep = check_replay_parity([bad, recs[1]])
    assert not rep.ok and len(rep.failed) == 1
    assert "First diverging move" in rep.format() and "FAILED" in rep.to_markdown()


def test_wire_format_divergence_is_found(monkeypatch, recs):
    import engine.game as game

    real = game.state_to_json

    def lossy(state):
        d = real(state)
        if state.move_count == 20:
            d["currentPlayer"] = 2 if d.get("currentPlayer") == 1 else 1
            d.pop("engine", None)
        return d

    monkeypatch.setattr(game, "state_to_json", lossy)
    g = check_game_parity(recs[0], deep=True)
    assert not g.ok and g.check == "wire" and g.first_bad_ply == 19
    assert check_game_parity(recs[0]).ok  # without --deep the wire format is not checked


def test_database_rows_and_quarantined_records(history):
    from engine.db import database_from_config
    from engine.storage import store_from_config

    db = database_from_config(history.cfg)
    try:
        ok_only = check_replay_parity(db, store=store_from_config(history.cfg))
        rep = check_replay_parity(db, store=store_from_config(history.cfg), include_quarantined=True)
        only = check_replay_parity(db, store=store_from_config(history.cfg), game_ids=[history.bad_game, "gnope"])
    finally:
        db.dispose()
    assert [g.game_id for g in ok_only.failed] == [history.tampered_game]
    bad = {g.game_id: g for g in rep.failed}
    assert set(bad) == {history.bad_game, history.tampered_game}
    assert bad[history.bad_game].check == "record" and bad[history.bad_game].first_bad_ply == 6
    assert bad[history.tampered_game].check == "database" and "winner" in bad[history.tampered_game].reason
    assert len(rep.games) == sum(len(v) for v in history.games.values()) + len(history.hex_games) + 2
    assert [g.check for g in only.games] == ["record", "load"]


def test_conformance_vectors(tmp_path):
    from engine.game.checks.conformance import default_folder, vectors_dir

    if not vectors_dir(default_folder()).is_dir():
        pytest.skip("no conformance vectors here")
    c = run_conformance()
    assert c.total > 0 and c.ok and c.trusted_passed == c.trusted
    rep = check_replay_parity([], conformance=True)
    assert rep.conformance is not None and rep.ok
    assert run_conformance(tmp_path) is None
    assert "no conformance vectors" in check_replay_parity([], conformance=tmp_path).notes[0]
