"""`ringrift soak`: forwards to the engine's soak runner; exit status reflects the invariants."""

from __future__ import annotations

import json

from ringrift import cli


def test_soak_subcommand_runs_and_ends_with_json(capsys):
    assert cli.main(["soak", "--games", "1", "--configs", "hex8_2p", "--quiet", "--workers", "1"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    report = json.loads(last)
    assert report["ok"] is True and report["games"] == 1 and report["violations"] == 0
