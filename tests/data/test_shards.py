"""Shards: compression detected by magic bytes, atomic writes, malformed lines reported with file and line."""

from __future__ import annotations

import gzip
import io
import json
import os

import pytest
import zstandard

from engine.data import GameRecord, RecordError, detect_compression, read_records, read_shard, write_shard


@pytest.fixture(scope="module")
def recs(random_games):
    return random_games[("square8", 2)] + random_games[("hex8", 3)]


@pytest.mark.parametrize("compression,magic", [("zstd", b"\x28\xb5\x2f\xfd"), ("gzip", b"\x1f\x8b"), ("none", b"{")])
def test_round_trip_and_detection(tmp_path, recs, compression, magic):
    p = tmp_path / "shard.bin"  # the name says nothing: the magic decides
    assert write_shard(recs, p, compression=compression) == len(recs)
    raw = p.read_bytes()
    assert raw.startswith(magic) and detect_compression(raw[:4]) == compression
    got = list(read_shard(p))
    assert [n for n, _ in got] == list(range(1, len(recs) + 1))
    assert [r for _, r in got] == recs
    assert read_records(str(p)) == recs
    assert [f for f in os.listdir(tmp_path)] == ["shard.bin"]  # no temporary file left


def test_deterministic_bytes(tmp_path, recs):
    for c in ("zstd", "gzip"):
        write_shard(recs, tmp_path / "a", compression=c)
        write_shard(recs, tmp_path / "b", compression=c)
        assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_file_objects(recs):
    buf = io.BytesIO()
    write_shard(recs, buf)
    buf.seek(0)
    assert [r for _, r in read_shard(buf)] == recs
    gz = io.BytesIO()
    write_shard(recs, gz, compression="gzip")
    assert gzip.decompress(gz.getvalue()).count(b"\n") == len(recs)


def test_malformed_lines_reported_and_rest_read(tmp_path, recs):
    lines = [r.to_line() for r in recs]
    bad_field = json.loads(lines[1])
    bad_field["outcome"]["winner"] = "two"
    lines[1] = json.dumps(bad_field)
    lines.insert(3, "{this is not json")
    lines.insert(4, "")  # blank lines are skipped (but counted)
    p = tmp_path / "mixed.jsonl.zst"
    write_shard(lines, p)
    got = list(read_shard(p))
    errors = [(n, e) for n, e in got if isinstance(e, RecordError)]
    assert [n for n, _ in errors] == [2, 4]
    assert str(errors[0][1]).startswith(f"{p} line 2: record field 'outcome.winner'")
    assert errors[0][1].line == 2 and errors[0][1].source == str(p)
    assert str(errors[1][1]).startswith(f"{p} line 4: invalid JSON")
    good = [r for _, r in got if isinstance(r, GameRecord)]
    assert good == [recs[0]] + recs[2:]
    assert [n for n, r in got if isinstance(r, GameRecord)][-1] == len(lines)
    with pytest.raises(RecordError, match="line 2"):
        read_records(p)


def test_truncated_stream_ends_with_an_error(tmp_path, recs):
    p = tmp_path / "cut.jsonl.zst"
    data = zstandard.ZstdCompressor(level=3).compress("".join(r.to_line() + "\n" for r in recs).encode())
    p.write_bytes(data[:len(data) * 2 // 3])
    got = list(read_shard(p))
    assert isinstance(got[-1][1], RecordError) and "truncated" in str(got[-1][1])
    assert all(isinstance(r, GameRecord) for _, r in got[:-2])


def test_atomic_write_keeps_old_shard_on_failure(tmp_path, recs):
    p = tmp_path / "s.jsonl.zst"
    write_shard(recs[:1], p)
    before = p.read_bytes()

    def boom():
        yield recs[0]
        raise RuntimeError("selfplay crashed")

    with pytest.raises(RuntimeError):
        write_shard(boom(), p)
    assert p.read_bytes() == before and os.listdir(tmp_path) == ["s.jsonl.zst"]


def test_bad_compression_name(tmp_path, recs):
    with pytest.raises(ValueError, match="compression"):
        write_shard(recs, tmp_path / "x", compression="lz4")
