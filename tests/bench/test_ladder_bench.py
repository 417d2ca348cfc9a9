"""bench/ladder.py: a tiny real ladder in its own home; the JSON line is last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ladder_bench_runs_and_prints_json_last(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("RINGRIFT_DB_URL", "RINGRIFT_STORE_URL",
                                                            "RINGRIFT_CONFIG_PATH")}
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "ladder.py"), "--home", str(tmp_path / "var"),
                        "--players", "random,heuristic_v1,heuristic_v2", "--games", "8",
                        "--out", str(tmp_path / "l.png"), "--quiet"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = p.stdout.strip().splitlines()
    res = json.loads(lines[-1])
    assert res["config_key"] == "square8_2p" and 0 < res["new_games"] <= 8 and res["wall_seconds"] > 0
    assert {x["player"] for x in res["players"]} == {"random", "heuristic_v1", "heuristic_v2"}
    assert any(line.startswith("player ") for line in lines)
    assert (tmp_path / "l.png").stat().st_size > 0
    assert (tmp_path / "var" / "forge.db").exists()  # the match log of --home, not the repository's var/
