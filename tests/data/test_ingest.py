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
