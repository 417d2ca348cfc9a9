"""bench/players.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "players.py"


def test_players_bench_last_line_is_json(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--games", "2", "--speed-games", "1", "--seed", "3"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) > 1
    data = json.loads(lines[-1])
    assert data["bench"] == "players" and data["profile"] == "heuristic-v1" and data["seed"] == 3
    assert {"winrate", "speed", "targets", "met"} <= set(data)
    w, s = data["winrate"], data["speed"]
    assert {"games", "heuristic_wins", "random_wins", "draws", "win_rate", "heuristic_wins_by_seat",
            "heuristic_games_by_seat", "moves_per_s"} <= set(w)
    assert w["games"] == 2 and w["heuristic_games_by_seat"] == [1, 1]
    assert w["heuristic_wins"] + w["random_wins"] + w["draws"] == 2
    assert {"games", "moves", "decisions", "seconds", "moves_per_s", "reference_moves_per_s",
            "ratio_to_reference"} <= set(s)
    assert s["games"] == 1 and s["moves"] > 0 and s["reference_moves_per_s"] == 21
    assert data["targets"] == {"win_rate": 0.95, "moves_per_s": 2100}
    assert set(data["met"]) == {"win_rate", "moves_per_s"}
