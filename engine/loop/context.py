"""What every stage needs: the config, the artifact store, the database and local folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.config import ForgeConfig, load_config


@dataclass
class Context:
    cfg: ForgeConfig
    store: object  # engine.storage.ArtifactStore
    db: object  # engine.db.Database
    cache_dir: Path  # local copies of store objects (shards, chunks, checkpoints)
    work_dir: Path  # exports and training runs in progress

    def close(self) -> None:
        self.db.dispose()


def open_context(cfg: ForgeConfig | None = None, *, check: bool = True) -> Context:
    """Open the store and the database (migrated) of ``cfg`` (default: ``load_config()``).
    ``check``: raise ``engine.loop.truth.DatabaseLost`` when the database is not the one that
    indexes the store (deleted, emptied, another pipeline's) instead of working on an empty one;
    only the rebuild (``ringrift aggregate --from-store``) opens without it."""
    from engine.db import database_from_config
    from engine.storage import store_from_config

    from .truth import DatabaseLost, check_pipeline, sqlite_file_lost

    cfg = cfg or load_config()
    home = cfg.home_path
    store = store_from_config(cfg)
    if check:
        lost = sqlite_file_lost(cfg, store)
        if lost:
            raise DatabaseLost(lost)
    ctx = Context(cfg=cfg, store=store, db=database_from_config(cfg), cache_dir=cfg.cache_path,
                  work_dir=home / "work")
    if check:
        try:
            check_pipeline(ctx.store, ctx.db)
        except DatabaseLost:
            ctx.close()
            raise
    ctx.cache_dir.mkdir(parents=True, exist_ok=True)
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    return ctx
