"""One recipe for every identity of the loop: selfplay batch ids, export ids, training run ids,
gauntlet and promotion run ids, and the Prefect task cache keys.

An identity is the sha256 of what determines the result: the stage's inputs, its seed, and a
fingerprint of the config sections the stage reads (``stage_config``). Changing ``training.lr``
therefore gives a new training run id (a new run directory, a new cache key); changing a key a
stage does not read (``selfplay.concurrency``, ``network.device``) changes nothing. Selfplay
batches carry the champion they were played with, so a new champion never reuses an old batch.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from typing import Any

# Keys that change how fast a stage runs, not what it produces.
_RUNTIME_ONLY = {"selfplay": ("games_per_batch", "concurrency"), "gauntlet": ("concurrency",),
                 "promotion": ("concurrency",)}
STAGE_KINDS = ("selfplay", "export", "train", "gauntlet", "promotion")


def _plain(obj: Any) -> Any:
    """Dataclasses, mappings and tuples as JSON-ready dicts and lists (for hashing and diffs)."""
    if is_dataclass(obj) and not isinstance(obj, type):
        obj = asdict(obj)
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def identity(kind: str, *parts: Any, length: int = 16) -> str:
    """``length`` hex digits of the sha256 of ``[kind, *parts]`` as canonical JSON."""
    text = json.dumps([kind, *(_plain(p) for p in parts)], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _section(cfg, name: str) -> dict:
    d = _plain(getattr(cfg, name))
    for k in _RUNTIME_ONLY.get(name, ()):
        d.pop(k, None)
    return d


def stage_config(cfg, stage: str) -> dict:
    """The config a stage's result depends on, as a plain dict ``{section: {key: value}}``."""
    if stage not in STAGE_KINDS:
        raise ValueError(f"unknown stage {stage!r} ({', '.join(STAGE_KINDS)})")
    if stage == "selfplay":
        return {"selfplay": _section(cfg, "selfplay")}
    if stage == "export":
        return {"export": _section(cfg, "export")}
    if stage == "train":
        return {"training": _section(cfg, "training"), "network": {"size": _plain(cfg.network.size_of())}}
    # the candidate and champions play with the selfplay search settings (stages.search_spec)
    search = {k: getattr(cfg.selfplay, k) for k in ("simulations", "max_considered")}
    return {stage: _section(cfg, stage), "search": search}


def config_fingerprint(cfg, stage: str) -> str:
    """16 hex digits identifying ``stage_config(cfg, stage)``."""
    return identity("config", stage_config(cfg, stage))


def config_diff(old: Mapping, new: Mapping, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested dicts (added and removed keys too)."""
    out = []
    for k in sorted(set(old) | set(new), key=str):
        a, b = old.get(k, "<absent>"), new.get(k, "<absent>")
        key = f"{prefix}{k}"
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            out += config_diff(a, b, key + ".")
        elif _plain(a) != _plain(b):
            out.append(key)
    return out


def resolve_engine(engine: str, champion_model: str | None) -> str:
    """``auto`` -> gumbel with a champion, heuristic before the first one."""
    if engine == "auto":
        return "gumbel" if champion_model else "heuristic"
    return engine


def selfplay_batch_id(config_key: str, *, index: int, games: int, seed: int, engine: str, champion: str | None,
                      simulations: int, fingerprint: str) -> str:
    """Batch ``index`` of a selfplay plan: the same command (seed, champion, config) finds the
    same batch again; another champion or search setting never does."""
    return identity("selfplay", config_key, index, games, seed, engine, champion if engine == "gumbel" else None,
                    simulations if engine == "gumbel" else None, fingerprint)


def batch_seed(seed: int, index: int) -> int:
    """The game seed of batch ``index`` of a plan seeded ``seed``."""
    return seed * 1000 + index


def plan_batches(config_key: str, games: int, batch_games: int, seed: int, *, engine: str, champion: str | None,
                 simulations: int, fingerprint: str, first_index: int = 0) -> list[tuple[int, int, str]]:
    """``(games, seed, batch_id)`` per batch: ``games`` in batches of ``batch_games`` numbered from
    ``first_index``. Ids and seeds depend only on the arguments, so a rerun re-finds its batches."""
    if games < 1:
        raise ValueError(f"selfplay of {games} games: nothing to play")
    if batch_games < 1:
        raise ValueError(f"selfplay batches of {batch_games} games: must be at least 1")
    out = []
    i = first_index
    left = games
    while left > 0:
        g = min(batch_games, left)
        out.append((g, batch_seed(seed, i), selfplay_batch_id(
            config_key, index=i, games=g, seed=seed, engine=engine, champion=champion, simulations=simulations,
            fingerprint=fingerprint)))
        left -= g
        i += 1
    return out


def generation_seed(config_key: str, champion: str | None) -> int:
    """The default selfplay seed of the master loop: a function of the config and its champion, so
    a rerun after a crash plays the batches of the generation it was in (not new ones)."""
    return int(identity("seed", config_key, champion), 16) % (2**31)


def training_run_id(config_key: str, dataset_id: str, init: str, fingerprint: str) -> str:
    """A training run: the dataset, where the weights start (``scratch`` or a model id) and the
    training config."""
    return identity("train", config_key, dataset_id, init, fingerprint)


def export_id(config_key: str, shards: list[str], fingerprint: str, encoder_version: str) -> str:
    return identity("export", config_key, list(shards), fingerprint, encoder_version)
