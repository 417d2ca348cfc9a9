"""Fixtures for the database tests: every ``db`` test runs on SQLite and on PostgreSQL.

SQLite: a fresh file under ``tmp_path`` per test. PostgreSQL: one fresh, uniquely named database
per test session (``forge_test_<random>``, so pytest-xdist workers never share one), dropped when
the session ends; ``db`` tests get it migrated and emptied (``TRUNCATE``), ``new_url`` tests get it
with its schema dropped and recreated (a database nothing ever touched). The server is
``$RINGRIFT_TEST_PG_URL`` (an admin URL, default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
when it is unreachable the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from engine.db import Database, open_database
from engine.db.models import Base

PG_ADMIN_URL = os.environ.get("RINGRIFT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database (skips when unreachable)."""
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure means "no server here"
        engine.dispose()
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        pytest.skip(f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)} "
                    f"({first}); start it (CI does: .ci/run) or set RINGRIFT_TEST_PG_URL")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database(pg_admin: Engine) -> Iterator[str]:
    """The name of this session's (this xdist worker's) own database, dropped at the end.
    One per session: creating and dropping a PostgreSQL database costs a checkpoint each (seconds
    on a busy disk), emptying it costs milliseconds."""
    name = f"forge_test_{uuid.uuid4().hex[:16]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield name
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_session_db(pg_database: str) -> Iterator[Database]:
    """A ``Database`` on the session's database (its pool reconnects after ``pg_empty_url``)."""
    db = open_database(_url(pg_database), migrate=False)
    yield db
    db.dispose()


@pytest.fixture
def pg_empty_url(pg_admin: Engine, pg_database: str) -> str:
    """The URL of the session's database, emptied: its ``public`` schema dropped and recreated
    (after ending every other connection to it, e.g. one a failed test left behind)."""
    with pg_admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": pg_database})
    eng = create_engine(_url(pg_database), isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        eng.dispose()
    return _url(pg_database)


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_url(backend: str, tmp_path: Path, request) -> Callable[[], str]:
    """A factory of URLs of fresh, empty (unmigrated) databases of the test's backend (on
    PostgreSQL: one per test)."""
    if backend == "sqlite":
        counter = iter(range(1_000_000))
        return lambda: f"sqlite:///{tmp_path / f'db{next(counter)}' / 'forge.db'}"
    url = request.getfixturevalue("pg_empty_url")
    used = []

    def once() -> str:
        assert not used, "one empty PostgreSQL database per test"
        used.append(url)
        return url

    return once


@pytest.fixture
def db(backend: str, tmp_path: Path, request) -> Iterator[Database]:
    """A migrated, empty database of the test's backend."""
    if backend == "sqlite":
        d = open_database(f"sqlite:///{tmp_path / 'forge.db'}")
        yield d
        d.dispose()
    else:
        d = request.getfixturevalue("pg_session_db")
        if d.is_migrated():
            _truncate_all(d)
        else:  # first use, or a test emptied it or stamped another revision: start from an empty schema
            request.getfixturevalue("pg_empty_url")
            d.upgrade()
        yield d


@pytest.fixture
def other_host(db: Database) -> Iterator[Database]:
    """A second ``Database`` on the same database: another process / host writing to it."""
    d = open_database(db.engine.url.render_as_string(hide_password=False))
    yield d
    d.dispose()
