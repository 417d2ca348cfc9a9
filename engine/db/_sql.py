"""Internal helpers of the repository modules (not part of the API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from .types import as_utc, utcnow


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert(session: Session, table: Table):
    """The dialect's INSERT (with ``on_conflict_do_nothing``) for ``table``."""
    name = dialect_of(session)
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise NotImplementedError(f"engine.db supports SQLite and PostgreSQL, not {name}")


def plain(obj: Any) -> Any:
    """A JSON-ready copy: mappings -> dict (str keys), tuples/lists -> list."""
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def when(value: datetime | None, default: datetime | None = None) -> datetime:
    """An aware UTC datetime: ``value`` converted, or ``default`` / now when it is None."""
    if value is None:
        return default if default is not None else utcnow()
    return as_utc(value)


def chunks(seq: list, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]
