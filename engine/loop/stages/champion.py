"""The config's champion as the store's pointer names it, and its generation."""

from __future__ import annotations

from engine.db import pointer_history

from ..artifacts import champion_pointer_name
from ..context import Context


def champion(ctx: Context, config_key: str) -> tuple[str, str] | None:
    """``(model_id, manifest_id)`` of the config's champion (the store's pointer is authoritative)."""
    p = ctx.store.read_pointer(champion_pointer_name(config_key))
    if p is None:
        return None
    man = ctx.store.get_manifest(p.target)
    return man.metadata["model_id"], p.target


def generation_of(ctx: Context, config_key: str) -> int:
    """The config's generation: how many times its champion pointer has moved (0 before any)."""
    with ctx.db.session(write=False) as s:
        return len(pointer_history(s, f"champion/{config_key}"))
