"""engine.names: the one path-safe rule for ids and names, and the join that stays inside its folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from engine.names import MAX_NAME_LENGTH, UnsafeName, check_inside, check_name, is_safe_name, safe_join

GOOD = ["g" + "0123456789abcdef" * 2, "square8_2p", "model.safetensors", "train-00000.npz", "a", "9", "A.b-c_d",
        "x" * MAX_NAME_LENGTH]
BAD = ["", ".", "..", "../x", "x/../y", "a/b", "a\\b", "/abs", ".hidden", "-rf", "_x", "a..b", "a b", "a\nb",
       "a\x00b", "é", "x" * (MAX_NAME_LENGTH + 1), "x/../../../../../../../../../../PWNED",
       "../../../../../../PWNED_show_dir"]


@pytest.mark.parametrize("name", GOOD)
def test_safe_names_pass_unchanged(name):
    assert check_name(name, "game id") == name and is_safe_name(name)


@pytest.mark.parametrize("name", BAD)
def test_unsafe_names_are_refused_naming_kind_and_value(name):
    assert not is_safe_name(name)
    with pytest.raises(UnsafeName) as e:
        check_name(name, "batch id")
    msg = str(e.value)
    assert msg.startswith("invalid batch id ") and "\n" not in msg
    assert e.value.kind == "batch id" and e.value.value == name
    assert isinstance(e.value, ValueError)


def test_non_strings_are_refused():
    for v in (None, 3, b"abc", ["a"]):
        with pytest.raises(UnsafeName, match="expected a string"):
            check_name(v, "run id")


def test_safe_join_stays_inside(tmp_path):
    assert safe_join(tmp_path, "a", "b.txt") == tmp_path / "a" / "b.txt"
    assert safe_join(Path("show"), "g1", kind="game id") == Path("show") / "g1"  # relative stays relative
    for bad in BAD:
        with pytest.raises(UnsafeName):
            safe_join(tmp_path, "ok", bad)
    with pytest.raises(ValueError):
        safe_join(tmp_path)


def test_a_symlink_planted_inside_cannot_redirect_the_join(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "base"
    base.mkdir()
    os.symlink(outside, base / "link")
    with pytest.raises(UnsafeName, match="outside"):
        safe_join(base, "link", "x")
    with pytest.raises(UnsafeName, match="outside"):
        check_inside(base, base / "link" / "x")
    assert check_inside(base, base / "a" / ".." / "b") == (base / "b").resolve()
