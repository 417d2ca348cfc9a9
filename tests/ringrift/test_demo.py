"""`ringrift demo`: complete games on each requested board, a row per game, deterministic per seed."""

from __future__ import annotations

import pytest

from ringrift import cli


def _rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if line.split() and line.split()[0] in
            ("square8", "square19", "hex8", "hexagonal")]


def test_demo_plays_complete_games_and_reports_how_each_ended(capsys):
    assert cli.main(["demo", "--games", "2", "--boards", "square8,hex8", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert [r[0] for r in rows] == ["square8", "square8", "hex8", "hex8"]
    for row in rows:
        assert int(row[3]) > 0  # moves
        assert row[4] in ("1", "2", "-")  # winner
        assert row[5] in ("ring_elimination", "territory_control", "last_player_standing", "stalemate")
    assert "total: 4 games" in out


def test_demo_is_deterministic_for_a_seed(capsys):
    cli.main(["demo", "--games", "1", "--boards", "square8", "--players", "3", "--seed", "9"])
    first = [r[:6] for r in _rows(capsys.readouterr().out)]
    cli.main(["demo", "--games", "1", "--boards", "square8", "--players", "3", "--seed", "9"])
    assert [r[:6] for r in _rows(capsys.readouterr().out)] == first


def test_demo_marks_a_game_cut_off_by_the_move_cap(capsys):
    assert cli.main(["demo", "--games", "1", "--boards", "square8", "--max-moves", "5"]) == 1
    captured = capsys.readouterr()
    assert "UNFINISHED" in captured.out
    assert "move cap 5 reached" in captured.err


def test_demo_rejects_an_unknown_board(capsys):
    with pytest.raises(SystemExit):
        cli.main(["demo", "--boards", "square9"])
    assert "unknown board(s) square9" in capsys.readouterr().err
