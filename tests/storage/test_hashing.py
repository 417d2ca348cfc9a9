"""Streaming hash verification."""

from __future__ import annotations

import hashlib
import io

import pytest

from engine.storage import IntegrityError
from engine.storage.hashing import VerifyingReader, sha256_file, verified_chunks


def reader(data: bytes, sha: str, size: int | None):
    return VerifyingReader(io.BytesIO(data), sha=sha, size=size, url="memory://x", key="objects/k")


def test_sha256_file(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc" * 1_000_000)
    assert sha256_file(p) == (hashlib.sha256(b"abc" * 1_000_000).hexdigest(), 3_000_000)


def test_reader_passes_good_data():
    data = b"x" * 5000
    r = reader(data, hashlib.sha256(data).hexdigest(), len(data))
    assert r.read() == data and r.verified


def test_reader_raises_at_end_on_wrong_hash():
    r = reader(b"abc", "0" * 64, 3)
    with pytest.raises(IntegrityError, match="memory://x/objects/k"):
        r.read()


def test_reader_raises_early_on_too_many_bytes():
    data = b"y" * 100
    r = VerifyingReader(io.BytesIO(data), sha=hashlib.sha256(data[:10]).hexdigest(), size=10, url="u", key="k")
    with pytest.raises(IntegrityError, match="more than"):
        r.read(50)


def test_reader_detects_a_short_object_with_the_right_prefix():
    data = b"z" * 100
    r = reader(data[:50], hashlib.sha256(data).hexdigest(), 100)
    with pytest.raises(IntegrityError):
        r.read()


def test_verified_chunks_raise_after_the_last_chunk():
    data = b"q" * (3 << 20)
    good = hashlib.sha256(data).hexdigest()
    seen = []
    assert b"".join(verified_chunks(io.BytesIO(data), sha=good, size=len(data), url="u", key="k",
                                    progress=seen.append)) == data
    assert sum(seen) == len(data)
    got = []
    with pytest.raises(IntegrityError):
        for c in verified_chunks(io.BytesIO(data), sha="1" * 64, size=len(data), url="u", key="k"):
            got.append(c)
    assert b"".join(got) == data  # every chunk was handed out; the error came at the end
