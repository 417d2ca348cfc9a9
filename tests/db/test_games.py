"""engine.db.games: idempotent game ingestion (also from two hosts at once), shards, quarantine,
the incremental queries."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from engine.db import (
    count_games,
    games_since,
    get_game,
    get_shard,
    insert_games,
    quarantine_line,
    quarantined,
    record_shard,
    set_game_status,
    shards_since,
)
from engine.db.games import EXCERPT_CHARS, INSERT_BATCH
from tests.db.helpers import at, game, shard


def test_insert_and_read_back(db):
    g = game("g1", created_at=at(0))
    with db.session() as s:
        assert insert_games(s, [g]) == (1, 0)
    with db.session(write=False) as s:
        got = get_game(s, "g1")
        assert get_game(s, "nope") is None
    assert got.ingested_at is not None
    assert replace(got, ingested_at=None) == g
    assert got.config_key == "square8_2p"
    assert got.players[0] == {"kind": "gumbel", "model": "m0", "simulations": 32}
    assert got.rules == {"swap_rule": False, "max_moves": 600}


def test_same_game_twice_is_skipped(db):
    with db.session() as s:
        assert insert_games(s, [game("g1"), game("g2"), game("g1")]) == (2, 1)  # repeated within a batch
    with db.session() as s:
        assert insert_games(s, [game("g1"), game("g3")]) == (1, 1)  # seen in an earlier transaction
    with db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 3


def test_same_games_from_two_hosts(db, other_host):
    """Two hosts ingest the same shard: the second inserts nothing."""
    rows = [game(f"g{i}") for i in range(20)]
    with db.session() as s:
        assert insert_games(s, rows) == (20, 0)
    with other_host.session() as s:
        assert insert_games(s, rows) == (0, 20)
    with db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 20


def test_two_hosts_ingesting_at_the_same_time(db, other_host):
    rows = [game(f"g{i:04d}") for i in range(300)]
    results: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    go = threading.Barrier(2)

    def ingest(d):
        try:
            go.wait()
            for k in range(0, len(rows), 50):
                with d.session() as s:
                    results.append(insert_games(s, rows[k:k + 50]))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=ingest, args=(d,)) for d in (db, other_host)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert sum(i for i, _ in results) == 300
    assert sum(k for _, k in results) == 300
    with db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 300


def test_large_batches(db):
    n = INSERT_BATCH * 2 + 17
    with db.session() as s:
        assert insert_games(s, (game(f"g{i}") for i in range(n))) == (n, 0)
    with db.session() as s:
        assert insert_games(s, [game(f"g{i}") for i in range(n - 10, n + 10)]) == (10, 10)


def test_games_need_a_known_shard_and_a_valid_status(db):
    with pytest.raises(ValueError, match="status"):
        with db.session() as s:
            insert_games(s, [game("g1", status="weird")])
    with db.session() as s:
        record_shard(s, shard("s1"))
        assert insert_games(s, [game("g1", shard_id="s1", line_no=1)]) == (1, 0)
    with db.session(write=False) as s:
        assert get_game(s, "g1").shard_id == "s1"


def test_shards_are_idempotent(db):
    with db.session() as s:
        assert record_shard(s, shard("s1", num_games=3))
        assert not record_shard(s, replace(shard("s1"), uri="elsewhere", num_games=99))
    with db.session(write=False) as s:
        got = get_shard(s, "s1")
        assert get_shard(s, "s2") is None
    assert got.uri.endswith("s1.jsonl.zst") and got.num_games == 3 and got.producer == "host-a/flow-1"


def test_counts_by_config_and_status(db):
    with db.session() as s:
        insert_games(s, [game("a"), game("b"), game("c", board="hex8", players=3), game("d", status="quarantined")])
    with db.session() as s:
        assert count_games(s, "square8_2p") == 2
        assert count_games(s, "square8_2p", status=None) == 3
        assert count_games(s, "hex8_3p") == 1
        assert count_games(s) == 3
        assert set_game_status(s, ["a", "zzz"], "quarantined") == 1
        assert set_game_status(s, ["a"], "quarantined") == 0  # already
        assert count_games(s, "square8_2p") == 1
        with pytest.raises(ValueError):
            set_game_status(s, ["a"], "bad")


def test_games_since_a_time(db):
    with db.session() as s:
        insert_games(s, [game("a"), game("b")])
    with db.session(write=False) as s:
        first = games_since(s, "square8_2p")
    mark = max(g.ingested_at for g in first)
    with db.session() as s:
        insert_games(s, [game("c"), game("d", status="quarantined")])
    with db.session(write=False) as s:
        assert [g.game_id for g in first] == ["a", "b"]
        assert [g.game_id for g in games_since(s, "square8_2p", after=mark)] == ["c"]
        assert [g.game_id for g in games_since(s, "square8_2p", after=mark, status=None)] == ["c", "d"]
        assert count_games(s, "square8_2p", after=mark) == 1
        assert [g.game_id for g in games_since(s, "square8_2p", limit=1)] == ["a"]
        assert games_since(s, "hex8_2p") == []


def test_games_since_a_shard(db):
    with db.session() as s:
        for i, name in enumerate(["s1", "s2", "s3"]):
            record_shard(s, shard(name, created_at=at(i)))
        record_shard(s, shard("s2b", created_at=at(1)))  # same time as s2: ordered by id after it
        insert_games(s, [game("a", shard_id="s1"), game("b", shard_id="s2"), game("c", shard_id="s3"),
                         game("d", shard_id="s2b"), game("e")])
    with db.session(write=False) as s:
        assert sorted(g.game_id for g in games_since(s, "square8_2p", after_shard="s1")) == ["b", "c", "d"]
        assert sorted(g.game_id for g in games_since(s, "square8_2p", after_shard="s2")) == ["c", "d"]
        assert [x.shard_id for x in shards_since(s, "square8_2p", after_shard="s1")] == ["s2", "s2b", "s3"]
        assert [x.shard_id for x in shards_since(s, "square8_2p")] == ["s1", "s2", "s2b", "s3"]
        assert [x.shard_id for x in shards_since(s, "square8_2p", after=at(1))] == ["s3"]
        with pytest.raises(KeyError, match="unknown shard"):
            games_since(s, "square8_2p", after_shard="nope")


def test_quarantine_is_idempotent(db, other_host):
    with db.session() as s:
        assert quarantine_line(s, "s1", 7, "record field 'moves[3]': bad move", raw="{" + "x" * 5000)
        assert not quarantine_line(s, "s1", 7, "again")
        assert quarantine_line(s, "s1", 9, "invalid JSON", raw=b"\xff\xfe broken", game_id="g9")
        assert quarantine_line(s, "s1", 0, "truncated zstd stream")
    with other_host.session() as s:  # the same shard re-ingested elsewhere
        assert not quarantine_line(s, "s1", 7, "record field 'moves[3]': bad move")
        assert quarantine_line(s, "/data/other.jsonl", 7, "bad")
    with db.session(write=False) as s:
        rows = quarantined(s, source="s1")
        assert [r.line_no for r in rows] == [0, 7, 9]
        assert rows[1].reason == "record field 'moves[3]': bad move"
        assert len(rows[1].excerpt) == EXCERPT_CHARS and rows[1].excerpt.endswith("…")
        assert rows[2].game_id == "g9" and "broken" in rows[2].excerpt
        assert rows[0].excerpt is None
        assert len(quarantined(s)) == 4
        assert len(quarantined(s, limit=2)) == 2
