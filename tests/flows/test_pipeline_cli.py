"""The pipeline subcommands in this process, against the test server."""

from __future__ import annotations

import argparse
import json

# at import, as the other pipeline test modules do: tests/ops has a conftest.py too, and a
# `from conftest import` run inside a test gets whichever of the two was imported last
from conftest import deployment_id, flow_runs


def _run(module, argv):
    p = argparse.ArgumentParser()
    module.add_arguments(p)
    return module.run(p.parse_args(argv))


def test_selfplay_export_and_status_commands(prefect_server, forge, capsys):
    from ringrift import export, master_loop, selfplay

    assert _run(selfplay, ["square8-2p", "--games", "8", "--engine", "heuristic", "--seed", "9", "--no-chain",
                           "--json"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["games"] == 8 and res["threshold_reached"]
    assert _run(export, ["square8_2p"]) == 0
    assert "dataset" in capsys.readouterr().out
    assert _run(master_loop, ["--status", "--json"]) == 0
    snap = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    (row,) = snap["configs"]
    assert row["config_key"] == "square8_2p" and row["games"] == 8 and row["games_since_training"] == 0
    assert "running" in snap["runs"] and "failed" in snap["runs"]


def test_a_coordinator_cli_goes_through_the_deployment(deployed, forge, monkeypatch, capsys):
    from ringrift import selfplay

    monkeypatch.setenv("RINGRIFT_DISABLE_LOCAL_TASKS", "1")
    assert _run(selfplay, ["square8_3p", "--games", "2", "--no-wait", "--json"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    runs = flow_runs(deployment_id=deployment_id("selfplay/square8-3p"))
    (fr,) = [r for r in runs if str(r.id) == res["flow_run_id"]]
    assert fr.parameters["games"] == 2 and fr.state.is_scheduled()  # a worker would run it


def test_health_and_analysis_flows(prefect_server, make_forge):
    from flows.analysis import analysis_flow
    from flows.health import health_flow
    from flows.selfplay import selfplay_flow

    # the test server runs no scheduler: a session longer than ops.health.overdue_after_seconds
    # would (rightly) find its deployed schedules without runs, so judge them after a day here
    make_forge(ops={"health": {"overdue_after_seconds": 86400}})

    selfplay_flow(config_key="square8_2p", games=2, engine="heuristic", seed=2, chain=False)
    rows = health_flow()
    names = {r["check"] for r in rows}
    assert {"config", "store", "database"} <= names and all(r["ok"] for r in rows)
    (st,) = analysis_flow(profile="minimal")
    assert st["config_key"] == "square8_2p" and st["games"] == 2


def test_selfplay_with_the_same_seed_plays_the_same_batches(prefect_server, make_forge, capsys):
    """Same command, same seed, same champion: the same batch ids and games; in the same pipeline
    the batches are found again (nothing new), in another one the same games are played."""
    from engine.db import games_since
    from ringrift import selfplay

    argv = ["square8_2p", "--games", "8", "--batch-games", "4", "--engine", "auto", "--seed", "5", "--no-chain",
            "--json"]

    def play(forge) -> tuple[dict, list[str]]:
        assert _run(selfplay, argv) == 0
        res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        with forge.ctx.db.session(write=False) as s:
            return res, sorted(g.game_id for g in games_since(s, "square8_2p"))

    one = make_forge()
    first, games = play(one)
    again, games_again = play(one)
    assert first["inserted"] == 8 and len(games) == 8 and games_again == games  # no new game
    # (the second run's batch tasks are answered from the cache: the same results, nothing played)
    assert [b["batch_id"] for b in again["batches"]] == [b["batch_id"] for b in first["batches"]]
    assert [b["shard_id"] for b in again["batches"]] == [b["shard_id"] for b in first["batches"]]
    other, other_games = play(make_forge())
    assert [b["batch_id"] for b in other["batches"]] == [b["batch_id"] for b in first["batches"]]
    assert other_games == games and other["inserted"] == 8
