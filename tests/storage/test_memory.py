"""memory:// specifics: one namespace per name, shared by every store opened on it in the process."""

from __future__ import annotations

from engine.storage import open_store


def test_two_opens_share_data_and_names_are_isolated(new_target):
    t = new_target("memory")
    a, b = t.open(), t.open()
    ref = a.put_bytes(b"visible to b")
    assert b.get_bytes(ref.sha256) == b"visible to b"
    other = new_target("memory").open()
    assert not other.has(ref.sha256) and other.list_objects() == ()


def test_url_normalisation(new_target):
    t = new_target("memory")
    s = open_store(t.url + "/")
    assert s.url == t.url and repr(s) == f"ArtifactStore(MemoryBackend({t.url!r}))"
