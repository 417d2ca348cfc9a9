"""`ringrift stats`, `elo-trend` and `parity` against the embedded default (SQLite + local store)."""

from __future__ import annotations

import argparse
import json

import pytest


def cli(module, argv):
    import importlib

    mod = importlib.import_module(f"ringrift.{module}")
    p = argparse.ArgumentParser()
    mod.add_arguments(p)
    return mod.run(p.parse_args(argv))


def test_stats(history, capsys):
    c = ["--config", str(history.config_path)]
    assert cli("stats", c) == 0
    out = capsys.readouterr().out
    assert "square8_2p" in out and "How games end" in out
    assert cli("stats", ["square8-2p", "--json", "--last", "4"] + c) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["groups"][0]["games"] == 4
    assert cli("stats", ["--markdown"] + c) == 0
    assert capsys.readouterr().out.startswith("## Game statistics")
    assert cli("stats", ["nope_9p"] + c) == 2
    assert cli("stats", ["hexagonal_4p"] + c) == 1  # no games of that config


def test_stats_from_local_shards(history, tmp_path, capsys):
    from engine.data import write_shard

    write_shard(history.games[1], tmp_path / "a.jsonl.zst")
    assert cli("stats", ["--record", str(tmp_path)]) == 0
    assert "square8_2p" in capsys.readouterr().out


def test_elo_trend(history, tmp_path, capsys):
    out = tmp_path / "elo.png"
    c = ["--config", str(history.config_path)]
    assert cli("elo-trend".replace("-", "_"), ["--out", str(out), "--all"] + c) == 0
    text = capsys.readouterr().out
    assert out.is_file() and "Every rating" in text and "gen2" in text
    assert cli("elo_trend", ["--no-plot", "--json", "--per-generation"] + c) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["cumulative"] is False and len(js["series"]["square8_2p"]) == 2
    assert cli("elo_trend", ["hex8_3p", "--no-plot"] + c) == 1


def test_parity(history, tmp_path, capsys):
    c = ["--config", str(history.config_path)]
    assert cli("parity", ["--no-conformance"] + c) == 1  # the game whose row names another winner
    out = capsys.readouterr().out
    assert history.tampered_game[:20] in out and history.bad_game[:20] not in out and "FAILED" in out
    assert cli("parity", ["--no-conformance", "--include-quarantined"] + c) == 1
    assert history.bad_game[:20] in capsys.readouterr().out
    assert cli("parity", ["hex8_3p", "--no-conformance", "--deep"] + c) == 0
    assert cli("parity", ["--game", history.bad_game, "--json", "--no-conformance"] + c) == 1
    js = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert js["failed"][0]["first_bad_ply"] == 6
    from engine.data import write_shard

    write_shard(history.games[2], tmp_path / "g.jsonl.zst")
    assert cli("parity", ["--record", str(tmp_path / "g.jsonl.zst"), "--no-conformance"]) == 0
    assert cli("parity", ["--record", str(tmp_path), "--conformance", str(tmp_path)]) == 2


def test_parity_runs_the_conformance_vectors_when_present(history, capsys):
    from engine.game.checks.conformance import default_folder, vectors_dir

    if not vectors_dir(default_folder()).is_dir():
        pytest.skip("no conformance vectors here")
    assert cli("parity", ["hex8_3p", "--config", str(history.config_path)]) == 0
    assert "Conformance vectors" in capsys.readouterr().out


NEW_SUBCOMMANDS = {
    "show": ("ringrift.show", "render a game as SVG frames, an HTML page and PNGs"),
    "stats": ("ringrift.stats", "game statistics per config and generation"),
    "elo-trend": ("ringrift.elo_trend", "ratings per config over generations with error bars"),
    "parity": ("ringrift.parity", "replay stored games move by move and run the conformance vectors"),
    "health": ("ringrift.health", "one health snapshot of the whole system"),
    "watchdog": ("ringrift.watchdog", "stuck, silent and late runs; pools without workers"),
    "worker": ("ringrift.worker", "start this host's Prefect workers"),
}


def test_the_new_subcommands_plug_into_the_dispatcher(monkeypatch, capsys, tmp_path):
    """The SUBCOMMANDS entries these modules need work with ``ringrift.cli`` as it is."""
    from ringrift import cli as dispatcher

    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", {**dispatcher.SUBCOMMANDS, **NEW_SUBCOMMANDS})
    with pytest.raises(SystemExit) as e:
        dispatcher.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for name in NEW_SUBCOMMANDS:
        assert name in out
    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path}\n")
    assert dispatcher.main(["worker", "--pool", "cpu", "--dry-run", "--host", "h", "--config", str(cfg)]) == 0
    assert "--name h-cpu" in capsys.readouterr().out


def test_a_report_refuses_a_database_without_the_pipelines_tables(tmp_path):
    """An existing but never-migrated database (an empty SQLite file here; PostgreSQL answers the
    same way) is one ``DatabaseError`` naming it, not an SQL error from the first query."""
    import sqlite3

    from engine.analysis.cli import open_report_database
    from engine.config import config_from_dict
    from engine.db.database import DatabaseError

    db_file = tmp_path / "forge.db"
    sqlite3.connect(db_file).close()
    cfg = config_from_dict({"home": str(tmp_path), "database": {"url": f"sqlite:///{db_file}"}})
    with pytest.raises(DatabaseError, match="has no pipeline tables"):
        open_report_database(cfg)
    db_file.unlink()
    with pytest.raises(DatabaseError, match="no database file"):
        open_report_database(cfg)
    assert not db_file.exists()  # refusing did not create it
