"""Opening the database and migrating it.

    db = open_database("sqlite:////abs/var/forge.db")      # creates var/, migrates to head
    db = database_from_config(load_config())               # the same from ForgeConfig.database_url
    with db.session() as s:                                # commits on success, rolls back on error
        insert_games(s, rows)
    with db.session(write=False) as s:                     # read-only: never waits for a writer
        n = count_games(s, "square8_2p")

SQLite (the default, one host): WAL journal (readers and one writer at a time never block each
other), foreign keys on, a busy timeout so a second writer waits instead of failing. Write
sessions start with ``BEGIN IMMEDIATE`` (take the write lock at the start: a transaction that reads
and then writes can otherwise fail at its first write when another writer got in between, and
the busy timeout does not help there); read sessions with a plain ``BEGIN``.

PostgreSQL (a cluster): ``postgresql+psycopg://user@host:5432/db``; connections are pre-pinged
(a restarted server costs a reconnect, not an error); read sessions are ``READ ONLY``.

Migrations (Alembic, scripts in ``engine/db/migrations/versions``) run inside one transaction
under a lock, so any number of processes may call ``open_database`` / ``upgrade`` at once: on
PostgreSQL a transaction-level advisory lock, on SQLite the ``BEGIN IMMEDIATE`` write lock. The
first one upgrades, the others wait, then find the database at head and do nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from engine.redact import redact_text, redact_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
PG_CONNECT_TIMEOUT_S = 10
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key for migrations: a fixed 63-bit number derived from a name.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"ringrift-forge:migrations").digest()[:8], "big") >> 1
_BEGIN_OPTION = "forge_sqlite_begin"


class DatabaseError(RuntimeError):
    """The database cannot be opened or migrated; the message names the (password-free) URL."""


# -- engines ---------------------------------------------------------------------------------------------

def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///PATH`` URL, ``None`` for an in-memory or non-SQLite database
    (callers check it before opening: opening creates an empty file)."""
    rest = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
    return Path(rest) if rest not in ("", ":memory:") else None


def _is_sqlite_memory(url) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def create_forge_engine(url: str, *, echo: bool = False) -> Engine:
    """A SQLAlchemy engine for ``url`` set up as described in the module docstring. A file SQLite
    database's parent folder is created."""
    u = make_url(url)
    backend = u.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        if _is_sqlite_memory(u):
            # one shared connection, or every session would see its own empty database
            kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs.update(connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    elif backend == "postgresql":
        kwargs.update(pool_pre_ping=True)
        if "connect_timeout" not in u.query:  # a health check must not hang on an unroutable host
            kwargs.update(connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S})
    engine = create_engine(u, **kwargs)
    if backend == "sqlite":
        _setup_sqlite(engine, memory=_is_sqlite_memory(u))
    return engine


def _setup_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Transactions are ours (the "begin" hook below), not pysqlite's implicit ones: that is what
        # makes BEGIN IMMEDIATE, transactional DDL and SAVEPOINT work.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA foreign_keys = ON")
            if not memory:
                mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
                if str(mode).lower() != "wal":
                    cur.execute("PRAGMA journal_mode = WAL")
                cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; fsync at checkpoints
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


# -- the database --------------------------------------------------------------------------------------

class Database:
    """An open database: an engine plus session and migration helpers. Close with ``dispose()``
    (or use it as a context manager)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect: str = engine.dialect.name  # "sqlite" | "postgresql"
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_engine = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) \
            if self.dialect == "sqlite" else engine

    @property
    def url(self) -> str:
        """The URL with any password masked."""
        return redact_url(self.engine.url.render_as_string(hide_password=True))

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.dispose()

    def dispose(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed when the block ends, rolled back if it raises.
        ``write=False``: a read-only transaction (SQLite: deferred, never waits for a writer;
        PostgreSQL: ``READ ONLY``)."""
        if write:
            s = self._sessions(bind=self._write_engine)
        else:
            s = self._sessions()
        try:
            if not write and self.dialect == "postgresql":
                s.execute(text("SET TRANSACTION READ ONLY"))
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    # -- migrations -----------------------------------------------------------------------------------
    def current_revision(self) -> str | None:
        """The migration revision the database is at (``None``: never migrated)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def is_migrated(self) -> bool:
        """True when the database is reachable and at the head revision of this code (the health
        check); False when behind, ahead (newer code migrated it) or unreachable."""
        try:
            return self.current_revision() == head_revision()
        except SQLAlchemyError:
            return False

    def upgrade(self, revision: str = "head") -> str | None:
        """Migrate to ``revision`` under the migration lock; returns the revision reached."""
        _run_alembic(self.engine, "upgrade", revision)
        return self.current_revision()

    def downgrade(self, revision: str) -> str | None:
        """Migrate down to ``revision`` (``"base"`` = empty); for development and tests."""
        _run_alembic(self.engine, "downgrade", revision)
        return self.current_revision()

    def schema_diff(self) -> list:
        """Differences between the live schema and the models (Alembic autogenerate's
        ``compare_metadata``); ``[]`` when the migrations and the models agree."""
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from .models import Base

        with self.engine.connect() as conn:
            mc = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(mc, Base.metadata))


def alembic_config(url: str | None = None):
    """An ``alembic.config.Config`` for the migrations of this package (no ``alembic.ini``).
    ``url`` is used only when no connection is passed in ``config.attributes["connection"]``
    (``alembic.command.revision(..., autogenerate=True)`` and offline ``sql=True`` runs)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest migration revision of this code."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _run_alembic(engine: Engine, command_name: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    fn = getattr(command, command_name)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Table rebuilds (batch migrations) must not cascade or fail half way on foreign keys:
            # off for the migration (only possible outside a transaction), checked before commit.
            raw = conn.connection.driver_connection  # outside SQLAlchemy's transaction (autobegin)
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                conn = conn.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    fn(cfg, revision)
                    bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if bad:
                        raise DatabaseError(f"{command_name} to {revision} left foreign key violations: {bad[:5]}")
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
        else:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
                cfg.attributes["connection"] = conn
                fn(cfg, revision)


# -- opening ----------------------------------------------------------------------------------------------

def open_database(url: str, *, migrate: bool = True, echo: bool = False) -> Database:
    """Open the database at ``url``; with ``migrate`` (the default) upgrade it to head first
    (idempotent, safe when several processes start at once). A SQLite file's folder is created."""
    try:
        engine = create_forge_engine(url, echo=echo)
    except Exception as e:  # noqa: BLE001 - any driver or URL error becomes one DatabaseError
        # not chained: a parser's error quotes the whole URL, and a traceback would show it
        raise DatabaseError(f"cannot open database {_masked(url)}: {redact_text(e)}") from None
    db = Database(engine)
    if migrate:
        from alembic.util import CommandError

        try:
            db.upgrade("head")
        except OperationalError as e:
            db.dispose()
            raise DatabaseError(f"cannot migrate database {db.url}: {redact_text(e.orig or e)}") from e
        except CommandError as e:
            db.dispose()
            raise DatabaseError(f"cannot migrate database {db.url}: {e} (a revision this code does not know: "
                                f"the database was migrated by newer code; update this host)") from e
        except BaseException:
            db.dispose()
            raise
    return db


def database_from_config(cfg=None, *, migrate: bool = True) -> Database:
    """``open_database(cfg.database_url)``; ``cfg`` defaults to ``engine.config.load_config()``."""
    if cfg is None:
        from engine.config import load_config

        cfg = load_config()
    return open_database(cfg.database_url, migrate=migrate)


def upgrade(url: str, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` to ``revision`` and close it; returns the revision reached
    (what ``ringrift db upgrade`` should call)."""
    with open_database(url, migrate=False) as db:
        return db.upgrade(revision)


def upgrade_sql(url: str, revision: str = "head", from_revision: str | None = None) -> str:
    """The SQL of an upgrade, without running it (Alembic offline mode): for a cluster database
    whose DBA applies schema changes by hand. ``url`` only selects the dialect; ``from_revision``
    (e.g. the database's ``current_revision()``) limits the script to the missing steps."""
    import io

    from alembic import command

    cfg = alembic_config(url)
    cfg.output_buffer = io.StringIO()
    command.upgrade(cfg, f"{from_revision}:{revision}" if from_revision else revision, sql=True)
    return cfg.output_buffer.getvalue()


def _masked(url: str) -> str:
    return redact_url(url)
