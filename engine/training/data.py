"""Training batches from NPZ chunks: deterministic order, bounded memory, exact resume.

The order of epoch ``e`` is a pure function of ``(seed, e)``: the chunks are permuted, taken
``shuffle_chunks`` at a time (only those are in memory), their samples permuted together and cut
into batches of ``batch_size``; the remainder of a group carries over into the next group, and
the last partial batch of an epoch is dropped (every step sees a full batch). Batch ``k`` of
epoch ``e`` is therefore the same in an uninterrupted run and in a run resumed at ``(e, k)``.

Augmentation (``augment=True``): each batch is passed through ``augment_fn(batch, rng)`` (a
random board symmetry per sample, ``engine.data.augment``) with ``rng`` seeded by ``(seed, e, k)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from engine.data.samples import SampleBatch, load_npz_chunk

from .losses import LossBatch


def chunk_sizes(paths: Sequence[Path]) -> list[int]:
    """Samples per chunk, reading only each file's ``count`` array."""
    out = []
    for p in paths:
        with np.load(p, allow_pickle=False) as z:
            out.append(int(z["count"].shape[0]))
    return out


def to_loss_batch(b: SampleBatch, weight: np.ndarray | None = None) -> LossBatch:
    return LossBatch(
        planes=torch.from_numpy(b.float_planes()),
        globals=torch.from_numpy(np.ascontiguousarray(b.globals, dtype=np.float32)),
        values=torch.from_numpy(np.ascontiguousarray(b.values, dtype=np.float32)),
        legal_row=torch.from_numpy(b.legal_rows().astype(np.int64)),
        legal_index=torch.from_numpy(b.legal_index.astype(np.int64)),
        target_row=torch.from_numpy(b.policy_rows().astype(np.int64)),
        target_index=torch.from_numpy(b.policy_index.astype(np.int64)),
        target_prob=torch.from_numpy(np.ascontiguousarray(b.policy_prob, dtype=np.float32)),
        weight=torch.from_numpy(np.ones(len(b), dtype=np.float32) if weight is None
                                else np.ascontiguousarray(weight, dtype=np.float32)),
        num_players=b.num_players,
    )


@dataclass
class TrainingData:
    paths: list[Path]
    batch_size: int
    seed: int = 0
    shuffle_chunks: int = 4
    augment_fn: Callable[[SampleBatch, np.random.Generator], SampleBatch] | None = None
    weight_fn: Callable[[SampleBatch], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if not self.paths:
            raise ValueError("no training chunks")
        self.paths = [Path(p) for p in self.paths]
        self.sizes = chunk_sizes(self.paths)
        self.num_samples = sum(self.sizes)
        if self.num_samples == 0:
            raise ValueError("no training samples in the chunks")
        if self.num_samples < self.batch_size:
            # a dataset smaller than one batch (a tiny first generation) is one batch of all of it
            self.batch_size = self.num_samples
        self.steps_per_epoch = self.num_samples // self.batch_size

    def epoch(self, e: int, start: int = 0) -> Iterator[tuple[int, LossBatch]]:
        """``(k, batch)`` for batches ``start..steps_per_epoch-1`` of epoch ``e``."""
        rng = np.random.default_rng([self.seed, e])
        order = rng.permutation(len(self.paths))
        k = 0
        carry: SampleBatch | None = None
        for g in range(0, len(order), self.shuffle_chunks):
            group = order[g:g + self.shuffle_chunks]
            n_group = sum(self.sizes[i] for i in group) + (len(carry) if carry is not None else 0)
            n_batches = n_group // self.batch_size
            if k + n_batches <= start:  # skip without loading: only sizes matter
                k += n_batches
                carry = _SizeOnly(n_group - n_batches * self.batch_size)  # type: ignore[assignment]
                continue
            parts = (([carry] if carry is not None and len(carry) else [])
                     + [load_npz_chunk(self.paths[i]) for i in group])
            if any(isinstance(p, _SizeOnly) for p in parts):  # resumed mid-carry: rebuild it exactly
                parts = self._rebuild_carry(e, g) + parts[1:]
            merged = SampleBatch.concat(parts)
            perm = np.random.default_rng([self.seed, e, g]).permutation(len(merged))
            for j in range(n_batches):
                if k >= start:
                    b = merged.subset(perm[j * self.batch_size:(j + 1) * self.batch_size])
                    yield k, self._finish(b, e, k)
                k += 1
            rest = perm[n_batches * self.batch_size:]
            carry = merged.subset(rest) if len(rest) else None

    def _rebuild_carry(self, e: int, upto: int) -> list[SampleBatch]:
        """The carried-over samples before chunk group ``upto`` of epoch ``e`` (resume path)."""
        order = np.random.default_rng([self.seed, e]).permutation(len(self.paths))
        carry = None
        for g in range(0, upto, self.shuffle_chunks):
            parts = (([carry] if carry is not None else [])
                     + [load_npz_chunk(self.paths[i]) for i in order[g:g + self.shuffle_chunks]])
            merged = SampleBatch.concat(parts)
            perm = np.random.default_rng([self.seed, e, g]).permutation(len(merged))
            rest = perm[(len(merged) // self.batch_size) * self.batch_size:]
            carry = merged.subset(rest) if len(rest) else None
        return [carry] if carry is not None else []

    def _finish(self, b: SampleBatch, e: int, k: int) -> LossBatch:
        if self.augment_fn is not None:
            b = self.augment_fn(b, np.random.default_rng([self.seed, e, k, 1]))
        return to_loss_batch(b, self.weight_fn(b) if self.weight_fn is not None else None)


class _SizeOnly:
    """Stands in for a carried-over batch whose samples were skipped (only its length is known)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n


def validation_batches(paths: Sequence[Path], batch_size: int) -> Iterator[LossBatch]:
    """The validation split in file order (no shuffling, no augmentation), last batch partial."""
    for p in paths:
        b = load_npz_chunk(p)
        for i in range(0, len(b), batch_size):
            yield to_loss_batch(b.subset(np.arange(i, min(i + batch_size, len(b)))))
