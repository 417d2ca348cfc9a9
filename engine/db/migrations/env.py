"""Alembic environment of engine.db (no alembic.ini: see ``engine.db.database.alembic_config``).

Online runs normally receive an open connection, already inside the migration transaction and
holding the migration lock, in ``config.attributes["connection"]`` (``engine.db.upgrade``). Without
one (``alembic.command.revision(cfg, autogenerate=True)`` from a script), an engine is made from the
``sqlalchemy.url`` main option with the same SQLite setup as the application. Offline
(``sql=True``) runs print the SQL for a DBA instead of executing it.
"""

from __future__ import annotations

from alembic import context

from engine.db.models import Base
from engine.db.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj, autogen_context):
    """Render the application's UTCDateTime as a plain ``sa.DateTime(timezone=True)``: migration
    scripts must not import application types that may change after they are written."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        # SQLite cannot ALTER most things: autogenerate emits batch operations (copy-and-move).
        render_as_batch=True,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    conn = config.attributes.get("connection")
    if conn is not None:
        _configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
        return
    from engine.db.database import create_forge_engine

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("engine.db migrations: no connection and no sqlalchemy.url given")
    engine = create_forge_engine(url)
    try:
        with engine.connect() as connection:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
