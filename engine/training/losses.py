"""The training losses, computed sparsely so no ``[batch, A*H*W]`` dense target is ever built
(the hexagonal board has 242,500 policy indices).

Policy: cross-entropy of the soft target against the network's distribution *over the legal moves
only*: ``-sum_k p_k (z_k - logsumexp_{legal} z)``, averaged over the batch. Value: mean squared
error over the seats of the game (seats ``>= num_players`` are padding and ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class LossBatch:
    """Tensors of one training batch (``TrainingData`` builds them from ``SampleBatch``)."""

    planes: torch.Tensor  # float32 [N, C, H, W]
    globals: torch.Tensor  # float32 [N, G]
    values: torch.Tensor  # float32 [N, 4]
    legal_row: torch.Tensor  # int64 [L]: sample of each legal entry
    legal_index: torch.Tensor  # int64 [L]: flat policy index
    target_row: torch.Tensor  # int64 [P]
    target_index: torch.Tensor  # int64 [P]
    target_prob: torch.Tensor  # float32 [P]
    weight: torch.Tensor  # float32 [N] sample weight (1 = plain)
    num_players: int

    def to(self, device: torch.device) -> LossBatch:
        return LossBatch(*(getattr(self, f).to(device, non_blocking=True) for f in
                           ("planes", "globals", "values", "legal_row", "legal_index", "target_row", "target_index",
                            "target_prob", "weight")), num_players=self.num_players)

    def __len__(self) -> int:
        return self.planes.shape[0]


def legal_logsumexp(logits: torch.Tensor, row: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Per sample ``logsumexp`` of the logits at its legal indices -> ``[N]``."""
    z = logits[row, index].float()
    n = logits.shape[0]
    top = torch.full((n,), -torch.inf, device=z.device).scatter_reduce(0, row, z, reduce="amax", include_self=True)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    s = torch.zeros(n, device=z.device).index_add_(0, row, torch.exp(z - top[row]))
    return torch.log(s.clamp_min(1e-30)) + top


def policy_loss(logits: torch.Tensor, b: LossBatch) -> torch.Tensor:
    """Per-sample cross-entropy over the legal moves -> ``[N]``."""
    lse = legal_logsumexp(logits, b.legal_row, b.legal_index)
    logp = logits[b.target_row, b.target_index].float() - lse[b.target_row]
    return torch.zeros(len(b), device=logits.device).index_add_(0, b.target_row, -b.target_prob * logp)


def value_loss(values: torch.Tensor, b: LossBatch) -> torch.Tensor:
    """Per-sample mean squared error over the game's seats -> ``[N]``."""
    n = b.num_players
    return ((values[:, :n].float() - b.values[:, :n]) ** 2).mean(dim=1)


def policy_entropy(b: LossBatch) -> torch.Tensor:
    """Entropy of the targets per sample (the floor of the policy loss), for the metrics."""
    p = b.target_prob.clamp_min(1e-12)
    return torch.zeros(len(b), device=p.device).index_add_(0, b.target_row, -p * torch.log(p))
