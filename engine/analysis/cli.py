"""Plumbing shared by the analysis and operations subcommands of ``ringrift`` (arguments, config,
database, store); publishing a report as a Prefect artifact is ``ops.artifacts``. Heavy imports stay
inside the functions."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence


def add_report_arguments(parser: argparse.ArgumentParser, *, markdown: bool = True) -> None:
    """``--json``, ``--markdown`` (optional), ``--artifact KEY`` and ``--config PATH``: the output and
    config options every report command shares."""
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    if markdown:
        parser.add_argument("--markdown", action="store_true", help="print the Markdown of the artifact")
    parser.add_argument("--artifact", metavar="KEY", default=None, help="also publish it as a Prefect artifact")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def load_cfg(args: argparse.Namespace):
    """The ``ForgeConfig`` of ``--config`` (exported as ``$RINGRIFT_CONFIG_PATH`` for what runs next)."""
    from engine.config import load_config

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if getattr(args, "config", None):
        os.environ["RINGRIFT_CONFIG_PATH"] = os.path.abspath(args.config)
    return load_config()


def open_db_store(cfg):
    """``(database, store, fallbacks)``: the configured database (not migrated here), the artifact
    store and the host's cache store when it exists (shards synced there are read from it)."""
    from engine.storage import cache_from_config, store_from_config

    db = open_report_database(cfg)
    fallbacks = (cache_from_config(cfg),) if cfg.cache_path.is_dir() else ()
    return db, store_from_config(cfg), fallbacks


def open_report_database(cfg):
    """The configured database for a report, opened without migrating. A home where nothing was
    ingested yet is a ``DatabaseError`` (one line at the CLI), not an SQL traceback: a SQLite file
    that does not exist is not created, and a database without the pipeline's tables is refused."""
    from engine.db import database_from_config
    from engine.db.database import DatabaseError, sqlite_file

    path = sqlite_file(cfg.database_url)
    if path is not None:
        if not path.is_file():
            raise DatabaseError(f"no database file {path}: nothing was ingested under this home yet (run "
                                "`ringrift master-loop`, or `ringrift aggregate --from-store` for an existing store)")
    db = database_from_config(cfg, migrate=False)
    try:
        revision = db.current_revision()
    except Exception as e:  # noqa: BLE001 - unreachable server, bad credentials: one line, not a traceback
        db.dispose()
        why = " ".join(str(e).split())[:200]
        raise DatabaseError(f"cannot read the database {db.url}: {type(e).__name__}: {why}") from None
    if revision is None:
        db.dispose()
        raise DatabaseError(f"the database {db.url} has no pipeline tables (never migrated): nothing was ingested "
                            "into it yet (run `ringrift master-loop`, or `ringrift aggregate --from-store`)")
    return db


def config_keys(values: Sequence[str] | None) -> list[str] | None:
    from .common import normalize_config_key

    if not values:
        return None
    return [normalize_config_key(v) for v in values]
