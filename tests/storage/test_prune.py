"""Prune: reachability from pointers (current and historical) and kept manifests, grace period, dry run."""

from __future__ import annotations

import os
import time

import pytest

from engine.storage import Manifest, ManifestEntry, StorageError, layout, prune
from engine.storage.backend import KeyInfo
from tests.storage.conftest import clobber
from tests.storage.helpers import publish

LATER = 2 * 3600.0  # seconds after now at which everything written by a test is past the grace period


def later():
    return time.time() + LATER


def scenario(store):
    """champion moved m1 -> m2; candidate c kept by the caller; junk manifest j and a stray object."""
    m1 = publish(store, {"w": b"champion one"}, "model")
    m2 = publish(store, {"w": b"champion two", "shared": b"shared bytes"}, "model")
    p = store.swap_pointer("champion/sq8", m1, None)
    store.swap_pointer("champion/sq8", m2, p)
    c = publish(store, {"w": b"candidate", "shared": b"shared bytes"}, "model")
    j = publish(store, {"w": b"junk weights"}, "model")
    stray = store.put_bytes(b"stray object")
    return m1, m2, c, j, stray


def test_dry_run_lists_and_deletes_nothing(store):
    m1, m2, c, j, stray = scenario(store)
    junk_obj = store.get_manifest(j).entry("w")
    before = (store.list_objects(), store.list_manifests())
    r = prune(store, {c}, now=later())
    assert r.dry_run and (store.list_objects(), store.list_manifests()) == before
    assert {(i.key, i.kind, i.size) for i in r.deleted} == {
        (layout.manifest_key(j), "manifest", len(store.backend.read_bytes(layout.manifest_key(j)))),
        (layout.object_key(junk_obj.sha256), "object", junk_obj.size),
        (stray.key, "object", stray.size)}
    assert r.bytes == sum(i.size for i in r.deleted) and all(i.age_seconds > 3600 for i in r.deleted)
    assert r.kept_manifests == 3 and r.kept_objects == 4


def test_real_run_deletes_exactly_the_unreachable(store):
    m1, m2, c, j, stray = scenario(store)
    dry = prune(store, {c}, now=later())
    real = prune(store, {c}, dry_run=False, now=later())
    assert not real.dry_run and {i.key for i in real.deleted} == {i.key for i in dry.deleted}
    assert [i.kind for i in real.deleted][0] == "manifest"  # manifests go before objects
    assert set(store.list_manifests()) == {m1, m2, c}
    for mid in (m1, m2, c):  # every champion ever, and the kept candidate, stay whole
        for e in store.get_manifest(mid).entries:
            store.verify(e.sha256)
    assert not store.has(stray.sha256)
    assert prune(store, {c}, dry_run=False, now=later()).deleted == ()


def test_grace_period_protects_recent_writes(store):
    m1, m2, c, j, stray = scenario(store)
    r = prune(store, set(), dry_run=False)  # now: everything is minutes old at most
    # the young manifests c and j are roots (a writer may be about to point at them); the stray is young
    assert r.deleted == () and r.kept_manifests == 4 and r.young == 1
    assert store.has(stray.sha256) and store.has_manifest(j)
    r2 = prune(store, set(), dry_run=False, grace_seconds=0.0, now=time.time() + 5)
    assert stray.key in {i.key for i in r2.deleted}


def test_configurable_grace(store):
    stray = store.put_bytes(b"stray")
    assert prune(store, now=time.time() + 100, grace_seconds=1000).deleted == ()
    assert [i.key for i in prune(store, now=time.time() + 100, grace_seconds=10).deleted] == [stray.key]


def test_without_pointer_protection_only_kept_manifests_survive(store):
    m1, m2, c, j, stray = scenario(store)
    r = prune(store, {m2}, keep_pointers=False, dry_run=False, now=later())
    assert set(store.list_manifests()) == {m2}
    assert {layout.manifest_key(m) for m in (m1, c, j)} <= {i.key for i in r.deleted}
    assert store.read_pointer("champion/sq8").target == m2  # pointers themselves are never deleted


def test_child_manifests_are_followed(store):
    leaf = publish(store, {"shard": b"rows"}, "shards")
    run = store.put_manifest(Manifest.build("run", [ManifestEntry.for_manifest("data", store.get_manifest(leaf))]))
    store.swap_pointer("runs/latest", run, None)
    r = prune(store, set(), dry_run=False, now=later())
    assert r.deleted == () and set(store.list_manifests()) == {leaf, run}


def test_missing_manifests_are_reported(store):
    r = prune(store, {"4" * 64}, now=later())
    assert r.missing_manifests == ("4" * 64,)


def test_an_unreadable_manifest_aborts_before_deleting(store):
    m1, m2, c, j, stray = scenario(store)
    clobber(store, layout.manifest_key(m2), b'{"format":"ringrift-manifest/1"}')
    with pytest.raises(StorageError, match="nothing deleted"):
        prune(store, {c}, dry_run=False, now=later())
    assert store.has(stray.sha256) and store.has_manifest(j)


def test_a_candidate_refreshed_during_the_prune_survives(store, monkeypatch):
    stray = store.put_bytes(b"reused by a writer right now")
    real_info = type(store.backend).info

    def info(self, key):
        got = real_info(self, key)
        if key == stray.key and got is not None:  # the writer re-put it after prune's listing
            return KeyInfo(got.key, got.size, got.mtime + 10)
        return got

    monkeypatch.setattr(type(store.backend), "info", info)
    r = prune(store, dry_run=False, now=later())
    assert r.deleted == () and store.has(stray.sha256)


def test_a_young_manifest_protects_its_old_objects(new_target):
    """A writer reused an old object and has just published a manifest it has not pointed at yet."""
    store = new_target("file").open()
    old = store.put_bytes(b"uploaded long ago")
    past = time.time() - LATER
    os.utime(store.local_path(old.sha256), (past, past))
    mid = store.put_manifest(Manifest.build("dataset", [ManifestEntry.for_object("o", old)]))
    r = prune(store, set(), dry_run=False)
    assert r.deleted == () and store.has(old.sha256) and store.has_manifest(mid)
    os.utime(store.backend.local_path(layout.manifest_key(mid)), (past, past))
    r2 = prune(store, set(), dry_run=False)
    assert {i.kind for i in r2.deleted} == {"manifest", "object"}


def test_stale_temp_files_of_crashed_writers_are_removed(new_target):
    store = new_target("file").open()
    tmp = store.backend.root_path / "tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / "old.tmp").write_bytes(b"x" * 10)
    (tmp / "fresh.tmp").write_bytes(b"y")
    past = time.time() - LATER
    os.utime(tmp / "old.tmp", (past, past))
    r = prune(store, dry_run=False)
    assert [(i.key, i.kind, i.size) for i in r.deleted] == [("tmp/old.tmp", "temp", 10)]
    assert [p.name for p in tmp.iterdir()] == ["fresh.tmp"]
