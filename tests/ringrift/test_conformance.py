"""`ringrift conformance`: exit status 2 for a missing folder, 0 when the trusted vectors pass."""

from __future__ import annotations

import pytest

from engine.game.checks import conformance
from ringrift import cli


def test_missing_folder_is_reported(tmp_path, capsys):
    assert cli.main(["conformance", str(tmp_path / "absent")]) == 2
    assert "not found" in capsys.readouterr().err


def test_trusted_vectors_pass_through_the_cli(capsys):
    folder = conformance.default_folder()
    if not conformance.vectors_dir(folder).is_dir():
        pytest.skip(f"conformance data not present at {folder}")
    assert cli.main(["conformance"]) == 0
    out = capsys.readouterr().out
    assert "trusted 56/56 pass" in out
