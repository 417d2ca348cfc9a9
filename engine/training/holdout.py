"""A validation split for a dataset that has none: whole games held out of the training chunks.

The export puts a game in the validation split by a hash of its id (``export.val_fraction``), so
a small window can end up with no validation game at all; training on it would report no
validation loss (``nan``) and early stopping would see nothing. ``ensure_validation`` then holds
out whole games of the training chunks, never a part of a game (no position of a held-out game is
trained on):

* the games are taken in the order of their ``game_hash`` (sha256 of the id: deterministic and
  unrelated to when or how a game was played) until they hold ``fraction`` of the samples, at
  least one game and never every game;
* the chunks are rewritten into ``out_dir`` (``train-NNNNN.npz`` / ``val-NNNNN.npz``, atomic and
  deterministic, so a resumed run finds the same files and reuses them);
* a dataset with a single game cannot be split: ``NoValidationData`` (a ``ValueError``: one line
  saying what to change; the pipeline does not retry it).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_json
from engine.data.samples import load_npz_chunk, write_npz

from .data import chunk_sizes

DEFAULT_FRACTION = 0.05
_DONE = "holdout.json"


class NoValidationData(ValueError):
    """The dataset has no validation sample and none can be held out."""


@dataclass(frozen=True)
class Split:
    train: tuple[Path, ...]
    val: tuple[Path, ...]
    held_out_games: int = 0  # 0: the dataset's own validation split is used
    val_samples: int = 0


def _game_counts(paths: Sequence[Path]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for p in paths:
        with np.load(p, allow_pickle=False) as z:
            h, n = np.unique(z["game_hash"], return_counts=True)
        for k, c in zip(h.tolist(), n.tolist()):
            counts[k] = counts.get(k, 0) + c
    return counts


def choose_games(counts: dict[int, int], fraction: float) -> set[int]:
    """The games to hold out: lowest ``game_hash`` first, until ``fraction`` of the samples (at
    least one game, never all of them)."""
    total = sum(counts.values())
    want = max(1, math.ceil(fraction * total))
    out: set[int] = set()
    held = 0
    for h in sorted(counts)[:-1]:  # the largest hash always stays in training
        if held >= want:
            break
        out.add(h)
        held += counts[h]
    return out


def ensure_validation(train: Sequence[str | Path], val: Sequence[str | Path], out_dir: str | Path, *,
                      fraction: float = DEFAULT_FRACTION) -> Split:
    """``(train, val)`` as given when ``val`` has samples; else whole games of ``train`` held out
    into ``out_dir`` (module doc). ``NoValidationData`` when there is nothing to hold out."""
    train = [Path(p) for p in train]
    val = [Path(p) for p in val]
    n_val = sum(chunk_sizes(val)) if val else 0
    if n_val:
        return Split(tuple(train), tuple(val), 0, n_val)
    out = Path(out_dir)
    names = [p.name for p in train]
    done = out / _DONE
    if done.exists():  # a resumed run: the same inputs were split before
        d = json.loads(done.read_text())
        if d.get("inputs") == names and d.get("fraction") == fraction:
            return Split(tuple(out / n for n in d["train"]), tuple(out / n for n in d["val"]), d["held_out_games"],
                         d["val_samples"])
    counts = _game_counts(train)
    if len(counts) < 2:
        raise NoValidationData(
            f"the dataset has 0 validation samples and {len(counts)} game(s) in training: nothing to validate on; "
            "export more games (export.gates.min_games) or raise export.val_fraction")
    held = choose_games(counts, fraction)
    keys = np.fromiter(held, dtype=np.int64, count=len(held))
    out.mkdir(parents=True, exist_ok=True)
    new_train: list[str] = []
    new_val: list[str] = []
    n_val = 0
    for p in train:
        b = load_npz_chunk(p)
        mask = np.isin(b.game_hash, keys)
        for split, idx, dest in (("train", np.flatnonzero(~mask), new_train), ("val", np.flatnonzero(mask), new_val)):
            if len(idx) == 0:
                continue
            part = b.subset(idx)
            name = f"{split}-{len(dest):05d}.npz"
            write_npz(out / name, part.arrays())
            dest.append(name)
            n_val += len(idx) if split == "val" else 0
    atomic_write_json(done, {"inputs": names, "fraction": fraction, "train": new_train, "val": new_val,
                             "held_out_games": len(held), "val_samples": n_val})
    return Split(tuple(out / n for n in new_train), tuple(out / n for n in new_val), len(held), n_val)
