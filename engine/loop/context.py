"""What every stage needs: the config, the artifact store, the database and local folders; and the
per-process cache of them that tasks and commands share.

    from engine.loop.context import forge_config, forge_context
    cfg = forge_config()        # re-read when the file or a RINGRIFT_* override changes
    ctx = forge_context(cfg)    # opened once per process and config

No Prefect here: a command that only reads the config or opens the store (``ringrift sync
--watchdog``, ``master-loop --status``) does not import it; ``tasks.common`` re-exports these for
the tasks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engine.config import CONFIG_ENV, DEFAULT_CONFIG_PATH, ForgeConfig, load_config


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


# -- the per-process cache -------------------------------------------------------------------------

# the variables load_config reads (the file's path and the overrides): a change is another config
_ENV_KEYS = ("RINGRIFT_CONFIG_PATH", "RINGRIFT_HOME", "RINGRIFT_STORE_URL", "RINGRIFT_CACHE_DIR",
             "RINGRIFT_S3_ENDPOINT_URL", "RINGRIFT_S3_REGION", "RINGRIFT_DB_URL", "RINGRIFT_DEVICE",
             "RINGRIFT_NETWORK_SIZE", "RINGRIFT_PROFILE")
_lock = threading.Lock()
_configs: dict[tuple, ForgeConfig] = {}
_contexts: dict[tuple, Context] = {}
# what else a process caches per pipeline (tasks.common: the pipeline identities), forgotten with the contexts
_close_hooks: list[Callable[[], None]] = []


def _config_fingerprint() -> tuple:
    path = os.environ.get(CONFIG_ENV) or str(DEFAULT_CONFIG_PATH)
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        mtime = None
    return (path, mtime, os.getcwd(), tuple(os.environ.get(k) for k in _ENV_KEYS))


def forge_config() -> ForgeConfig:
    """The ``ForgeConfig`` of this process (re-read when the file or the environment changes)."""
    key = _config_fingerprint()
    with _lock:
        cfg = _configs.get(key)
        if cfg is None:
            cfg = _configs[key] = load_config()
        return cfg


def target_of(cfg: ForgeConfig) -> str:
    """Where a pipeline keeps its state: the store and the database (passwords are not hashed in
    clear text anywhere: only the digest of this string is used)."""
    return f"{cfg.storage_url}|{cfg.database_url}"


def forge_context(cfg: ForgeConfig | None = None) -> Context:
    """The ``Context`` of ``cfg`` (default: ``forge_config()``), opened once per process."""
    cfg = cfg or forge_config()
    key = (target_of(cfg), str(cfg.cache_path), str(cfg.home_path), cfg.source)
    with _lock:
        ctx = _contexts.get(key)
        if ctx is None or ctx.cfg != cfg:
            ctx = _contexts[key] = open_context(cfg)
        return ctx


def on_close(hook: Callable[[], None]) -> None:
    """Call ``hook`` from ``close_contexts`` (a cache of its own keyed by the pipeline)."""
    with _lock:
        if hook not in _close_hooks:
            _close_hooks.append(hook)


def close_contexts() -> None:
    """Dispose every open context and forget the configs (tests, and a long-lived process that
    changes config), and run the ``on_close`` hooks."""
    with _lock:
        for ctx in _contexts.values():
            try:
                ctx.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
        _contexts.clear()
        _configs.clear()
        hooks = list(_close_hooks)
    for hook in hooks:
        hook()
