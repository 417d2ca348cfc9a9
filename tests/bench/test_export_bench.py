"""bench/export.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output (and the cache being reused on a second run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "export.py"


def _run(tmp_path, *extra):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--games", "4", "--shard-games", "2", "--max-moves", "400",
                           "--cache-dir", str(tmp_path / "cache"), *extra],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) > 1
    return lines, json.loads(lines[-1])


def test_export_bench_last_line_is_json(tmp_path):
    lines, data = _run(tmp_path)
    assert data["bench"] == "export" and data["board"] == "square8" and data["num_players"] == 2
    assert data["games"] == 4 and data["shards"] == 2 and data["ok"] is True
    assert {"samples", "positions", "merged", "cpu_seconds", "wall_seconds", "samples_per_s_per_core",
            "positions_per_s_per_core", "peak_rss_mb", "target_samples_per_s", "met", "bytes_per_sample"} <= set(data)
    assert data["samples"] > 0 and data["samples"] + data["merged"] == data["positions"]
    assert data["target_samples_per_s"] == 5000 and data["generation_seconds"] is not None
    _, again = _run(tmp_path, "--no-dedup")
    assert again["generation_seconds"] is None and again["merged"] == 0  # cached games reused
    assert again["samples"] == data["positions"]
