"""Whole games: frames, the HTML page, files on disk, finding a record, `ringrift show`."""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET

import pytest

from engine.game.moves import BOOKKEEPING_TYPES
from engine.viewer import (
    GameNotFound,
    game_frames,
    game_markdown,
    load_game_record,
    record_from_shard,
    render_game_html,
    render_game_svgs,
    save_game,
)


def test_frames_skip_bookkeeping_and_keep_the_end(games):
    rec = games[("square8", 2)]
    frames = game_frames(rec)
    real = [i + 1 for i, m in enumerate(rec.moves) if m.type not in BOOKKEEPING_TYPES]
    assert [f.ply for f in frames] == sorted({0, *real, len(rec.moves)})
    assert frames[0].move is None and frames[-1].state.is_over
    assert len(game_frames(rec, skip_bookkeeping=False)) == len(rec.moves) + 1
    assert [f.ply for f in game_frames(rec, plies=[0, 5, -1])] == [0, 5, len(rec.moves)]
    with pytest.raises(ValueError):
        game_frames(rec, plies=[len(rec.moves) + 1])


def test_svgs_and_html(games):
    rec = games[("hex8", 3)]
    svgs = render_game_svgs(rec, every=10)
    for s in svgs:
        ET.fromstring(s)
    page = render_game_html(rec, every=10)
    assert page.count("<svg") == len(svgs) and rec.game_id in page and "slider" in page
    md = game_markdown(rec, max_frames=3)
    assert md.count("data:image/svg+xml;base64,") == 3


def test_save_game_writes_frames_and_page(tmp_path, games):
    rec = games[("square8", 3)]
    saved = save_game(rec, tmp_path / "g", plies=[0, 10, -1], png=True)
    assert saved.frames == 3 and len(saved.svgs) == 3 and len(saved.pngs) == 3
    assert saved.html.read_text().count("<svg") == 3
    assert sorted(p.name for p in saved.svgs)[0] == "move-0000.svg"


def test_record_from_shard(shard, games):
    recs = list(games.values())
    assert record_from_shard(shard, line=2).game_id == recs[1].game_id
    assert record_from_shard(shard, game_id=recs[3].game_id).game_id == recs[3].game_id
    with pytest.raises(GameNotFound):
        record_from_shard(shard, line=99)
    with pytest.raises(GameNotFound):
        record_from_shard(shard, line=1, game_id=recs[3].game_id)


def test_load_game_record_through_database_and_store(tmp_path, shard, games):
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db
    from engine.db import open_database
    from engine.storage import open_store

    store = open_store(tmp_path / "store")
    ref = store.put_file(shard)
    db = open_database(f"sqlite:///{tmp_path / 'forge.db'}")
    try:
        aggregate_jsonl_to_db(db, [ShardSource(shard, ref.sha256, f"{store.url}#{ref.sha256}")])
        want = list(games.values())[4]
        assert load_game_record(want.game_id, db=db, store=store) == want
        with pytest.raises(GameNotFound):
            load_game_record("g" + "0" * 32, db=db, store=store)
        empty = open_store(tmp_path / "other")
        assert load_game_record(want.game_id, db=db, store=empty).game_id == want.game_id  # via the shard's uri
    finally:
        db.dispose()


def _show(argv):
    from ringrift import show

    p = argparse.ArgumentParser()
    show.add_arguments(p)
    return show.run(p.parse_args(argv))


def test_show_cli_from_a_local_shard(tmp_path, shard, games, capsys):
    out = tmp_path / "out"
    assert _show(["--record", str(shard), "--line", "1", "--out", str(out), "--plies", "0,-1", "--png"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "index.html" in names and sum(n.endswith(".svg") for n in names) == 2
    assert sum(n.endswith(".png") for n in names) == 2
    assert "wrote 2 frame(s)" in capsys.readouterr().out
    assert _show(["--record", str(tmp_path / "missing.jsonl.zst")]) == 1
    assert _show([]) == 2
    assert _show(["--record", str(shard), "--plies", "x"]) == 2


def test_show_cli_from_the_database(tmp_path, shard, games, monkeypatch, capsys):
    import yaml

    from engine.config import load_config
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db
    from engine.db import database_from_config
    from engine.storage import store_from_config

    cfgp = tmp_path / "forge.yaml"
    cfgp.write_text(yaml.safe_dump({"home": str(tmp_path / "home")}))
    monkeypatch.delenv("RINGRIFT_CONFIG_PATH", raising=False)
    cfg = load_config(cfgp, env={})
    store = store_from_config(cfg)
    ref = store.put_file(shard)
    db = database_from_config(cfg)
    aggregate_jsonl_to_db(db, [ShardSource(shard, ref.sha256, f"{store.url}#{ref.sha256}")])
    db.dispose()
    want = list(games.values())[2]
    monkeypatch.chdir(tmp_path)
    assert _show([want.game_id, "--config", str(cfgp), "--every", "20"]) == 0
    assert (tmp_path / "show" / want.game_id / "index.html").is_file()
    assert _show(["g" + "1" * 32, "--config", str(cfgp)]) == 1
    assert "not in the database" in capsys.readouterr().err
