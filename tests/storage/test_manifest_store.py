"""Manifests stored by content: published only when complete, verified when read."""

from __future__ import annotations

import pytest

from engine.storage import (
    DocumentError,
    IntegrityError,
    Manifest,
    ManifestEntry,
    ManifestNotFound,
    StorageError,
    layout,
    manifest_store,
)
from engine.storage.hashing import sha256_bytes
from tests.storage.conftest import clobber
from tests.storage.helpers import publish


def test_put_get_list(store):
    mid = publish(store, {"a": b"alpha", "b": b"beta"}, metadata={"games": 2})
    m = store.get_manifest(mid)
    assert m.kind == "dataset" and [e.name for e in m.entries] == ["a", "b"] and m.metadata["games"] == 2
    assert mid == m.id
    assert store.has_manifest(mid) and store.list_manifests() == (mid,)
    assert store.put_manifest(m) == mid  # idempotent
    assert store.backend.read_bytes(layout.manifest_key(mid)) == m.to_json().encode()


def test_refuses_a_manifest_listing_missing_objects(store):
    ref = store.put_bytes(b"present")
    m = Manifest.build("dataset", [ManifestEntry.for_object("ok", ref),
                                   ManifestEntry("missing", "9" * 64, 3)])
    with pytest.raises(StorageError, match="missing"):
        store.put_manifest(m)
    assert store.list_manifests() == ()
    assert store.put_manifest(m, check_objects=False) == m.id  # explicit opt-out


def test_refuses_a_manifest_referencing_a_missing_child(store):
    child = Manifest("dataset", ())
    parent = Manifest.build("run", [ManifestEntry.for_manifest("data", child)])
    with pytest.raises(StorageError, match="data"):
        store.put_manifest(parent)
    store.put_manifest(child)
    assert store.put_manifest(parent) == parent.id


def test_corrupted_manifest_is_detected(store):
    mid = publish(store, {"a": b"x"})
    clobber(store, layout.manifest_key(mid), store.backend.read_bytes(layout.manifest_key(mid)).replace(b'"a"', b'"b"'))
    with pytest.raises(IntegrityError, match=mid):
        store.get_manifest(mid)


def test_a_valid_hash_of_garbage_is_a_document_error(store):
    data = b"not json"
    store.backend.write_bytes(layout.manifest_key(sha256_bytes(data)), data)
    with pytest.raises(DocumentError, match="not JSON"):
        store.get_manifest(sha256_bytes(data))


def test_missing_manifest(store):
    with pytest.raises(ManifestNotFound, match="manifests/"):
        store.get_manifest("7" * 64)


def test_walk_follows_child_manifests(store):
    leaf = publish(store, {"x": b"1"})
    mid_m = Manifest.build("shards", [ManifestEntry.for_manifest("leaf", store.get_manifest(leaf))])
    mid = store.put_manifest(mid_m)
    top = store.put_manifest(Manifest.build("run", [ManifestEntry.for_manifest("mid", mid_m)]))
    assert set(manifest_store.walk_manifests(store.backend, [top])) == {top, mid, leaf}
