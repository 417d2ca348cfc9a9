"""`ringrift ladder` end to end on square8 2p: a real tiny (untrained) network registered as the
champion through the project's APIs (store manifest, registry, champion pointer), the real command in
a subprocess with a tiny budget: the table, the PNG, the JSON line, the match log; a rerun adds games."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CK = "square8_2p"


def _make_champion(cfg) -> str:
    """An untrained tiny network, published and promoted the way the loop does it."""
    from engine.db import ModelRow, register_model, set_champion
    from engine.loop import champion_pointer_name, open_context, publish_model
    from engine.nn.checkpoint import checkpoint_bytes
    from engine.nn.network import NetworkArch, build_network

    ctx = open_context(cfg)
    try:
        arch = NetworkArch.for_config("square8", 2, channels=8, blocks=1, se_ratio=2, policy_channels=8,
                                      value_hidden=16)
        net = build_network(arch, seed=7)
        w, m, meta = checkpoint_bytes(net)
        mid = publish_model(ctx.store, w, m, meta)
        ident = meta.identity
        with ctx.db.session() as s:
            register_model(s, ModelRow(model_id=ident.model_id, weights_sha256=ident.weights_sha256,
                                       arch_hash=ident.arch_hash, encoder_version=ident.encoder_version,
                                       config_key=CK, arch=arch.to_dict(), checkpoint_uri=f"manifests/{mid}.json"))
            set_champion(s, CK, ident.model_id, previous=None, reason="test champion")
        ctx.store.swap_pointer(champion_pointer_name(CK), mid, expected=None, metadata={"model_id": ident.model_id})
        return ident.model_id
    finally:
        ctx.close()


def _cwd(env) -> str:
    return str(Path(env["RINGRIFT_HOME"]).parent)


def _ladder(env, *args):
    p = subprocess.run([sys.executable, "-m", "ringrift", "ladder", CK, *args], cwd=_cwd(env), env=env,
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    return p.stdout, p.stderr


@pytest.fixture()
def home(tmp_path, monkeypatch):
    cfg_path = tmp_path / "forge.yaml"
    # small budgets: PUCT anchor 8 simulations, the champion's Gumbel search 4 (the loop's selfplay budget)
    cfg_path.write_text("home: %s\nselfplay:\n  simulations: 4\n  max_considered: 2\n"
                        "ladder:\n  mcts_simulations: 8\n  opening_moves: 2\n" % (tmp_path / "var"))
    env = {**os.environ, "RINGRIFT_CONFIG_PATH": str(cfg_path), "RINGRIFT_HOME": str(tmp_path / "var"),
           "PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    for k in ("RINGRIFT_DB_URL", "RINGRIFT_STORE_URL"):
        env.pop(k, None)
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("RINGRIFT_CONFIG_PATH", str(cfg_path))
    monkeypatch.setenv("RINGRIFT_HOME", str(tmp_path / "var"))
    from engine.config import load_config

    return env, load_config(cfg_path)


@pytest.mark.slow
def test_ladder_end_to_end_with_a_champion_and_its_raw_policy(home, tmp_path):
    env, cfg = home
    model_id = _make_champion(cfg)
    png = tmp_path / "out" / "ladder.png"
    out, err = _ladder(env, "--games", "14", "--out", str(png))
    assert "6 players, 0 ladder games in the match log" in err
    lines = out.strip().splitlines()
    res = json.loads(lines[-1])  # the JSON line is last
    assert res["config_key"] == CK and 0 < res["new_games"] <= 14 and res["games"] == res["new_games"]
    players = {p["player"]: p for p in res["players"]}
    assert set(players) == {"random", "heuristic_v1", "heuristic_v2", "mcts-8+heuristic_v1", "champion g1",
                            "policy g1"}
    champ, pol = players["champion g1"], players["policy g1"]
    assert champ["role"] == "champion" and champ["generation"] == 1 and champ["model_id"] == model_id
    assert champ["kind"] == "gumbel" and champ["simulations"] == 4
    assert pol["role"] == "policy" and pol["kind"] == "policy" and pol["model_id"] == model_id
    assert players["random"]["elo"] == 0 and players["random"]["stderr"] == 0
    for p in players.values():
        assert p["games"] > 0 and p["sec_per_move"] is not None and p["sec_per_move"] >= 0
        assert p["ci_low"] <= p["elo"] <= p["ci_high"]
    assert res["pairs"] and res["settings"]["max_games"] == 14 and res["png"] == str(png)
    text = "\n".join(lines[:-1])
    assert f"ladder {CK}:" in text and "s/move (CPU)" in text and "champion g1" in text and "policy g1" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000

    # the games are in the match log; a rerun adds games instead of replaying
    from engine.db import database_from_config, matches_for

    db = database_from_config(cfg)
    try:
        with db.session(write=False) as s:
            rows = matches_for(s, CK, source="ladder")
    finally:
        db.dispose()
    assert len(rows) == res["games"] and all("cpu_seconds" in r.details for r in rows)
    out2, err2 = _ladder(env, "--games", "4", "--no-plot", "--markdown", "--quiet",
                         "--players", "random,heuristic_v1,champions,policies")
    res2 = json.loads(out2.strip().splitlines()[-1])
    assert 0 < res2["new_games"] <= 4 and "png" not in res2 and err2 == ""
    assert {p["player"] for p in res2["players"]} == {"random", "heuristic_v1", "champion g1", "policy g1"}
    assert out2.startswith("| player | role | Elo | 95% CI |")


def test_ladder_bad_input_is_one_line(home, capsys):
    from ringrift import cli

    assert cli.main(["ladder", "square9_2p"]) == 2
    assert capsys.readouterr().err.startswith("ladder: unknown config 'square9_2p'")
    assert cli.main(["ladder", CK, "--players", "random,alphazero"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ladder: --players: 'alphazero' is neither a player word") and err.count("\n") == 1
    assert cli.main(["ladder", CK, "--players", "random"]) == 2
    assert "needs at least two players" in capsys.readouterr().err
