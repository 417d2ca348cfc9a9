"""Named pointers: compare-and-swap, races between threads and processes, history."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest

from engine.storage import DocumentError, InvalidName, ManifestNotFound, Pointer, PointerConflict, layout, pointers
from tests.storage.conftest import clobber
from tests.storage.helpers import publish, race_swap

NAME = "champion/square8_2p"


def two_manifests(store):
    return publish(store, {"w": b"model one"}, "model"), publish(store, {"w": b"model two"}, "model")


def test_create_then_move(store):
    m1, m2 = two_manifests(store)
    assert store.read_pointer(NAME) is None
    p1 = store.swap_pointer(NAME, m1, None, metadata={"elo": 1500})
    assert (p1.name, p1.target, p1.version, p1.previous, dict(p1.metadata)) == (NAME, m1, 1, None, {"elo": 1500})
    assert p1.etag and store.read_pointer(NAME) == p1 and store.read_pointer(NAME).etag == p1.etag
    p2 = store.swap_pointer(NAME, m2, p1)
    assert (p2.target, p2.version, p2.previous) == (m2, 2, m1)
    assert store.read_pointer(NAME) == p2
    assert store.list_pointers() == (NAME,)
    doc = json.loads(store.backend.read_bytes(layout.pointer_key(NAME)))
    assert doc["target"] == m2 and doc["version"] == 2 and doc["format"] == "ringrift-pointer/1"


def test_stale_expected_is_a_conflict(store):
    m1, m2 = two_manifests(store)
    p1 = store.swap_pointer(NAME, m1, None)
    store.swap_pointer(NAME, m2, p1)
    with pytest.raises(PointerConflict) as ei:
        store.swap_pointer(NAME, m1, p1)
    assert NAME in str(ei.value) and "version 1" in str(ei.value)
    assert store.read_pointer(NAME).target == m2


def test_create_when_it_exists_is_a_conflict(store):
    m1, m2 = two_manifests(store)
    store.swap_pointer(NAME, m1, None)
    with pytest.raises(PointerConflict, match="absent"):
        store.swap_pointer(NAME, m2, None)


def test_target_must_be_a_stored_manifest(store):
    with pytest.raises(ManifestNotFound):
        store.swap_pointer(NAME, "5" * 64, None)
    with pytest.raises(InvalidName):
        store.swap_pointer(NAME, "nope", None)
    with pytest.raises(InvalidName):
        store.swap_pointer("../escape", "5" * 64, None)
    assert store.read_pointer(NAME) is None


def test_expected_must_be_a_live_pointer(store):
    m1, _ = two_manifests(store)
    p1 = store.swap_pointer(NAME, m1, None)
    with pytest.raises(ValueError, match="etag"):
        store.swap_pointer(NAME, m1, store.pointer_history(NAME)[0])
    with pytest.raises(ValueError):
        store.swap_pointer("other", m1, p1)


def test_threads_racing_exactly_one_wins(store):
    m1, m2 = two_manifests(store)
    for rnd in range(3):
        base = store.read_pointer(NAME)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def racer(target, barrier=barrier, base=base, outcomes=outcomes):
            barrier.wait()
            try:
                store.swap_pointer(NAME, target, base)
                outcomes.append("won")
            except PointerConflict:
                outcomes.append("conflict")

        threads = [threading.Thread(target=racer, args=(t,)) for t in (m1, m2)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(outcomes) == ["conflict", "won"], rnd
        assert store.read_pointer(NAME).version == rnd + 1


@pytest.mark.parametrize("kind", ["file", "s3"])
def test_processes_racing_exactly_one_wins(new_target, kind):
    target = new_target(kind)
    store = target.open()
    m1, m2 = two_manifests(store)
    store.swap_pointer(NAME, m1, None)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=race_swap, args=(target.url, target.endpoint, NAME, t, barrier, results))
             for t in (m1, m2)]
    [p.start() for p in procs]
    [p.join(60) for p in procs]
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted(results.get(timeout=5) for _ in procs) == ["conflict", "won"]
    assert store.read_pointer(NAME).version == 2
    assert [p.version for p in store.pointer_history(NAME)] == [1, 2]


def test_history_records_every_version(store):
    m1, m2 = two_manifests(store)
    p = store.swap_pointer(NAME, m1, None)
    for i in range(4):
        p = store.swap_pointer(NAME, m2 if i % 2 == 0 else m1, p, metadata={"i": i})
    hist = store.pointer_history(NAME)
    assert [h.version for h in hist] == [1, 2, 3, 4, 5]
    assert [h.target for h in hist] == [m1, m2, m1, m2, m1]
    assert all(h.etag == "" for h in hist) and hist[-1] == store.read_pointer(NAME)
    assert all(a.updated_at < b.updated_at for a, b in zip(hist, hist[1:]))
    keys = [i.key for i in store.backend.list(layout.HISTORY)]
    assert keys == sorted(keys) and len(keys) == 5


def test_history_of_a_pointer_excludes_its_children(store):
    m1, m2 = two_manifests(store)
    store.swap_pointer("champion", m1, None)
    store.swap_pointer("champion/sub", m2, None)
    assert [h.target for h in store.pointer_history("champion")] == [m1]
    assert [h.target for h in store.pointer_history("champion/sub")] == [m2]
    assert store.list_pointers() == ("champion", "champion/sub")


def test_a_lost_history_entry_is_repaired_by_the_next_swap(store):
    m1, m2 = two_manifests(store)
    p1 = store.swap_pointer(NAME, m1, None)
    p2 = store.swap_pointer(NAME, m2, p1)
    store.backend.delete(p2.history_key)  # as if the writer died between the swap and the history write
    assert [h.version for h in store.pointer_history(NAME)] == [1, 2]  # the current one is reported anyway
    store.swap_pointer(NAME, m1, p2)
    assert store.backend.info(p2.history_key) is not None


def test_clock_skew_never_makes_time_go_backwards(store):
    m1, m2 = two_manifests(store)
    p1 = store.swap_pointer(NAME, m1, None)
    p2 = store.swap_pointer(NAME, m2, p1, now=p1.updated_at - timedelta(hours=1))
    assert p2.updated_at > p1.updated_at


def test_corrupt_pointer_document_is_reported(store):
    m1, _ = two_manifests(store)
    store.swap_pointer(NAME, m1, None)
    clobber(store, layout.pointer_key(NAME), b"{broken")
    with pytest.raises(DocumentError, match=layout.pointer_key(NAME)):
        store.read_pointer(NAME)


def test_pointer_document_round_trip():
    t = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)
    p = Pointer("a/b", "1" * 64, 3, t, "2" * 64, {"elo": 12.5}, etag="e")
    q = Pointer.from_json(p.to_json(), "e")
    assert q == p and q.updated_at == t
    for bad in ("{}", "[]", p.to_json().replace('"version":3', '"version":0'), "x"):
        with pytest.raises(ValueError):
            Pointer.from_json(bad)
    with pytest.raises(ValueError):
        Pointer("a", "1" * 64, 1, datetime(2026, 1, 1))  # naive time


def test_mirror_pointer_copies_exactly(new_target):
    a, b = new_target("memory").open(), new_target("file").open()
    m1 = publish(a, {"x": b"1"})
    b.put_manifest(a.get_manifest(m1), check_objects=False)
    p = a.swap_pointer(NAME, m1, None, metadata={"k": "v"})
    assert pointers.mirror_pointer(b.backend, p) is True
    assert pointers.mirror_pointer(b.backend, p) is False
    assert b.read_pointer(NAME) == p


def test_mirror_never_moves_a_pointer_backwards(new_target):
    a, b = new_target("memory").open(), new_target("file").open()
    m1, m2 = two_manifests(a)
    for mid in (m1, m2):
        b.put_manifest(a.get_manifest(mid), check_objects=False)
    p1 = a.swap_pointer(NAME, m1, None)
    p2 = a.swap_pointer(NAME, m2, p1)
    assert pointers.mirror_pointer(b.backend, p2) is True
    assert pointers.mirror_pointer(b.backend, p1) is False  # a late, stale sync
    assert b.read_pointer(NAME) == p2
