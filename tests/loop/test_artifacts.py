"""engine.loop.artifacts: fetching objects into the cache, datasets and models out of the store.

The first test is the reproduction of issue 13's arbitrary file write: a dataset manifest in the
store whose entry is named ``x/../../../../../../../../../../PWNED`` made ``fetch_object`` (the path
``ringrift train CONFIG --dataset ID`` takes) write outside the cache.
"""

from __future__ import annotations

import json
import os

import pytest

from engine.loop.artifacts import dataset_chunks, fetch_object, load_model
from engine.names import UnsafeName
from engine.storage import DocumentError, IntegrityError, ObjectNotFound, open_store
from engine.storage.hashing import sha256_bytes
from engine.storage.layout import manifest_key, object_key

EVIL = "x/../../../../../../../../../../PWNED"


def _files(root) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


@pytest.fixture
def deep(tmp_path):
    """A store and a cache deep enough below tmp_path that ten ``..`` still land inside tmp_path,
    so an escape would be seen (and would not touch anything outside the test's folder)."""
    base = tmp_path.joinpath(*[f"d{i}" for i in range(12)])
    store = open_store(base / "store")
    cache = base / "cache"
    cache.mkdir(parents=True)
    return tmp_path, store, cache


def _raw_manifest(store, entries, kind="dataset", metadata=None) -> str:
    """Put a manifest document as an attacker with write access to the bucket would: bypassing
    every check of ``Manifest``."""
    doc = json.dumps({"format": "ringrift-manifest/1", "kind": kind, "metadata": metadata or {},
                      "entries": entries}, sort_keys=True, separators=(",", ":")).encode()
    mid = sha256_bytes(doc)
    store.backend.write_bytes(manifest_key(mid), doc)
    return mid


def test_exploit_manifest_entry_name_cannot_write_outside_the_cache(deep):
    tmp_path, store, cache = deep
    ref = store.put_bytes(b"attacker controlled bytes\n")
    mid = _raw_manifest(store, [{"name": EVIL, "sha256": ref.sha256, "size": ref.size, "kind": "object",
                                 "metadata": {"split": "train"}}])
    before = _files(tmp_path)
    # the training path: the manifest is rejected when read, before any fetch
    with pytest.raises(DocumentError) as e:
        dataset_chunks(store, mid, cache)
    msg = str(e.value)
    assert "\n" not in msg and "invalid manifest entry name" in msg and "PWNED" in msg and mid in msg
    # and fetch_object itself refuses the name, should anything hand it one
    with pytest.raises(UnsafeName, match="invalid object name"):
        fetch_object(store, ref.sha256, cache, EVIL)
    assert _files(tmp_path) == before
    assert not any("PWNED" in p for p in _files(tmp_path))


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "x" * 200])
def test_fetch_object_refuses_unsafe_names(deep, name):
    tmp_path, store, cache = deep
    ref = store.put_bytes(b"abc")
    before = _files(tmp_path)
    with pytest.raises(UnsafeName):
        fetch_object(store, ref.sha256, cache, name)
    with pytest.raises(ValueError):
        fetch_object(store, "../" + ref.sha256[3:], cache)
    assert _files(tmp_path) == before


def test_fetch_object_refuses_a_symlink_planted_in_the_cache(deep):
    tmp_path, store, cache = deep
    ref = store.put_bytes(b"abc")
    outside = tmp_path / "outside"
    outside.mkdir()
    (cache / "objects").mkdir()
    os.symlink(outside, cache / "objects" / ref.sha256[:2])
    with pytest.raises(UnsafeName, match="outside"):
        fetch_object(store, ref.sha256, cache, "chunk.npz")
    assert not any(outside.iterdir())


def test_fetch_object_verifies_and_reuses(deep):
    _, store, cache = deep
    ref = store.put_bytes(b"payload")
    p = fetch_object(store, ref.sha256, cache, "shard.jsonl.zst")
    assert p == cache / "objects" / ref.sha256[:2] / f"{ref.sha256}-shard.jsonl.zst" and p.read_bytes() == b"payload"
    mtime = p.stat().st_mtime_ns
    assert fetch_object(store, ref.sha256, cache, "shard.jsonl.zst") == p and p.stat().st_mtime_ns == mtime
    # a cached copy damaged on disk is not trusted: fetched again from the store
    p.write_bytes(b"paYload")
    assert fetch_object(store, ref.sha256, cache, "shard.jsonl.zst").read_bytes() == b"payload"
    # an object damaged in the store is refused and nothing appears in the cache
    store.backend.local_path(object_key(ref.sha256)).write_bytes(b"PAYLOAD")
    p.unlink()
    with pytest.raises(IntegrityError):
        fetch_object(store, ref.sha256, cache, "shard.jsonl.zst")
    assert list(p.parent.iterdir()) == []
    with pytest.raises(ObjectNotFound):
        fetch_object(store, "0" * 64, cache)


def test_dataset_chunks_refuses_other_kinds_splits_and_encoders(deep):
    _, store, cache = deep
    ref = store.put_bytes(b"x")
    with pytest.raises(ValueError, match="not a dataset"):
        dataset_chunks(store, _raw_manifest(store, [], kind="model"), cache)
    bad_split = _raw_manifest(store, [{"name": "a.npz", "sha256": ref.sha256, "size": 1, "kind": "object",
                                       "metadata": {"split": "test"}}])
    with pytest.raises(ValueError, match="split 'test'"):
        dataset_chunks(store, bad_split, cache)
    old = _raw_manifest(store, [], metadata={"encoder_version": "enc-0-ancient"})
    with pytest.raises(Exception, match=f"dataset {old}: encoder version mismatch") as e:
        dataset_chunks(store, old, cache)
    assert type(e.value).__name__ == "EncoderVersionError"


def test_load_model_names_a_model_manifest_lacking_its_files(deep):
    _, store, _ = deep
    ref = store.put_bytes(b"w")
    mid = _raw_manifest(store, [{"name": "model.safetensors", "sha256": ref.sha256, "size": 1, "kind": "object",
                                 "metadata": {}}], kind="model")
    with pytest.raises(ValueError, match=f"model manifest {mid} lacks model.json"):
        load_model(store, mid)
