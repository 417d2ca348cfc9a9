"""Keeping the store: the champions mirrored into this host's cache, and what nothing references pruned."""

from __future__ import annotations

from engine.db import list_datasets, list_models
from engine.nn import CONFIGS
from engine.storage import DEFAULT_GRACE_SECONDS, open_store, prune, sync_store

from ..context import Context


def run_sync(ctx: Context, remote_url: str | None = None, *, pointers: list[str] | None = None):
    """Mirror the champions (and what they reference) of the shared store into this host's cache
    store (``storage.cache_dir``); ``remote_url`` defaults to the configured store."""
    st = ctx.cfg.storage
    remote = ctx.store if remote_url is None else open_store(remote_url, s3_endpoint_url=st.s3_endpoint_url,
                                                            s3_region=st.s3_region)
    local = open_store(str(ctx.cache_dir / "mirror"))
    names = pointers if pointers is not None else [p for p in remote.list_pointers() if p.startswith("champion/")]
    return sync_store(remote, local, pointers=names)


def run_prune(ctx: Context, *, dry_run: bool = True, grace_seconds: float | None = None):
    """Delete what no pointer (current or past), recent dataset or the last K candidates reference."""
    keep: set[str] = set()
    with ctx.db.session(write=False) as s:
        for ck in known_configs():
            for m in list_models(s, ck, limit=ctx.cfg.loop.keep_candidates):
                if m.checkpoint_uri:
                    keep.add(m.checkpoint_uri.rsplit("/", 1)[-1].removesuffix(".json"))
            for d in list_datasets(s, ck, limit=2):
                keep.add(d.dataset_id)
    return prune(ctx.store, keep_manifests=keep, dry_run=dry_run,
                 grace_seconds=DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds)


def known_configs() -> list[str]:
    """Every config key the network knows (``board_Np``)."""
    return [f"{b}_{n}p" for b, n in CONFIGS]
