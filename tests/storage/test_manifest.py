"""Manifest and ManifestEntry: validation, canonical JSON, content id."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.storage import Manifest, ManifestEntry, ObjectRef

SHA1 = "1" * 64
SHA2 = "2" * 64


def sample() -> Manifest:
    return Manifest.build("shards", [ManifestEntry("a.npz", SHA1, 10, metadata={"rows": 5}),
                                     ManifestEntry("b.npz", SHA2, 20)], {"board": "square8", "players": 2})


def test_round_trip_and_id():
    m = sample()
    text = m.to_json()
    assert Manifest.from_json(text) == m
    assert Manifest.from_json(text.encode()) == m
    assert m.id == hashlib.sha256(text.encode()).hexdigest()
    doc = json.loads(text)
    assert doc["format"] == "ringrift-manifest/1" and doc["kind"] == "shards"
    assert [e["name"] for e in doc["entries"]] == ["a.npz", "b.npz"]


def test_id_is_independent_of_metadata_key_order():
    a = Manifest("model", (), {"x": 1, "y": 2})
    b = Manifest("model", (), {"y": 2, "x": 1})
    assert a.id == b.id and a.to_json() == b.to_json()
    assert a.id != Manifest("model", (), {"x": 1, "y": 3}).id


def test_frozen_and_read_only_metadata():
    m = sample()
    with pytest.raises(AttributeError):
        m.kind = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.metadata["board"] = "hex8"  # type: ignore[index]
    meta = {"k": 1}
    e = ManifestEntry("n", SHA1, 1, metadata=meta)
    meta["k"] = 2
    assert e.metadata["k"] == 1  # copied, not aliased
    assert hash(e) == hash(ManifestEntry("n", SHA1, 1, metadata={"k": 1}))


def test_views():
    child = Manifest("dataset", (ManifestEntry("x", SHA1, 3),))
    m = Manifest.build("run", [ManifestEntry("w", SHA2, 7), ManifestEntry.for_manifest("data", child)])
    assert m.entry("w").size == 7 and [e.name for e in m.objects] == ["w"]
    assert m.children[0].sha256 == child.id and m.children[0].size == len(child.to_json())
    assert m.total_size == 7
    with pytest.raises(KeyError):
        m.entry("nope")
    assert ManifestEntry.for_object("o", ObjectRef(SHA1, 4)) == ManifestEntry("o", SHA1, 4)


@pytest.mark.parametrize("bad", [
    lambda: ManifestEntry("", SHA1, 1),
    lambda: ManifestEntry("a", "xyz", 1),
    lambda: ManifestEntry("a", SHA1, -1),
    lambda: ManifestEntry("a", SHA1, True),
    lambda: ManifestEntry("a", SHA1, 1, kind="blob"),
    lambda: ManifestEntry("a", SHA1, 1, metadata={"f": float("nan")}),
    lambda: ManifestEntry("a", SHA1, 1, metadata={"f": object()}),
    lambda: Manifest("", ()),
    lambda: Manifest("m", (ManifestEntry("a", SHA1, 1), ManifestEntry("a", SHA2, 1))),
])
def test_validation(bad):
    with pytest.raises(ValueError):
        bad()


@pytest.mark.parametrize("text", ["", "[]", "{}", '{"format":"other"}',
                                  '{"format":"ringrift-manifest/1","kind":"m","entries":{}}',
                                  '{"format":"ringrift-manifest/1","kind":"m","entries":[{"name":"a"}]}',
                                  '{"format":"ringrift-manifest/1","kind":"m","entries":[1]}',
                                  b"\xff\xfe"])
def test_from_json_rejects(text):
    with pytest.raises(ValueError):
        Manifest.from_json(text)


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=8),
                         st.floats(allow_nan=False, allow_infinity=False))
metadata = st.dictionaries(st.text(max_size=6), st.recursive(json_scalars, lambda c: st.lists(c, max_size=3)
                                                             | st.dictionaries(st.text(max_size=4), c, max_size=3),
                                                             max_leaves=6), max_size=4)


safe_names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,7}", fullmatch=True)  # engine.names rule


@given(st.text(min_size=1, max_size=10), st.lists(st.tuples(safe_names,
                                                            st.sampled_from([SHA1, SHA2]), st.integers(0, 10**12),
                                                            metadata), max_size=5, unique_by=lambda t: t[0]),
       metadata)
def test_json_round_trip_property(kind, entries, meta):
    m = Manifest(kind, tuple(ManifestEntry(n, s, z, metadata=md) for n, s, z, md in entries), meta)
    again = Manifest.from_json(m.to_json())
    assert again == m and again.id == m.id


@pytest.mark.parametrize("name", ["x/../../../../../../../../../../PWNED", "../x", "a/b", "..", ".hidden", "a\\b",
                                  "", "a b", "x" * 129, "-opt"])
def test_entry_names_that_could_leave_a_folder_are_refused(name):
    with pytest.raises(ValueError, match="invalid manifest entry name"):
        ManifestEntry(name, SHA1, 1)
    doc = (f'{{"entries":[{{"kind":"object","metadata":{{}},"name":{json.dumps(name)},"sha256":"{SHA1}","size":1}}],'
           '"format":"ringrift-manifest/1","kind":"dataset","metadata":{}}')
    with pytest.raises(ValueError, match="entry 0: invalid manifest entry name"):
        Manifest.from_json(doc)
