"""The backend contract, run on every backend: whole writes, listings, conditional writes."""

from __future__ import annotations

import pytest

from engine.storage import BackendError, ObjectNotFound, StorageError, open_backend, redact_url
from engine.storage.errors import ConditionFailed


def test_write_read_info_list_delete(store):
    b = store.backend
    b.write_bytes("a/x", b"123")
    b.write_bytes("a/b/y", b"45")
    b.write_bytes("c", b"")
    assert b.read_bytes("a/x") == b"123"
    info = b.info("a/x")
    assert info.key == "a/x" and info.size == 3 and info.mtime > 0
    assert [i.key for i in b.list("a")] == ["a/b/y", "a/x"]
    assert b.list("nothing-here") == []
    assert b.info("a") is None and b.info("zzz") is None  # folders and missing keys are not files
    b.write_bytes("a/x", b"replaced")
    assert b.read_bytes("a/x") == b"replaced"
    b.delete("a/x")
    b.delete("a/x")  # deleting a missing key is fine
    assert b.info("a/x") is None
    with pytest.raises(ObjectNotFound, match="a/x"):
        b.read_bytes("a/x")


def test_write_stream_publishes_nothing_when_the_source_fails(store):
    b = store.backend

    def chunks():
        yield b"first part"
        raise StorageError("source broke")

    with pytest.raises(StorageError, match="source broke"):
        b.write_stream("k", chunks())
    assert b.info("k") is None
    b.write_bytes("k", b"old")
    with pytest.raises(StorageError):
        b.write_stream("k", chunks())
    assert b.read_bytes("k") == b"old"
    b.write_stream("k", iter([b"new ", b"content"]))
    assert b.read_bytes("k") == b"new content"


def test_upload_file(store, tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"file content")
    store.backend.upload_file("u/f", p)
    assert store.backend.read_bytes("u/f") == b"file content"


def test_conditional_write(store):
    b = store.backend
    assert b.read_versioned("p") is None
    e1 = b.write_conditional("p", b"v1", None)
    assert b.read_versioned("p") == (b"v1", e1)
    with pytest.raises(ConditionFailed):
        b.write_conditional("p", b"v1bis", None)  # create, but it exists
    e2 = b.write_conditional("p", b"v2", e1)
    assert e2 != e1 and b.read_versioned("p") == (b"v2", e2)
    with pytest.raises(ConditionFailed):
        b.write_conditional("p", b"v3", e1)  # stale etag
    with pytest.raises(ConditionFailed):
        b.write_conditional("never", b"x", e2)  # update of a missing key
    assert b.read_bytes("p") == b"v2"


def test_touch_keeps_content(store):
    b = store.backend
    b.write_bytes("t", b"same")
    before = b.info("t").mtime
    b.touch("t")
    assert b.read_bytes("t") == b"same" and b.info("t").mtime >= before


def test_redact_url():
    assert redact_url("s3://bucket/prefix") == "s3://bucket/prefix"
    assert redact_url("http://user:secret@minio:9000/x?token=abc#f") == "http://user:***@minio:9000/x?token=***#f"
    assert redact_url("/plain/path") == "/plain/path"


def test_open_backend_schemes(tmp_path):
    assert open_backend(str(tmp_path / "a")).scheme == "file"
    assert open_backend(f"file://{tmp_path}/b").scheme == "file"
    assert open_backend("memory://m").scheme == "memory"
    with pytest.raises(StorageError, match="unsupported store URL scheme 'ftp'"):
        open_backend("ftp://user:pw@host/x")
    with pytest.raises(StorageError) as ei:
        open_backend("gs://user:pw@host/x")
    assert "pw" not in str(ei.value)
    with pytest.raises(StorageError, match="invalid store URL"):
        open_backend("")


def test_relative_plain_path_is_made_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    b = open_backend("rel/store")
    assert b.url == f"file://{tmp_path}/rel/store" and (tmp_path / "rel" / "store").is_dir()


def test_backend_error_names_operation_url_and_key():
    e = BackendError("read", "s3://b/p", "objects/x", OSError("boom"))
    assert str(e) == "read s3://b/p/objects/x failed: OSError: boom"


def test_write_new_never_replaces(store):
    b = store.backend
    assert b.write_new("h/1", b"first") is True
    assert b.write_new("h/1", b"second") is False
    assert b.read_bytes("h/1") == b"first"
