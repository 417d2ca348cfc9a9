"""bench/evaluation.py runs with a tiny budget and ends with one JSON line holding the expected keys.
(Here rather than in tests/bench/ because that folder belongs to another owner.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "evaluation.py"


def test_evaluation_bench_last_line_is_json(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--players", "5", "--games", "400", "--sprt-runs", "10",
                           "--gauntlet-games", "2"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert data["bench"] == "evaluation"
    assert data["elo"]["players"] == 5 and data["elo"]["rms_z"] > 0
    assert data["sprt"]["runs"] == 10 and 0 <= data["sprt"]["false_accept"] <= 1
    assert data["gauntlet"]["games"] == 4 and [r["opponent"] for r in data["gauntlet"]["rows"]] == ["random", "mcts-16"]
