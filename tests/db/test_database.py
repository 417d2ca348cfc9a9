"""engine.db.database: opening, SQLite setup, sessions, migrations (idempotent, concurrent,
reversible, in agreement with the models), the UTC timestamp type."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import traceback
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from engine.config import config_from_dict
from engine.db import (
    Database,
    DatabaseError,
    alembic_config,
    count_games,
    database_from_config,
    head_revision,
    insert_games,
    open_database,
    record_shard,
    upgrade,
    upgrade_sql,
)
from engine.db.models import Base, Shard
from engine.db.types import UTCDateTime, as_utc
from tests.db.conftest import _url
from tests.db.helpers import game, shard

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"games", "shards", "quarantine", "datasets", "training_runs", "models", "pointers", "pointer_history",
          "promotions", "player_specs", "matches", "match_players", "ratings"}


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


# -- migrations ----------------------------------------------------------------------------------------

def test_open_migrates_to_head(db):
    assert db.current_revision() == head_revision()
    assert db.is_migrated()
    assert _tables(db) == TABLES | {"alembic_version"}


def test_upgrade_twice_is_a_no_op(new_url):
    url = new_url()
    assert upgrade(url) == head_revision()
    with open_database(url, migrate=False) as db:
        with db.session() as s:
            record_shard(s, shard("s1"))
    assert upgrade(url) == head_revision()  # nothing to do, data intact
    with open_database(url) as db:  # open_database migrates again: still nothing
        assert db.current_revision() == head_revision()
        with db.session(write=False) as s:
            assert s.scalar(select(Shard.shard_id)) == "s1"


def test_models_and_migrations_agree(db):
    """Alembic autogenerate finds nothing to do: the migrations build exactly the models' schema."""
    assert db.schema_diff() == []
    # the same through env.py's URL path (what `alembic check` / `revision --autogenerate` run)
    command.check(alembic_config(db.engine.url.render_as_string(hide_password=False)))


def test_unmigrated_database(new_url):
    url = new_url()
    with open_database(url, migrate=False) as db:
        assert db.current_revision() is None
        assert not db.is_migrated()
        assert db.upgrade() == head_revision()
        assert db.is_migrated()


def test_downgrade_to_base_and_back(new_url):
    url = new_url()
    with open_database(url) as db:
        assert db.downgrade("base") is None
        assert _tables(db) <= {"alembic_version"}
        assert db.upgrade() == head_revision()
        assert _tables(db) == TABLES | {"alembic_version"}
        assert db.schema_diff() == []


def test_database_migrated_by_newer_code(new_url):
    url = new_url()
    with open_database(url) as db:
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        assert not db.is_migrated()
    with pytest.raises(DatabaseError, match="newer code"):
        open_database(url)


_RACER = textwrap.dedent("""
    import os, sys, time
    from engine.db import open_database
    url, gate, me, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    open(os.path.join(gate, "ready-" + me), "w").close()
    deadline = time.time() + 60
    while len([f for f in os.listdir(gate) if f.startswith("ready-")]) < n and time.time() < deadline:
        time.sleep(0.002)
    db = open_database(url)
    print("REV", db.current_revision())
    db.dispose()
""")


@pytest.mark.slow
def test_concurrent_migration_from_several_processes(new_url, tmp_path):
    """Processes that all open (and so migrate) the same new database at the same moment: every
    one succeeds and the schema is built once."""
    url = new_url()
    gate = tmp_path / "gate"
    gate.mkdir()
    n = 3
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, url, str(gate), str(i), str(n)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(n)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert f"REV {head_revision()}" in out
    with open_database(url, migrate=False) as db:
        assert db.is_migrated()
        assert db.schema_diff() == []
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_upgrade_sql_offline(backend):
    url = "sqlite:////nonexistent/forge.db" if backend == "sqlite" else "postgresql+psycopg://u@nowhere/forge"
    sql = upgrade_sql(url)
    for table in TABLES:
        assert f"CREATE TABLE {table} " in sql
    assert "alembic_version" in sql
    assert upgrade_sql(url, from_revision=head_revision()).count("CREATE TABLE") == 0


def test_head_revision_is_the_single_head():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [head_revision()]


# -- SQLite setup ---------------------------------------------------------------------------------------

def test_sqlite_pragmas(tmp_path):
    with open_database(f"sqlite:///{tmp_path / 'a' / 'b' / 'forge.db'}") as db:
        assert (tmp_path / "a" / "b" / "forge.db").exists()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    with open_database(f"sqlite:///{tmp_path / 'a' / 'b' / 'forge.db'}", migrate=False) as db:
        with db.engine.connect() as conn:  # WAL persists in the file
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_sqlite_in_memory():
    with open_database("sqlite://") as db:
        assert db.is_migrated()
        with db.session() as s:
            record_shard(s, shard("s1"))
        with db.session(write=False) as s:
            assert s.scalar(select(Shard.shard_id)) == "s1"


def test_sqlite_write_session_takes_the_write_lock(tmp_path):
    """A write session holds the write lock from its start (BEGIN IMMEDIATE); read sessions do
    not wait for it (WAL)."""
    url = f"sqlite:///{tmp_path / 'forge.db'}"
    with open_database(url) as a, open_database(url) as b:
        with a.session() as s:
            s.execute(text("SELECT 1"))
            raw = b.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA busy_timeout = 50")
                with pytest.raises(Exception, match="locked"):
                    raw.driver_connection.execute("BEGIN IMMEDIATE")
            finally:
                raw.close()
            with b.session(write=False) as r:  # readers go on
                assert count_games(r) == 0


# -- sessions --------------------------------------------------------------------------------------------

def test_session_commits_and_rolls_back(db):
    with pytest.raises(RuntimeError):
        with db.session() as s:
            record_shard(s, shard("s1"))
            raise RuntimeError("boom")
    with db.session() as s:
        assert s.scalar(select(Shard.shard_id)) is None
        record_shard(s, shard("s2"))
    with db.session(write=False) as s:
        assert s.scalars(select(Shard.shard_id)).all() == ["s2"]


@pytest.mark.parametrize("backend", ["postgresql"])  # READ ONLY transactions: PostgreSQL only
def test_read_session_refuses_writes_on_postgresql(db):
    with pytest.raises(Exception, match="read-only"):
        with db.session(write=False) as s:
            record_shard(s, shard("s1"))


def test_foreign_keys_enforced(db):
    with pytest.raises(IntegrityError):
        with db.session() as s:
            insert_games(s, [game("g1", shard_id="no-such-shard")])


# -- opening -----------------------------------------------------------------------------------------------

def test_database_from_config(tmp_path):
    cfg = config_from_dict({"home": str(tmp_path / "home"), "database": {"url": "sqlite:///state/forge.db"}})
    with database_from_config(cfg) as db:
        assert db.is_migrated()
        assert Path(db.engine.url.database) == tmp_path / "home" / "state" / "forge.db"
    env = {"RINGRIFT_DB_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    with database_from_config(config_from_dict(None, env=env), migrate=False) as db:
        assert Path(db.engine.url.database) == tmp_path / "other.db"
        assert db.current_revision() is None


def test_unreachable_server():
    url = "postgresql+psycopg://forge:secret@127.0.0.1:1/forge?connect_timeout=2"
    with open_database(url, migrate=False) as db:
        assert "secret" not in repr(db)
        assert not db.is_migrated()  # the health check says no, it does not raise
    t = time.monotonic()
    with pytest.raises(DatabaseError, match="cannot migrate") as e:
        open_database(url)
    assert "secret" not in str(e.value)
    assert time.monotonic() - t < 30


# -- timestamps ------------------------------------------------------------------------------------------

def test_timestamps_are_utc(db):
    cest = timezone(timedelta(hours=2))
    local = datetime(2026, 6, 1, 14, 0, tzinfo=cest)
    with db.session() as s:
        record_shard(s, shard("s1", created_at=local))
    with db.session(write=False) as s:
        got = s.scalar(select(Shard.created_at))
    assert got == local and got.tzinfo == UTC and got.hour == 12


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)


def test_every_table_is_in_the_metadata():
    assert set(Base.metadata.tables) == TABLES


# -- secrets never appear in what the database layer prints (issue 13) ------------------------------------

SECRET_URL = "postgresql+psycopg://u:pw@127.0.0.1:1/db?password=QuerySecret456&sslpassword=Ssl-Secret-789"


def _no_secret(text: str) -> None:
    for s in (":pw@", "QuerySecret456", "Ssl-Secret-789"):
        assert s not in text, text


@pytest.mark.parametrize("url", [SECRET_URL, "postgresql+psycopg://u:pw@[::1/db?password=QuerySecret456"])
def test_failing_connection_errors_are_redacted(url):
    with pytest.raises(DatabaseError) as e:
        open_database(url)
    _no_secret(str(e.value))
    _no_secret(repr(e.value))
    _no_secret("".join(traceback.format_exception(e.value)))  # what RINGRIFT_TRACE_DEBUG=1 would print
    assert "cannot" in str(e.value)


def test_database_url_masks_password_and_secret_query_parameters(pg_database):
    url = _url(pg_database).replace("postgres@", "postgres:pw@", 1) + "?password=QuerySecret456"
    db = open_database(url, migrate=False)
    try:
        _no_secret(db.url)
        _no_secret(repr(db))
        assert db.url.endswith(f"/{pg_database}?password=***") and ":***@" in db.url
        with db.session(write=False) as s:  # the real URL still connects (the mask is for display only)
            assert s.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
