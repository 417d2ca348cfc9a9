"""bench/network.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "network.py"


def test_network_bench_last_line_is_json(tmp_path):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--batches", "1,4", "--seconds", "0.05", "--lockstep", "1,3",
                           "--sims", "4", "--considered", "2", "--moves", "8", "--device", "cpu"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    data = json.loads(lines[-1])
    assert data["bench"] == "network" and data["size"] == "tiny" and data["device"] == "cpu"
    assert [r["batch"] for r in data["forward"]] == [1, 4]
    assert [r["lockstep"] for r in data["selfplay"]] == [1, 3]
    assert all(r["decisions"] > 0 and r["positions_per_s"] > 0 for r in data["selfplay"])
    assert data["best_lockstep"] in (1, 3) and data["best_forward_batch"] in (1, 4)
