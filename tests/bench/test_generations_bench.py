"""bench/generations.py runs one tiny generation and ends with one JSON line (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generations_bench_last_line_is_json(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "generations.py"), "--generations", "1", "--games", "4",
                           "--sims", "4", "--epochs", "1", "--gauntlet-games", "2", "--promotion-max-games", "20",
                           "--home", str(tmp_path / "home")], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["bench"] == "generations" and len(data["generations"]) == 1
    g = data["generations"][0]
    assert g["selfplay_engine"] == "heuristic" and g["init"] == "scratch" and g["steps"] >= 1
    assert 0 <= g["vs_random"] <= 1 and 0 <= g["vs_heuristic"] <= 1
    assert g["promotion"] in ("accept", "reject", "inconclusive")
