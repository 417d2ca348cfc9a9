"""The soak harness: a small soak is clean, statistics add up, failures are captured with the seed and
move index needed to reproduce them, and the CLI prints a table and a final JSON line."""

from __future__ import annotations

import json

import pytest

import engine.game.checks.soak as soak_mod
from engine.game.checks.soak import (
    ALL_CONFIGS,
    REFERENCE,
    format_table,
    main,
    parse_config,
    parse_configs,
    play_game,
    soak,
)


def test_small_soak_is_clean():
    report = soak(["square8_2p", "hex8_3p"], games_per_config=2, seed=11, check_json_every=10, workers=1)
    assert report.ok, format_table(report)
    assert report.violations == 0 and report.exceptions == 0 and report.unfinished == 0
    assert report.failures == []
    for name in ("square8_2p", "hex8_3p"):
        c = report.configs[name]
        assert c.games == 2 and c.finished == 2
        assert c.moves >= c.decisions > 0
        assert sum(c.reasons.values()) == 2
        assert abs(sum(c.reason_shares().values()) - 1.0) < 1e-9
        assert c.min_moves <= c.mean_moves <= c.max_moves
    table = format_table(report)
    assert "square8_2p" in table and "hex8_3p" in table
    assert str(REFERENCE["square8_2p"]["moves_per_game"]) in table


def test_soak_with_worker_processes_matches_inline():
    a = soak(["square8_3p"], games_per_config=3, seed=5, workers=1, check_json_every=0, check_replay=False)
    b = soak(["square8_3p"], games_per_config=3, seed=5, workers=2, check_json_every=0, check_replay=False)
    assert b.ok
    ca, cb = a.configs["square8_3p"], b.configs["square8_3p"]
    assert (ca.moves, ca.decisions, ca.reasons, ca.winners) == (cb.moves, cb.decisions, cb.reasons, cb.winners)


def test_play_game_is_reproducible():
    r1 = play_game("hex8", 2, 1234)
    r2 = play_game("hex8", 2, 1234)
    assert (r1.moves, r1.decisions, r1.reason, r1.winner, r1.move_types) == \
        (r2.moves, r2.decisions, r2.reason, r2.winner, r2.move_types)
    assert r1.finished and r1.violations == 0 and r1.exceptions == 0
    assert r1.decisions == r1.moves - sum(k for t, k in r1.move_types.items() if t.startswith("no_"))


def test_violations_are_captured_with_seed_and_move(monkeypatch):
    calls = {"n": 0}

    def fake_check(state, previous=None, **kw):
        calls["n"] += 1
        return ["conservation: player 1: injected"] if state.move_count == 7 else []

    monkeypatch.setattr("engine.game.checks.invariants.check_invariants", fake_check)
    r = play_game("square8", 2, 99, config="square8_2p")
    assert calls["n"] > 7
    assert r.violations >= 1 and r.exceptions == 0
    f = r.failures[0]
    assert (f.config, f.game_seed, f.move_index, f.kind) == ("square8_2p", 99, 6, "violation")
    assert f.move and f.move_json and f.move_json["type"]
    assert "injected" in str(f) and "seed 99" in str(f)


def test_exceptions_are_captured(monkeypatch):
    import engine.game as eg

    real = eg.apply_move

    def flaky(state, move):
        if state.move_count == 3:
            raise RuntimeError("boom")
        return real(state, move)

    monkeypatch.setattr(eg, "apply_move", flaky)
    report = soak(["square8_2p"], games_per_config=1, seed=3, workers=1)
    assert not report.ok and report.exceptions == 1
    f = report.failures[0]
    assert f.kind == "exception" and f.move_index == 3 and f.game_seed == 3
    assert "RuntimeError: boom" in f.messages[0]


def test_unfinished_games_are_reported():
    r = play_game("square8", 2, 0, max_moves=10)
    assert not r.finished and r.moves == 10
    assert r.failures and r.failures[0].kind == "unfinished"


def test_parse_configs():
    assert parse_configs("all") == list(ALL_CONFIGS) and len(ALL_CONFIGS) == 12
    assert parse_configs("square8_2p, hexagonal_4p") == ["square8_2p", "hexagonal_4p"]
    assert parse_config("hex8_3p") == ("hex8", 3)
    for bad in ("square8", "square9_2p", "hex8_5p", "hex8_2"):
        with pytest.raises(ValueError):
            parse_config(bad)


def test_main_prints_table_and_json_last(capsys):
    rc = main(["--games", "1", "--configs", "square8_4p,hex8_2p", "--workers", "1", "--quiet", "--seed", "2"])
    out = capsys.readouterr().out.strip().splitlines()
    assert rc == 0
    data = json.loads(out[-1])
    assert data["ok"] is True and data["violations"] == 0 and data["exceptions"] == 0
    assert set(data["configs"]) == {"square8_4p", "hex8_2p"}
    c = data["configs"]["hex8_2p"]
    for key in ("games", "moves", "mean_moves", "mean_decisions", "reason_shares", "seconds", "mean_move_types",
                "reference"):
        assert key in c
    assert any(line.startswith("square8_4p") for line in out[:-1])


def test_reference_table_keys():
    for name, ref in REFERENCE.items():
        assert name in ALL_CONFIGS
        assert ref["moves_per_game"] > ref["decisions_per_game"] > 0
        if ref["reasons"]:
            assert abs(sum(ref["reasons"].values()) - 1.0) < 0.02
    assert soak_mod.DEFAULT_MAX_MOVES > 5000


def test_rules_options_reach_the_games():
    report = soak(["square8_2p"], games_per_config=1, seed=1, workers=1, rules={"early_lps": True})
    assert report.ok and report.rules == {"early_lps": True}
    assert report.to_json()["rules"] == {"early_lps": True}
