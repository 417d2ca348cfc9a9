"""The `ringrift` dispatcher: subcommands registered, help, version, unknown commands."""

from __future__ import annotations

import pytest

from ringrift import cli


def test_every_registered_subcommand_builds_its_parser():
    parser = cli.build_parser()
    for name in cli.SUBCOMMANDS:
        args = parser.parse_args([name] if name != "demo" else [name, "--games", "1"])
        assert callable(args._run)


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "soak", "conformance"):
        assert name in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
