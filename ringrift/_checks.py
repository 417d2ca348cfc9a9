"""Checks of command-line input made before anything starts (no Prefect server, no store, no
training): argparse types for numbers, seeds, config keys and ids, the config file itself, and
lookups of the ids a command is given in the database.

A failed argparse type is one line and exit 2 through the parser; the lookups raise
``UsageError`` (one line, exit 2, see ``ringrift._errors``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._errors import UsageError

SEED_MAX = 2**32 - 1  # numpy's seed range


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def int_at_least(low: int):
    """An argparse type: an integer >= ``low``."""

    def parse(text: str) -> int:
        value = _int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def float_at_least(low: float, *, strict: bool = False):
    """An argparse type: a finite number >= ``low`` (``strict``: > ``low``)."""

    def parse(text: str) -> float:
        value = _float(text)
        if value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"must be {'>' if strict else '>='} {low:g}, got {value:g}")
        return value

    parse.__name__ = f"number >= {low:g}"
    return parse


count = int_at_least(1)  # games, workers, simulations: at least one
non_negative = int_at_least(0)  # where 0 means "none" or "until stopped"


def seed(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"must be in [0, {SEED_MAX}], got {value}")
    return value


def config_key(text: str) -> str:
    """``square8_2p`` or ``square8-2p`` -> ``square8_2p``; anything else is refused by name."""
    from engine.config import ConfigKeyRule

    key = text.replace("-", "_")
    problem = ConfigKeyRule().problem(key)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return key


def config_keys(text: str) -> list[str]:
    """A comma-separated list of config keys."""
    keys = [w.strip() for w in text.split(",") if w.strip()]
    if not keys:
        raise argparse.ArgumentTypeError(f"expected comma-separated config keys, got {text!r}")
    return [config_key(k) for k in keys]


def name(kind: str):
    """An argparse type: an id that may become part of a path (``engine.names`` rule)."""

    def parse(text: str) -> str:
        from engine.names import name_problem

        problem = name_problem(text)
        if problem:
            raise argparse.ArgumentTypeError(f"invalid {kind} {text!r}: {problem}")
        return text

    parse.__name__ = kind
    return parse


# -- the config ------------------------------------------------------------------------------------

def config(args: argparse.Namespace | None = None):
    """The validated ``ForgeConfig`` of ``--config`` / ``$RINGRIFT_CONFIG_PATH`` and the
    ``RINGRIFT_*`` overrides; ``ConfigError`` (one line, exit 2) before anything starts."""
    from engine.config import load_config

    path = getattr(args, "config", None) if args is not None else None
    return load_config(path)


def profile(cfg, value: str | None) -> str:
    """A loop profile of the config (``--profile``)."""
    import difflib

    if value is None or value in cfg.loop.profiles:
        return value
    close = difflib.get_close_matches(value, list(cfg.loop.profiles), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise UsageError(f"unknown loop profile {value!r}{hint}: {cfg.source} configures "
                     f"{', '.join(sorted(cfg.loop.profiles))} (loop.profiles)")


# -- ids the database must know ----------------------------------------------------------------------

def database_missing(cfg) -> str | None:
    """Why the configured database is not there (a SQLite file that does not exist, which opening
    would create empty), or ``None``."""
    from engine.db.database import sqlite_file

    path = sqlite_file(cfg.database_url)
    if path is not None:
        if not path.is_file():
            return f"no database file {path} (nothing was ingested under this home yet)"
    return None


def _database(cfg):
    """The configured database, opened without migrating, or ``None`` when there is none yet."""
    if database_missing(cfg):
        return None
    from engine.db import open_database

    return open_database(cfg.database_url, migrate=False)


def _lookup(cfg, getter: str, ident: str) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    import engine.db as db_api

    db = _database(cfg)
    if db is None:
        return None
    try:
        with db.session(write=False) as s:
            return getattr(db_api, getter)(s, ident)
    except SQLAlchemyError:  # not migrated yet: it knows nothing
        return None
    finally:
        db.dispose()


def known_dataset(cfg, dataset_id: str | None, config_key: str | None = None) -> None:
    """``UsageError`` unless the database knows dataset ``dataset_id`` (of ``config_key``)."""
    if dataset_id is None:
        return
    row = _lookup(cfg, "get_dataset", dataset_id)
    if row is None:
        raise UsageError(f"unknown dataset {dataset_id!r}: the database ({_where(cfg)}) has no such dataset "
                         "(`ringrift export` makes one)")
    if config_key and row.config_key != config_key:
        raise UsageError(f"dataset {dataset_id!r} is a {row.config_key} dataset, not {config_key}")


def known_model(cfg, model_id: str | None, config_key: str | None = None, option: str = "--model") -> None:
    """``UsageError`` unless the database knows model ``model_id`` (of ``config_key``)."""
    if model_id is None:
        return
    row = _lookup(cfg, "get_model", model_id)
    if row is None:
        raise UsageError(f"{option}: unknown model {model_id!r}: the database ({_where(cfg)}) has no such model")
    if config_key and row.config_key != config_key:
        raise UsageError(f"{option}: model {model_id!r} is a {row.config_key} model, not {config_key}")


def _where(cfg) -> str:
    from engine.redact import redact_url

    return redact_url(cfg.database_url)


def sha256(text: str) -> str:
    """An object id of the store: 64 lowercase hex digits."""
    import re

    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise argparse.ArgumentTypeError(f"expected 64 lowercase hex digits (a shard's sha256), got {text!r}")
    return text
