"""The policy/value network (PyTorch): a residual tower with squeeze-excitation, a spatial policy
head and a per-seat value head, for any of the 12 configs.

    from engine.nn.network import NetworkArch, build_network
    arch = NetworkArch.for_config("square8", 2, channels=32, blocks=2)
    net = build_network(arch)
    logits, values = net(planes, globals_)   # [B, A*H*W], [B, 4]

Inputs are the encoder's tensors (``engine.nn.planes``): planes ``[B, C, H, W]`` and globals
``[B, G]``. The globals enter as a learned per-channel bias on the stem, so phase, rings in hand
and thresholds reach every cell from the first layer.

Tower: ``blocks`` residual blocks (conv3x3-BN-ReLU-conv3x3-BN, optional SE, skip, ReLU). SE and
every pooling are *masked* by the validity plane, so the off-board cells of a hex board embedded
in its square grid never dilute an average.

Policy head: conv1x1 -> ``policy_channels`` -> BN-ReLU, plus a bias from masked global pooling
(moves that are not tied to a cell, such as skips and swap, live at grid cell (0, 0) and need
board-wide context), then conv1x1 -> ``A`` channels: one logit per flat spatial index
``channel * H * W + row * W + col``, exactly the layout of ``engine.nn.actions``. The caller
masks illegal moves (the legal-move mask is part of the encoder contract).

Value head: conv1x1 -> 32 channels, masked mean and max pooling, MLP, ``tanh`` -> 4 values in
[-1, 1], one per seat in the seat convention (seat 0 = the player to act); entries of seats not in
the game are ignored by the loss and the evaluator.

``NetworkArch`` is the complete architecture description: it goes into checkpoint metadata, and
its hash is part of the model identity.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .encoding import config_shapes
from .planes import CH_VALID

MAX_SEATS = 4
ARCH_VERSION = 1


@dataclass(frozen=True)
class NetworkArch:
    """Everything needed to rebuild the network (shapes come from the encoder for the config)."""

    board: str
    num_players: int
    in_planes: int
    num_globals: int
    height: int
    width: int
    policy_planes: int
    channels: int = 32
    blocks: int = 2
    se_ratio: int = 4
    policy_channels: int = 16
    value_hidden: int = 32
    arch_version: int = ARCH_VERSION

    @classmethod
    def for_config(cls, board: str, num_players: int, *, channels: int = 32, blocks: int = 2, se_ratio: int = 4,
                   policy_channels: int = 16, value_hidden: int = 32) -> NetworkArch:
        sh = config_shapes(board, num_players)
        c, h, w = sh["planes"]
        return cls(board=board, num_players=num_players, in_planes=c, num_globals=sh["globals"][0], height=h,
                   width=w, policy_planes=sh["policy"][0], channels=channels, blocks=blocks, se_ratio=se_ratio,
                   policy_channels=policy_channels, value_hidden=value_hidden)

    @classmethod
    def from_size(cls, board: str, num_players: int, size) -> NetworkArch:
        """From an ``engine.config.NetworkSize``."""
        return cls.for_config(board, num_players, channels=size.channels, blocks=size.blocks,
                              se_ratio=size.se_ratio, policy_channels=size.policy_channels,
                              value_hidden=size.value_hidden)

    @property
    def config_key(self) -> str:
        return f"{self.board}_{self.num_players}p"

    @property
    def policy_size(self) -> int:
        return self.policy_planes * self.height * self.width

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NetworkArch:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown architecture keys {unknown} (known: {sorted(known)})")
        return cls(**d)

    def arch_hash(self) -> str:
        """sha256 of the canonical JSON of the architecture."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _masked_mean(x: torch.Tensor, mask: torch.Tensor | None, count: torch.Tensor | float) -> torch.Tensor:
    """Mean over the valid cells; ``mask=None``: every cell is valid (``RingRiftNet.features``)."""
    return (x if mask is None else x * mask).sum(dim=(2, 3)) / count


def _masked_max(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return (x if mask is None else x - (1 - mask) * 1e4).amax(dim=(2, 3))


class SqueezeExcite(nn.Module):
    """Channel gating from masked global pooling (gate and bias, as in KataGo's global pooling)."""

    def __init__(self, channels: int, ratio: int) -> None:
        super().__init__()
        hidden = max(4, channels // ratio)
        self.fc1 = nn.Linear(channels, hidden)
        self.fc2 = nn.Linear(hidden, 2 * channels)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, count: torch.Tensor | float) -> torch.Tensor:
        z = self.fc2(F.relu(self.fc1(_masked_mean(x, mask, count))))
        gate, bias = z.chunk(2, dim=1)
        return x * torch.sigmoid(gate)[:, :, None, None] + bias[:, :, None, None]


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, se_ratio: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.se = SqueezeExcite(channels, se_ratio) if se_ratio > 0 else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None, count: torch.Tensor | float) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.se is not None:
            y = self.se(y, mask, count)
        y = F.relu(x + y)
        return y if mask is None else y * mask


class RingRiftNet(nn.Module):
    def __init__(self, arch: NetworkArch) -> None:
        super().__init__()
        self.arch = arch
        ch = arch.channels
        self.stem = nn.Conv2d(arch.in_planes, ch, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(ch)
        self.global_in = nn.Linear(arch.num_globals, ch)
        self.blocks = nn.ModuleList(ResidualBlock(ch, arch.se_ratio) for _ in range(arch.blocks))
        pc = arch.policy_channels
        self.policy_conv = nn.Conv2d(ch, pc, 1, bias=False)
        self.policy_bn = nn.BatchNorm2d(pc)
        self.policy_global = nn.Linear(2 * pc, pc)
        self.policy_out = nn.Conv2d(pc, arch.policy_planes, 1)
        self.value_conv = nn.Conv2d(ch, 32, 1, bias=False)
        self.value_bn = nn.BatchNorm2d(32)
        self.value_fc1 = nn.Linear(64 + arch.num_globals, arch.value_hidden)
        self.value_fc2 = nn.Linear(arch.value_hidden, MAX_SEATS)

    def forward(self, planes: torch.Tensor, globals_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        p, values = self.features(planes, globals_)
        return self.policy_out(p).flatten(1), values

    def features(self, planes: torch.Tensor, globals_: torch.Tensor,
                 full_board: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """The forward pass up to the last policy convolution: the policy features ``[B, pc, H, W]``
        (``policy_out``, a 1x1 convolution, makes them the logits) and the values ``[B, 4]``. A
        search needs the logits of the legal moves only, a few hundred of the ``A * H * W``; on CPU
        the full 1x1 convolution was about 40% of the tiny network's forward pass
        (``Inference.predict_moves``).

        ``full_board=True`` is for inputs whose validity plane is all ones (square boards): every
        multiplication by the mask and its subtraction before the max pools are then identities and
        are skipped, which gives the same numbers bit for bit with fewer passes over the tensors."""
        if full_board:
            mask = None
            count = float(self.arch.height * self.arch.width)
        else:
            mask = planes[:, CH_VALID:CH_VALID + 1]
            count = mask.sum(dim=(2, 3)).clamp_min(1.0)
        x = F.relu(self.stem_bn(self.stem(planes)) + self.global_in(globals_)[:, :, None, None])
        if mask is not None:
            x = x * mask
        for blk in self.blocks:
            x = blk(x, mask, count)
        # policy
        p = F.relu(self.policy_bn(self.policy_conv(x)))
        pooled = torch.cat([_masked_mean(p, mask, count), _masked_max(p, mask)], dim=1)
        p = F.relu(p + self.policy_global(pooled)[:, :, None, None])
        # value
        v = F.relu(self.value_bn(self.value_conv(x)))
        vpool = torch.cat([_masked_mean(v, mask, count), _masked_max(v, mask), globals_], dim=1)
        values = torch.tanh(self.value_fc2(F.relu(self.value_fc1(vpool))))
        return p, values


def build_network(arch: NetworkArch, seed: int | None = None) -> RingRiftNet:
    """A freshly initialised network; ``seed`` makes the initial weights reproducible."""
    if seed is None:
        return RingRiftNet(arch)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return RingRiftNet(arch)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
