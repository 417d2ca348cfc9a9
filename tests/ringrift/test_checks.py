"""The argument checks of the command line (in-process; tests/ringrift/test_bad_input.py runs them
through the real CLI)."""

from __future__ import annotations

import argparse

import pytest

from engine.config import config_from_dict
from ringrift import _checks as checks
from ringrift._errors import UsageError


@pytest.mark.parametrize("parse, text, value", [
    (checks.count, "3", 3), (checks.non_negative, "0", 0), (checks.seed, "4294967295", 2**32 - 1),
    (checks.float_at_least(0, strict=True), "0.5", 0.5), (checks.config_key, "square8-2p", "square8_2p"),
    (checks.config_keys, "hex8_2p, square19-4p", ["hex8_2p", "square19_4p"]),
    (checks.name("run id"), "run-1.a_b", "run-1.a_b"), (checks.sha256, "ab" * 32, "ab" * 32),
])
def test_good_values_pass(parse, text, value):
    assert parse(text) == value


@pytest.mark.parametrize("parse, text, message", [
    (checks.count, "0", "must be >= 1, got 0"),
    (checks.count, "2.5", "expected an integer, got '2.5'"),
    (checks.non_negative, "-1", "must be >= 0, got -1"),
    (checks.seed, "-1", "must be in [0, 4294967295], got -1"),
    (checks.seed, "4294967296", "must be in [0, 4294967295], got 4294967296"),
    (checks.float_at_least(0, strict=True), "0", "must be > 0, got 0"),
    (checks.float_at_least(0), "nan", "expected a finite number, got 'nan'"),
    (checks.float_at_least(0), "inf", "expected a finite number, got 'inf'"),
    (checks.config_key, "square9_2p", "unknown config key 'square9_2p' (did you mean 'square19_2p'?)"),
    (checks.config_key, "square8_5p", "unknown config key 'square8_5p'"),
    (checks.config_keys, ",", "expected comma-separated config keys, got ','"),
    (checks.name("run id"), "../x", "invalid run id '../x': must not contain '..'"),
    (checks.name("model id"), "a/b", "invalid model id 'a/b': only letters"),
    (checks.sha256, "AB" * 32, "expected 64 lowercase hex digits"),
])
def test_bad_values_are_one_line_argparse_errors(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as exc:
        parse(text)
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


def test_profile_must_be_configured():
    cfg = config_from_dict({}, "c.yaml", env={})
    assert checks.profile(cfg, None) is None and checks.profile(cfg, "standard") == "standard"
    with pytest.raises(UsageError, match=r"unknown loop profile 'standrd' \(did you mean 'standard'\?\): c.yaml"):
        checks.profile(cfg, "standrd")


def test_ids_are_looked_up_without_creating_a_database(tmp_path):
    cfg = config_from_dict({"home": str(tmp_path / "home")}, "c.yaml", env={})
    assert "no database file" in checks.database_missing(cfg)
    with pytest.raises(UsageError, match="unknown dataset 'ab12'"):
        checks.known_dataset(cfg, "ab12")
    with pytest.raises(UsageError, match="--to: unknown model 'cd34'"):
        checks.known_model(cfg, "cd34", option="--to")
    checks.known_dataset(cfg, None)  # nothing asked, nothing looked up
    assert not (tmp_path / "home").exists()
