"""Column types shared by the models: timestamps that are always timezone-aware UTC.

SQLite has no timezone-aware timestamp type: SQLAlchemy stores ``DateTime`` there as ISO text
without an offset. ``UTCDateTime`` converts every value to UTC before it is bound (so text order =
time order on SQLite, and PostgreSQL's ``timestamptz`` gets an explicit offset) and attaches
``timezone.utc`` to every value read back, so Python code only ever sees aware UTC datetimes.
A naive datetime is refused: it is ambiguous (local time or UTC?), and guessing is how timestamps
end up off by hours.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """``value`` converted to UTC; a naive datetime raises ``ValueError``."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"naive datetime {value.isoformat()} (pass a timezone-aware datetime, e.g. in UTC)")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``DateTime(timezone=True)`` that binds UTC and always returns aware UTC datetimes."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        v = as_utc(value)
        # SQLite stores the text form without an offset: bind the naive UTC value.
        return v.replace(tzinfo=None) if dialect.name == "sqlite" else v

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
