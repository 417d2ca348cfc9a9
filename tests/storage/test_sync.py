"""Sync a remote store into a local cache: closure, verification, resumability, model fetch."""

from __future__ import annotations

import os

import pytest

from engine.storage import (
    IntegrityError,
    Manifest,
    ManifestEntry,
    PointerNotFound,
    SyncFailed,
    fetch_pointer_target,
    layout,
    open_store,
    sync_store,
)
from tests.storage.conftest import clobber
from tests.storage.helpers import publish

NAME = "champion/square8_2p"


@pytest.fixture
def remote(store):
    return store


@pytest.fixture
def local(new_target):
    return new_target("file").open()


def populate(remote):
    """Two datasets, a run manifest referencing one of them, a champion pointer with two versions."""
    d1 = publish(remote, {f"s{i}": os.urandom(2000 + i) for i in range(3)})
    d2 = publish(remote, {"t": os.urandom(500)})
    model = remote.put_bytes(os.urandom(4000))
    run = Manifest.build("model", [ManifestEntry.for_object("model.safetensors", model),
                                   ManifestEntry.for_manifest("data", remote.get_manifest(d1))])
    run_id = remote.put_manifest(run)
    p = remote.swap_pointer(NAME, d2, None)
    remote.swap_pointer(NAME, run_id, p)
    stray = remote.put_bytes(b"object in no manifest")
    return d1, d2, run_id, model, stray


def test_full_sync_copies_everything_then_nothing(remote, local):
    d1, d2, run_id, model, stray = populate(remote)
    r = sync_store(remote, local)
    assert r.ok and r.copied == 3 + 1 + 1 + 1 + 3 and r.skipped == 0 and r.bytes > 0
    assert r.pointers_updated == (NAME,)
    assert set(local.list_objects()) == set(remote.list_objects())
    assert set(local.list_manifests()) == {d1, d2, run_id}
    assert local.read_pointer(NAME) == remote.read_pointer(NAME)
    assert [p.version for p in local.pointer_history(NAME)] == [1, 2]
    for ref in local.list_objects():
        local.verify(ref.sha256)
    again = sync_store(remote, local)
    assert again.ok and again.copied == 0 and again.bytes == 0 and again.skipped > 0 and again.pointers_updated == ()


def test_sync_of_one_manifest_copies_its_closure_only(remote, local):
    d1, d2, run_id, model, stray = populate(remote)
    r = sync_store(remote, local, manifests=[run_id])
    assert r.ok and set(local.list_manifests()) == {run_id, d1}
    assert local.has(model.sha256) and not local.has(stray.sha256)
    assert local.list_pointers() == ()


def test_sync_of_a_pointer_follows_it(remote, local):
    d1, d2, run_id, model, stray = populate(remote)
    r = sync_store(remote, str(local.backend.root_path), pointers=[NAME])
    assert r.ok and r.pointers_updated == (NAME,)
    assert local.read_pointer(NAME).target == run_id and not local.has_manifest(d2)
    m3 = publish(remote, {"new": b"next champion"}, "model")
    remote.swap_pointer(NAME, m3, remote.read_pointer(NAME))
    r2 = sync_store(remote, local, pointers=[NAME])
    assert r2.pointers_updated == (NAME,) and local.read_pointer(NAME).target == m3
    assert [p.version for p in local.pointer_history(NAME)] == [1, 2, 3]


def test_interrupted_sync_resumes_and_never_shows_partial_objects(remote, local):
    populate(remote)
    big = publish(remote, {f"big{i}": os.urandom(1_500_000) for i in range(3)})
    copied = []

    class Interrupted(Exception):
        pass

    def die_midway(n):
        copied.append(n)
        if sum(copied) > 2_500_000:  # inside the second big object
            raise Interrupted

    with pytest.raises(Interrupted):
        sync_store(remote, local, manifests=[big], progress=die_midway)
    have = local.list_objects()
    assert 1 <= len(have) < 3
    for ref in have:
        local.verify(ref.sha256)  # whatever is visible is complete and right
    assert list((local.backend.root_path / "tmp").iterdir()) == []
    assert not local.has_manifest(big)
    r = sync_store(remote, local, manifests=[big])
    assert r.ok and r.skipped == len(have) and r.copied == 3 - len(have) + 1
    assert local.has_manifest(big)


def test_a_truncated_local_file_does_not_count(remote, local):
    mid = publish(remote, {"x": os.urandom(10_000)})
    ref = remote.get_manifest(mid).entries[0]
    path = local.local_path(ref.sha256)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"half")
    r = sync_store(remote, local, manifests=[mid])
    assert r.ok and r.copied == 2
    local.verify(ref.sha256)


def test_a_corrupt_remote_object_is_not_copied_and_blocks_the_pointer(remote, local):
    d1, d2, run_id, model, stray = populate(remote)
    clobber(remote, model.key, os.urandom(model.size))
    r = sync_store(remote, local, pointers=[NAME])
    assert not r.ok and [e.key for e in r.errors] == [model.key, layout.pointer_key(NAME)]
    assert "integrity check failed" in r.errors[0].message
    assert not local.has(model.sha256) and not local.has_manifest(run_id)
    assert local.read_pointer(NAME) is None
    assert local.has_manifest(d1)  # the healthy part of the closure did arrive


def test_missing_remote_pointer_or_manifest_is_reported(remote, local):
    r = sync_store(remote, local, pointers=["champion/none"], manifests=["3" * 64])
    assert not r.ok and {e.key for e in r.errors} == {"pointers/champion/none.json", layout.manifest_key("3" * 64)}


def test_sync_never_deletes(remote, local):
    populate(remote)
    mine = local.put_bytes(b"only in the cache")
    mid = publish(local, {"own": b"cache-only dataset"})
    sync_store(remote, local)
    assert local.has(mine.sha256) and local.has_manifest(mid)


def test_fetch_pointer_target(remote, local):
    d1, d2, run_id, model, stray = populate(remote)
    got = fetch_pointer_target(remote, local, NAME)
    assert got.pointer.target == run_id and got.manifest == remote.get_manifest(run_id) and got.report.ok
    assert got.files["model.safetensors"].read_bytes() == remote.get_bytes(model.sha256)
    assert local.read_pointer(NAME).target == run_id
    again = fetch_pointer_target(remote, local, NAME)
    assert again.report.copied == 0


def test_fetch_into_a_non_local_cache_has_no_file_paths(remote, new_target):
    populate(remote)
    cache = new_target("memory").open()
    got = fetch_pointer_target(remote, cache, NAME)
    assert dict(got.files) == {} and cache.read_pointer(NAME).target == got.pointer.target


def test_fetch_errors(remote, local):
    with pytest.raises(PointerNotFound, match="champion/none"):
        fetch_pointer_target(remote, local, "champion/none")
    d1, d2, run_id, model, stray = populate(remote)
    clobber(remote, model.key, b"garbage")
    with pytest.raises(SyncFailed) as ei:
        fetch_pointer_target(remote, local, NAME)
    assert model.key in str(ei.value) and not ei.value.report.ok


def test_a_damaged_local_manifest_is_replaced(remote, local):
    mid = publish(remote, {"x": b"data"})
    sync_store(remote, local, manifests=[mid])
    clobber(local, layout.manifest_key(mid), b"{}")
    with pytest.raises(IntegrityError):
        local.get_manifest(mid)
    r = sync_store(remote, local, manifests=[mid])
    assert r.ok and local.get_manifest(mid) == remote.get_manifest(mid)


def test_local_given_as_a_path(remote, tmp_path):
    mid = publish(remote, {"x": b"1"})
    assert sync_store(remote, tmp_path / "cache", manifests=[mid]).ok
    assert open_store(tmp_path / "cache").has_manifest(mid)
