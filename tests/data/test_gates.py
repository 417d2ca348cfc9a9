"""Quality gates: each one passes on sane data and fails, with a reason, when it should."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.data import GateConfig, WindowStats, evaluate_gates


def sane(**kw) -> WindowStats:
    st = WindowStats(games=100, lengths=[120 + i % 20 for i in range(100)], no_winner=5, stalemates=2, capped=1,
                     encoder_versions=Counter({"rr-enc-1": 100}))
    for k, v in kw.items():
        setattr(st, k, v)
    return st


def test_all_pass():
    rep = evaluate_gates(sane())
    assert rep.ok and rep.summary() == "all gates passed" and not rep.failed()
    assert [g.name for g in rep.gates] == ["min_games", "parity_failures", "game_length", "draw_share",
                                           "stalemate_share", "capped_share", "encoder_version"]
    assert rep["game_length"].value == pytest.approx(129.5)
    assert rep.to_json()["ok"] is True


@pytest.mark.parametrize("stats,cfg,gate,words", [
    (dict(), GateConfig(min_games=200), "min_games", "100 new games, at least 200 needed"),
    (dict(new_games=3), GateConfig(min_games=10), "min_games", "3 new games"),
    (dict(parity_failed=5, lengths=[100] * 95), GateConfig(), "parity_failures", "5 parity failures"),
    (dict(malformed=4), GateConfig(max_parity_fail_share=0.02), "parity_failures", "4 malformed lines in 104"),
    (dict(lengths=[5] * 100), GateConfig(), "game_length", "mean 5.0 moves < 10.0"),
    (dict(), GateConfig(max_mean_moves=100), "game_length", "mean 129.5 moves > 100"),
    (dict(lengths=[3] + [130] * 99), GateConfig(min_game_moves=20), "game_length", "shortest game 3 moves < 20"),
    (dict(), GateConfig(max_game_moves=130), "game_length", "longest game 139 moves > 130"),
    (dict(no_winner=60), GateConfig(), "draw_share", "60 games without a winner of 100"),
    (dict(stalemates=30), GateConfig(max_stalemate_share=0.2), "stalemate_share", "30 stalemates"),
    (dict(capped=10), GateConfig(), "capped_share", "10 move-capped games of 100"),
    (dict(encoder_versions=Counter({"rr-enc-1": 90, "rr-enc-0": 10})), GateConfig(), "encoder_version",
     "10 record(s): encoder version mismatch"),
])
def test_each_gate_fails(stats, cfg, gate, words):
    rep = evaluate_gates(sane(**stats), cfg)
    assert not rep.ok
    assert [g.name for g in rep.failed()] == [gate]
    assert words in rep[gate].reason and gate in rep.summary()


def test_no_clean_games():
    rep = evaluate_gates(WindowStats(games=3, parity_failed=3))
    assert not rep.ok
    assert {g.name for g in rep.failed()} >= {"min_games", "parity_failures", "game_length", "draw_share"}
    assert "no parity-clean game" in rep["game_length"].reason
    empty = evaluate_gates(WindowStats(), GateConfig(min_games=0))
    assert empty.ok
