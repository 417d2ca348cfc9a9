"""bench/search.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "search.py"


def test_search_bench_last_line_is_json(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--games", "2", "--mcts-sims", "4", "--gumbel-sims", "4",
                           "--speed-positions", "2", "--seed", "3", "--max-moves", "600"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) > 1
    data = json.loads(lines[-1])
    assert data["bench"] == "search" and data["seed"] == 3 and data["games"] == 2
    assert data["mcts_simulations"] == 4 and data["gumbel_simulations"] == 4
    for k in ("mcts", "gumbel"):
        s = data["speed"][k]
        assert {"positions", "simulations", "seconds", "simulations_per_s"} <= set(s)
        assert s["positions"] == 2 and s["simulations"] == 8
        w = data["winrate"][k]
        assert {"games", "wins", "heuristic_wins", "draws", "win_rate", "wins_by_seat", "games_by_seat"} <= set(w)
        assert w["games"] == 2 and w["games_by_seat"] == [1, 1]
        assert w["wins"] + w["heuristic_wins"] + w["draws"] == 2
