"""stats, elo-trend, parity and show on the cluster set-up: PostgreSQL + S3 (moto)."""

from __future__ import annotations

import argparse
import json


def cli(module, argv):
    import importlib

    mod = importlib.import_module(f"ringrift.{module}")
    p = argparse.ArgumentParser()
    mod.add_arguments(p)
    return mod.run(p.parse_args(argv))


def test_commands_on_postgres_and_s3(cluster_history, aws, tmp_path, capsys):
    h = cluster_history
    c = ["--config", str(h.config_path)]
    assert cli("stats", ["--json"] + c) == 0
    js = json.loads(capsys.readouterr().out)
    gens = [g["generation"] for g in js["groups"] if g["config_key"] == "square8_2p"]
    assert gens == ["all", "0", "1", "2"]
    assert cli("elo_trend", ["--out", str(tmp_path / "elo.png"), "--json"] + c) == 0
    js = json.loads(capsys.readouterr().out)
    assert [p["generation"] for p in js["series"]["square8_2p"]] == [1, 2]
    assert cli("parity", ["--no-conformance", "--json", "--include-quarantined"] + c) == 1
    js = json.loads(capsys.readouterr().out)
    assert {g["game_id"] for g in js["failed"]} == {h.bad_game, h.tampered_game}
    gid = h.games[2][0].game_id
    assert cli("show", [gid, "--out", str(tmp_path / "show"), "--every", "25"] + c) == 0
    assert (tmp_path / "show" / "index.html").is_file()
