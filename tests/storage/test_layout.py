"""The key layout: one function per kind of key, names validated before any I/O."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.storage import InvalidName, layout

SHA = "ab" + "0" * 62


def test_keys():
    assert layout.object_key(SHA) == f"objects/ab/{SHA}"
    assert layout.manifest_key(SHA) == f"manifests/{SHA}.json"
    assert layout.pointer_key("champion/square8_2p") == "pointers/champion/square8_2p.json"
    t = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert layout.history_key("champion/square8_2p", 7, t) == \
        "pointers-history/champion/square8_2p/0000000007-20260102T030405678901Z.json"


def test_keys_parse_back():
    t = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert layout.sha_from_object_key(layout.object_key(SHA)) == SHA
    assert layout.id_from_manifest_key(layout.manifest_key(SHA)) == SHA
    assert layout.name_from_pointer_key(layout.pointer_key("a/b")) == "a/b"
    assert layout.parse_history_key(layout.history_key("a/b", 12, t)) == ("a/b", 12)


@pytest.mark.parametrize("key", [f"objects/cd/{SHA}", f"objects/ab/{SHA}.tmp", "objects/ab/xyz", f"tmp/{SHA}",
                                 f"objects/ab/cd/{SHA}"])
def test_stray_object_keys_are_ignored(key):
    assert layout.sha_from_object_key(key) is None


@pytest.mark.parametrize("name", ["", "/", "a//b", "../x", "a/../b", ".hidden", "a/.b", "-x", "a b", "a/b/",
                                  "x.json", "a/b.json", "é", "a" * 201, "a\\b", "a/x..y"])
def test_bad_pointer_names(name):
    with pytest.raises(InvalidName):
        layout.pointer_key(name)


@pytest.mark.parametrize("name", ["champion", "champion/square8_2p", "candidates/hex8-3p/v1.2", "A/B_c-d.e"])
def test_good_pointer_names(name):
    assert layout.check_pointer_name(name) == name


@given(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,10}", fullmatch=True), min_size=1, max_size=4),
       st.integers(1, 10**9))
def test_history_keys_of_valid_names_parse_back(segments, version):
    name = "/".join(segments)
    try:
        layout.check_pointer_name(name)
    except InvalidName:
        return  # a segment ending in .json
    key = layout.history_key(name, version, datetime(2026, 5, 6, tzinfo=UTC))
    assert layout.parse_history_key(key) == (name, version)


def test_history_keys_sort_by_version():
    t = datetime(2030, 1, 1, tzinfo=UTC)
    early = datetime(2020, 1, 1, tzinfo=UTC)
    assert layout.history_key("p", 9, t) < layout.history_key("p", 10, early)
