"""Content-addressed objects on every backend: idempotent puts, verified reads, atomic fetches."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from engine.storage import IntegrityError, InvalidName, ObjectNotFound, ObjectRef, StorageError
from engine.storage import objects as objects_mod
from tests.storage.conftest import clobber


def test_put_bytes_is_content_addressed_and_idempotent(store):
    data = b"ring" * 1000
    ref = store.put_bytes(data)
    assert ref == ObjectRef(hashlib.sha256(data).hexdigest(), len(data))
    assert ref.key == f"objects/{ref.sha256[:2]}/{ref.sha256}"
    assert store.put_bytes(data) == ref  # no-op second time
    assert store.get_bytes(ref.sha256) == data
    assert store.has(ref.sha256) and store.stat(ref.sha256) == ref
    assert store.list_objects() == (ref,)


def test_empty_object(store):
    ref = store.put_bytes(b"")
    assert ref.size == 0 and store.get_bytes(ref.sha256) == b""
    with store.open(ref.sha256) as f:
        assert f.read() == b""


def test_put_file_streams_and_matches_put_bytes(store, tmp_path):
    data = os.urandom(3 * (1 << 20) + 17)  # several hashing chunks
    p = tmp_path / "big.bin"
    p.write_bytes(data)
    ref = store.put_file(p)
    assert ref == ObjectRef(hashlib.sha256(data).hexdigest(), len(data))
    assert store.put_file(p) == ref
    assert store.put_bytes(data) == ref
    assert store.get_bytes(ref.sha256) == data


def test_open_streams_verified(store):
    data = os.urandom(300_000)
    ref = store.put_bytes(data)
    with store.open(ref.sha256) as f:
        got = b"".join(iter(lambda: f.read(65536), b""))
    assert got == data
    assert store.verify(ref.sha256) == ref


def test_fetch_to_writes_only_complete_verified_files(store, tmp_path):
    data = os.urandom(2 * (1 << 20) + 5)
    ref = store.put_bytes(data)
    seen = []
    dest = tmp_path / "out" / "model.bin"
    assert store.fetch_to(ref.sha256, dest, progress=seen.append) == ref
    assert dest.read_bytes() == data and sum(seen) == len(data)
    assert [p.name for p in dest.parent.iterdir()] == ["model.bin"]  # no partial left behind


@pytest.mark.parametrize("how", ["same_size", "truncated", "longer"])
def test_corrupted_object_is_detected_by_every_reader(store, tmp_path, how):
    data = os.urandom(100_000)
    ref = store.put_bytes(data)
    bad = {"same_size": bytes([data[0] ^ 1]) + data[1:], "truncated": data[:-10], "longer": data + b"x"}[how]
    clobber(store, ref.key, bad)
    with pytest.raises(IntegrityError) as ei:
        store.get_bytes(ref.sha256)
    assert ref.key in str(ei.value) and store.url in str(ei.value)
    with pytest.raises(IntegrityError):
        store.verify(ref.sha256)
    with pytest.raises(IntegrityError):
        with store.open(ref.sha256) as f:
            f.read()
    dest = tmp_path / "fetched" / "x.bin"
    with pytest.raises(IntegrityError):
        store.fetch_to(ref.sha256, dest)
    assert list(dest.parent.iterdir()) == []  # neither the file nor a partial one


def test_put_repairs_a_wrong_size_object(store):
    data = b"payload-" * 100
    ref = store.put_bytes(data)
    clobber(store, ref.key, b"short")
    assert store.put_bytes(data) == ref
    assert store.get_bytes(ref.sha256) == data


def test_missing_object_errors_name_the_key(store, tmp_path):
    sha = "0" * 64
    for call in (lambda: store.get_bytes(sha), lambda: store.open(sha), lambda: store.fetch_to(sha, tmp_path / "f")):
        with pytest.raises(ObjectNotFound) as ei:
            call()
        assert f"objects/00/{sha}" in str(ei.value)
    assert not store.has(sha) and store.stat(sha) is None


def test_invalid_hashes_are_refused_before_io(store):
    for bad in ("", "abc", "G" * 64, "A" * 64, "../" + "0" * 61):
        with pytest.raises(InvalidName):
            store.get_bytes(bad)


def test_put_file_detects_a_file_changing_during_upload(store, tmp_path, monkeypatch):
    p = tmp_path / "f.bin"
    p.write_bytes(b"a" * 1000)
    real_upload = type(store.backend).upload_file

    def upload_then_modify(self, key, path):
        real_upload(self, key, path)
        time.sleep(0.01)
        with open(path, "ab") as f:
            f.write(b"more")

    monkeypatch.setattr(type(store.backend), "upload_file", upload_then_modify)
    with pytest.raises(StorageError, match="changed while"):
        store.put_file(p)
    assert store.list_objects() == ()


def test_re_put_refreshes_the_age_of_an_old_object(store, monkeypatch):
    """Prune's grace period must also protect objects a writer reuses for an unpublished manifest."""
    ref = store.put_bytes(b"old object")
    touched = []
    real_touch = type(store.backend).touch

    def spy(self, key):
        touched.append(key)
        real_touch(self, key)

    monkeypatch.setattr(type(store.backend), "touch", spy)
    store.put_bytes(b"old object")
    assert touched == []  # fresh: nothing to do
    monkeypatch.setattr(objects_mod, "REFRESH_AFTER", -1.0)
    store.put_bytes(b"old object")
    assert touched == [ref.key]
    assert store.get_bytes(ref.sha256) == b"old object"


def test_touch_moves_the_modification_time_forward_on_a_local_store(new_target):
    store = new_target("file").open()
    ref = store.put_bytes(b"x")
    path = store.local_path(ref.sha256)
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    store.put_bytes(b"x")
    assert time.time() - path.stat().st_mtime < 60


def test_local_path_only_on_local_stores(store):
    ref = store.put_bytes(b"abc")
    p = store.local_path(ref.sha256)
    if store.backend.scheme == "file":
        assert p is not None and p.read_bytes() == b"abc"
    else:
        assert p is None
