"""Batch order: deterministic, full coverage per epoch, identical when resumed mid-epoch."""

from __future__ import annotations

import numpy as np
import torch

from engine.data.augment import augment
from engine.training import TrainingData


def _keys(b):
    # a sample's identity: its planes and value target
    return [hash((b.planes[i].numpy().tobytes(), b.values[i].numpy().tobytes())) for i in range(len(b))]


def test_each_epoch_is_a_permutation_without_repeats(dataset):
    d = TrainingData(dataset.train, batch_size=32, seed=3, shuffle_chunks=2)
    seen = [k for _, b in d.epoch(0) for k in _keys(b)]
    assert len(seen) == d.steps_per_epoch * 32 == len(set(seen))  # dedup export: positions are unique
    assert d.steps_per_epoch == d.num_samples // 32
    e1 = [k for _, b in d.epoch(1) for k in _keys(b)]
    assert e1 != seen  # another order


def test_order_is_a_function_of_seed_epoch_and_index(dataset):
    a = TrainingData(dataset.train, batch_size=32, seed=3, shuffle_chunks=2, augment_fn=augment)
    b = TrainingData(dataset.train, batch_size=32, seed=3, shuffle_chunks=2, augment_fn=augment)
    for (ka, xa), (kb, xb) in zip(a.epoch(1), b.epoch(1)):
        assert ka == kb and torch.equal(xa.planes, xb.planes) and torch.equal(xa.target_index, xb.target_index)
    c = TrainingData(dataset.train, batch_size=32, seed=4, shuffle_chunks=2)
    assert not torch.equal(next(iter(a.epoch(0)))[1].values, next(iter(c.epoch(0)))[1].values)


def test_resume_mid_epoch_gives_the_same_batches(dataset):
    d = TrainingData(dataset.train, batch_size=32, seed=5, shuffle_chunks=2, augment_fn=augment)
    full = list(d.epoch(0))
    for start in (1, len(full) // 2, len(full) - 1):
        resumed = list(d.epoch(0, start))
        assert [k for k, _ in resumed] == list(range(start, len(full)))
        for (_, x), (_, y) in zip(resumed, full[start:]):
            assert torch.equal(x.planes, y.planes) and torch.equal(x.target_prob, y.target_prob)
            assert torch.equal(x.legal_index, y.legal_index)


def test_validation_batches_cover_the_split(dataset):
    from engine.training import validation_batches

    n = sum(len(b) for b in validation_batches(dataset.val, 16))
    assert n == sum(np.load(p)["count"].shape[0] for p in dataset.val)


def test_a_dataset_smaller_than_a_batch_is_one_batch(dataset):
    n = TrainingData(dataset.train, batch_size=32).num_samples
    d = TrainingData(dataset.train, batch_size=n + 100)
    assert (d.batch_size, d.steps_per_epoch) == (n, 1)
    (k, b), = list(d.epoch(0))
    assert k == 0 and b.planes.shape[0] == n
