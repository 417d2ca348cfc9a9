"""The sparse losses equal their dense definitions."""

from __future__ import annotations

import torch

from engine.data import load_npz_chunk
from engine.training import legal_logsumexp, policy_loss, to_loss_batch, value_loss


def test_sparse_policy_loss_equals_dense_masked_cross_entropy(dataset):
    b = load_npz_chunk(dataset.train[0])
    lb = to_loss_batch(b)
    torch.manual_seed(0)
    logits = torch.randn(len(b), b.policy_size) * 3
    mask = torch.from_numpy(b.legal_mask_dense())
    dense_lse = torch.logsumexp(logits.masked_fill(~mask, float("-inf")), dim=1)
    torch.testing.assert_close(legal_logsumexp(logits, lb.legal_row, lb.legal_index), dense_lse, rtol=1e-5, atol=1e-5)
    target = torch.from_numpy(b.policy_dense())
    logp = (logits - dense_lse[:, None]).masked_fill(~mask, 0.0)
    torch.testing.assert_close(policy_loss(logits, lb), -(target * logp).sum(dim=1), rtol=1e-5, atol=1e-5)


def test_targets_lie_on_legal_moves(dataset):
    b = load_npz_chunk(dataset.train[0])
    assert not (b.policy_dense() > 0)[~b.legal_mask_dense()].any()


def test_value_loss_ignores_padding_seats(dataset):
    lb = to_loss_batch(load_npz_chunk(dataset.train[0]))
    v = lb.values.clone()
    v[:, 2:] = 0.9  # padding seats of a 2-player game: any output there costs nothing
    assert torch.equal(value_loss(v, lb), torch.zeros(len(lb)))
    v[:, 0] += 0.5
    assert torch.allclose(value_loss(v, lb), torch.full((len(lb),), 0.125))
