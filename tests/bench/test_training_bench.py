"""bench/training.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "training.py"


def _run(tmp_path, *extra):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "tiny", "--device", "cpu", "--steps", "2",
                           "--warmup", "1", "--batch-size", "16", "--games", "3", "--cache", str(tmp_path / "cache"),
                           *extra], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_training_bench_last_line_is_json(tmp_path):
    data = _run(tmp_path)
    assert data["bench"] == "training" and data["board"] == "square8" and data["num_players"] == 2
    assert data["samples"] >= 16 and data["chunks"] >= 1 and data["dataset_cached"] is False
    assert (data["batch_size"], data["steps"], data["warmup"]) == (16, 2, 1)
    (r,) = data["results"]
    assert r["size"] == "tiny" and r["device"] == "cpu" and r["parameters"] > 0
    assert r["steps"] == 3 and r["timed_steps"] == 2
    for key in ("samples_per_s", "ms_per_step", "peak_memory_mb", "peak_memory_kind", "amp", "loss_first", "loss_last",
                "wall_s"):
        assert key in r
    assert r["samples_per_s"] > 0 and r["peak_memory_mb"] > 0
    # a second run reuses the cached dataset
    assert _run(tmp_path, "--no-augment")["dataset_cached"] is True
