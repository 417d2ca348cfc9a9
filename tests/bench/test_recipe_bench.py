"""bench/recipe.py: data -> train -> selfplay -> train -> eval on a few games, each step's JSON read back."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path, *args) -> list[dict]:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "recipe.py"), *args, "--work", str(tmp_path / "w")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [json.loads(x) for x in proc.stdout.strip().splitlines() if x.startswith("{")]


def test_recipe_steps(tmp_path):
    (d,) = _run(tmp_path, "data", "--name", "d", "--games", "12", "--target", "choice")
    assert d["games"] == 12 and d["samples"]["train"] > 0 and d["profile"] == "heuristic_v2"
    (t,) = _run(tmp_path, "train", "--name", "r0", "--data", "d", "--reuse", "1", "--batch-size", "32")
    assert t["steps"] == max(1, round(t["samples"] / 32))
    (s,) = _run(tmp_path, "selfplay", "--name", "g1", "--init", "r0", "--games", "2", "--sims", "2")
    assert s["games"] == 2 and s["samples"]["train"] + s["samples"]["val"] > 0
    (t1,) = _run(tmp_path, "train", "--name", "r1", "--init", "r0", "--data", "d,g1", "--reuse", "1",
                 "--batch-size", "32")
    assert t1["init"] == "r0" and t1["samples"] > t["samples"]
    rows = _run(tmp_path, "eval", "--name", "r1", "--players-list", "policy", "--vs", "random,policy@r0",
                "--games", "4")
    assert [(r["player"], r["opponent"], r["games"]) for r in rows] == [("policy", "random", 4),
                                                                        ("policy", "policy@r0", 4)]
    for r in rows:
        assert 0 <= r["ci"][0] <= r["score"] <= r["ci"][1] <= 1
    assert len((tmp_path / "w" / "results.jsonl").read_text().splitlines()) == 2
    # a step whose output exists is not run again
    assert _run(tmp_path, "train", "--name", "r0", "--data", "d", "--reuse", "1", "--batch-size", "32") == [t]
