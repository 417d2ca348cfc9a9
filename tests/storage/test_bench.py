"""bench/storage.py runs with a tiny budget and ends with one JSON line (shape only, no timings)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.storage.helpers import ROOT


def test_bench_last_line_is_json():
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "storage.py"), "--objects", "1", "--mib", "0.1",
                           "--swaps", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    data = json.loads(lines[-1])
    assert data["bench"] == "storage" and set(data["backends"]) == {"file", "memory"}
    for r in data["backends"].values():
        assert r["put_bytes_mib_s"] > 0 and r["swaps_per_s"] > 0 and r["sync_mib_s"] > 0
    assert lines[0].startswith("backend")
