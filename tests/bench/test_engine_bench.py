"""bench/engine.py runs with a tiny budget and ends with one JSON line holding the expected keys.
No timing assertions: only the shape of the output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "engine.py"

CONFIG_KEYS = {"games", "moves", "decisions", "seconds", "games_per_s", "moves_per_s", "legal_calls",
               "legal_calls_per_s", "apply_calls", "apply_calls_per_s", "mean_moves_per_game", "end_reasons",
               "reference_moves_per_s", "ratio_to_reference", "inplace"}


def run(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) > 1, proc.stdout  # a human table before the JSON
    return json.loads(lines[-1]), lines


def test_bench_last_line_is_json_with_expected_keys():
    data, lines = run("--configs", "square8_2p,hex8_3p", "--games", "1", "--seed", "4")
    assert data["bench"] == "engine"
    assert set(data["configs"]) == {"square8_2p", "hex8_3p"}
    for name, r in data["configs"].items():
        assert CONFIG_KEYS <= set(r), (name, sorted(r))
        assert r["games"] == 1 and r["moves"] > 0 and r["legal_calls"] == r["moves"] == r["apply_calls"]
        if r["inplace"] is not None:
            assert r["inplace"]["moves"] > 0 and "apply_calls_per_s" in r["inplace"]
    assert data["configs"]["square8_2p"]["reference_moves_per_s"] == 442
    assert data["configs"]["hex8_3p"]["reference_moves_per_s"] is None
    assert any("square8_2p" in line for line in lines[:-1])


def test_bench_time_budget_and_other_cwd(tmp_path):
    data, _ = run("--configs", "hex8_2p", "--seconds", "0.2", "--no-inplace", cwd=tmp_path)
    r = data["configs"]["hex8_2p"]
    assert r["inplace"] is None and r["moves"] > 0
    assert data["seconds_per_config"] == 0.2
