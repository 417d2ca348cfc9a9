"""bench/players.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output (and the Wilson interval arithmetic)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "players.py"


def _run(tmp_path, *args):
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) > 1
    return json.loads(lines[-1])


def test_players_bench_last_line_is_json(tmp_path):
    data = _run(tmp_path, "--games", "2", "--speed-games", "1", "--seeds", "3,4", "--clock", "cpu")
    assert data["bench"] == "players" and data["profile"] == "heuristic-v2" and data["seeds"] == [3, 4]
    assert data["clock"] == "cpu"
    assert {"winrate", "speed", "targets", "met"} <= set(data)
    w, s = data["winrate"], data["speed"]
    assert {"games", "heuristic_wins", "random_wins", "draws", "win_rate", "wilson95", "min_seed_win_rate",
            "heuristic_wins_by_seat", "heuristic_games_by_seat", "moves_per_s", "per_seed"} <= set(w)
    assert w["games"] == 4 and w["heuristic_games_by_seat"] == [2, 2]
    assert w["heuristic_wins"] + w["random_wins"] + w["draws"] == 4
    lo, hi = w["wilson95"]
    assert 0 <= lo <= w["win_rate"] <= hi <= 1
    assert [p["seed"] for p in w["per_seed"]] == [3, 4]
    for p in w["per_seed"]:
        assert p["games"] == 2 and p["heuristic_games_by_seat"] == [1, 1]
        assert p["heuristic_wins"] + p["random_wins"] + p["draws"] == 2
        assert p["wilson95"][0] <= p["win_rate"] <= p["wilson95"][1]
    assert w["min_seed_win_rate"] == min(p["win_rate"] for p in w["per_seed"])
    assert {"games", "moves", "decisions", "seconds", "moves_per_s", "moves_per_s_wall", "moves_per_s_cpu",
            "reference_moves_per_s", "ratio_to_reference", "clock"} <= set(s)
    assert s["games"] == 1 and s["moves"] > 0 and s["reference_moves_per_s"] == 21 and s["clock"] == "cpu"
    assert data["targets"] == {"win_rate": 0.95, "moves_per_s": 2100}
    assert set(data["met"]) == {"win_rate", "moves_per_s"}
    assert data["met"]["win_rate"] == (w["min_seed_win_rate"] >= 0.95)


def test_players_bench_single_seed_and_profile(tmp_path):
    data = _run(tmp_path, "--games", "2", "--speed-games", "1", "--seed", "5", "--profile", "heuristic_v1")
    assert data["seeds"] == [5] and data["profile"] == "heuristic-v1" and data["clock"] == "wall"
    assert data["winrate"]["games"] == 2 and len(data["winrate"]["per_seed"]) == 1


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_players", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_wilson_interval():
    wilson = _bench_module().wilson
    assert wilson(0, 0) is None
    lo, hi = wilson(192, 200)
    assert lo == pytest.approx(0.9231, abs=1e-3) and hi == pytest.approx(0.9796, abs=1e-3)
    lo, hi = wilson(200, 200)
    assert hi == pytest.approx(1.0) and lo == pytest.approx(0.9812, abs=1e-3)
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and 0 < hi < 0.35
