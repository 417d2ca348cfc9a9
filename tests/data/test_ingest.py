"""aggregate_jsonl_to_db: idempotent, malformed lines quarantined with file and line, parity failures kept out."""

from __future__ import annotations

import json

import pytest

from engine.data import generate_games, write_shard
from engine.data.ingest import ShardSource, aggregate_jsonl_to_db
from engine.db import count_games, games_since, open_database, quarantined


@pytest.fixture
def db(tmp_path):
    d = open_database(f"sqlite:///{tmp_path}/forge.db")
    yield d
    d.dispose()


def test_ingest_is_idempotent_and_quarantines(db, tmp_path):
    recs = generate_games("square8", 2, ["random", "random"], 4, seed=3, max_moves=400)
    lines = [r.to_line() for r in recs]
    bad = json.loads(lines[2])
    bad["moves"][5] = bad["moves"][4]  # a move that is not legal where it is played
    lines[2] = json.dumps(bad)
    lines.insert(1, "{not json")
    path = tmp_path / "s.jsonl.zst"
    write_shard(lines, path)
    rep = aggregate_jsonl_to_db(db, [ShardSource(path, producer="test")])
    assert (rep.shards, rep.lines, rep.malformed, rep.parity_failed) == (1, 5, 1, 1)
    assert rep.inserted == 4 and rep.skipped == 0
    assert any(p.startswith(f"{path}:2: ") for p in rep.problems) and any("parity" in p for p in rep.problems)
    with db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 3
        assert len(games_since(s, "square8_2p", status="quarantined")) == 1
        assert len(quarantined(s)) == 2
    again = aggregate_jsonl_to_db(db, [path])
    assert again.inserted == 0 and again.skipped == 4
    with db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 3 and len(quarantined(s)) == 2


def test_a_game_id_that_could_become_a_path_is_quarantined_with_file_and_line(db, tmp_path):
    recs = generate_games("square8", 2, ["random", "random"], 2, seed=8, max_moves=400)
    evil = recs[1].to_json()
    evil["game_id"] = "../../../../../../PWNED_show_dir"  # issue 13: was stored as an ok, exportable game
    path = tmp_path / "evil.jsonl"
    path.write_text(recs[0].to_line() + "\n" + json.dumps(evil) + "\n")
    rep = aggregate_jsonl_to_db(db, [ShardSource(path)])
    assert (rep.inserted, rep.malformed) == (1, 1)
    assert [p for p in rep.problems if p.startswith(f"{path}:2: ") and "game_id" in p and "'..'" in p]
    with db.session(write=False) as s:
        assert [g.game_id for g in games_since(s, "square8_2p", status="ok")] == [recs[0].game_id]
        assert not games_since(s, "square8_2p", status="quarantined")
        q = quarantined(s)
    assert [(r.line_no, r.game_id) for r in q] == [(2, None)] and "must not contain '..'" in q[0].reason
