"""Batched inference: one forward pass for many positions, on CPU or CUDA.

    inf = Inference(net, device="auto")            # cuda when present, else cpu
    logits, values = inf.predict(planes, globals_)  # numpy in, numpy out (float32)

On CUDA the forward pass runs under autocast (bf16 where the GPU supports it, else fp16; the
outputs are returned as float32); on CPU it runs in float32 (CPU autocast is slower than fp32 for
these small convolutions). ``max_batch`` splits larger requests so memory stays bounded.

Batch invariance: on CPU in float32, PyTorch runs a batch of fewer than 16 positions through
other convolution kernels for the 1x1 convolutions than a larger batch (``_use_mkldnn``), and the
results differ in the last bits, so a position's output would depend on what it was batched with.
``min_batch`` (default 16 on CPU, 0 on CUDA) pads smaller batches with zero rows, which makes every
output a function of its own position only, for the configured network sizes (tiny and standard,
eager and frozen; ``tests/nn/test_inference.py``: not for every shape, oneDNN vectorises some very
narrow convolutions across the batch): the evaluation cache and the self-play worker split
(``engine.players.lockstep``) then change nothing. It costs time only on batches below 16.
``positions`` / ``batches`` count the work done, for the benchmarks.

``predict_moves`` gives the logits of chosen moves only (a search's legal moves): on CPU it runs
the network up to the policy features (``RingRiftNet.features``) and makes each wanted logit a
16-term dot product, in float64 and always in the same order, so a logit, like the rest, does not
depend on the batch. The full 1x1 policy convolution (239 channels x 64 cells for square8, of which
a search wants a few hundred) was about 40% of the tiny network's CPU forward pass. The logits
agree with ``predict``'s to float32 rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from .network import RingRiftNet
from .planes import CH_VALID

MIN_INVARIANT_BATCH = 16  # the smallest CPU float32 batch that takes the batch-invariant kernels


class DeviceUnavailable(RuntimeError):
    """The requested device is not on this host. Permanent: a retry on the same host cannot fix it
    (the pipeline's task retry condition does not retry it)."""


def set_cpu_threads(n: int) -> None:
    """Use ``n`` torch intra-op threads in this process (0: leave torch's default)."""
    if n > 0 and torch.get_num_threads() != n:
        torch.set_num_threads(n)


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> cuda when available, else cpu; ``"cuda"`` without a GPU is a ``DeviceUnavailable``
    that says so in one line."""
    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(name)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable(f"device {name!r} requested but no CUDA GPU is available on this host "
                                f"(torch {torch.__version__}); set RINGRIFT_DEVICE=cpu (network.device) or run it on a "
                                "GPU worker")
    return dev


def autocast_dtype(device: torch.device, amp: str | None = "auto") -> torch.dtype | None:
    """The autocast dtype for ``device``: None (fp32) on CPU or when ``amp`` is None/"off"."""
    if amp in (None, "off") or device.type != "cuda":
        return None
    if amp == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return {"bf16": torch.bfloat16, "fp16": torch.float16}[amp]


class Inference:
    def __init__(self, net: RingRiftNet, device: str | torch.device = "auto", amp: str | None = "auto",
                 max_batch: int = 1024, min_batch: int | None = None) -> None:
        self.device = resolve_device(device)
        self.net = net.to(self.device).eval()
        self.dtype = autocast_dtype(self.device, amp)
        self.max_batch = int(max_batch)
        cpu32 = self.device.type == "cpu" and self.dtype is None
        self.min_batch = int(min_batch) if min_batch is not None else (MIN_INVARIANT_BATCH if cpu32 else 0)
        self.positions = 0
        self.batches = 0
        self.frozen = None  # a traced, frozen copy of the network for CPU inference (``freeze``)
        self.frozen_features = None  # the same for ``RingRiftNet.features`` (``predict_moves``)
        self.full_board = False  # frozen_features skips the validity mask (a board with every cell valid)
        self._policy_out = None  # (weight [pc, A] float64, bias [A] float64) of the frozen copy

    def freeze(self) -> bool:
        """Run the CPU float32 forward pass through a traced and frozen copy of the network
        (``torch.jit.freeze`` + ``optimize_for_inference``: batch norms folded into the
        convolutions, weights pre-packed for oneDNN; about 20% less CPU per batch for the tiny
        network). The copy does not follow later changes of the weights, so this is for a network
        that stays as it is (``NetworkEvaluator`` calls it). The copy's outputs agree with the
        module's to float32 rounding (checked here on a probe batch; on a disagreement or an error
        the module is used as before). Returns whether the frozen copy is in use."""
        if self.device.type != "cpu" or self.dtype is not None:
            return False
        if self.frozen is not None:
            return True
        a = self.arch
        gen = torch.Generator().manual_seed(0)
        x = (torch.rand(MIN_INVARIANT_BATCH, a.in_planes, a.height, a.width, generator=gen) < 0.3).float()
        x[:, CH_VALID] = 1.0
        g = torch.rand(MIN_INVARIANT_BATCH, a.num_globals, generator=gen)
        try:
            with warnings.catch_warnings(), torch.inference_mode():
                warnings.simplefilter("ignore")
                full = _full_board(a.board)
                fr = _frozen(self.net, x, g)
                ff = _frozen(_Features(self.net, full).eval(), x, g)
                ok = True
                for module, ref in ((fr, self.net(x, g)), (ff, self.net.features(x, g))):
                    got = module(x, g)
                    got = module(x, g)  # the second call runs the optimised graph
                    ok = ok and all(torch.allclose(a_, b_, rtol=1e-4, atol=1e-5)
                                    for a_, b_ in zip(ref, got, strict=True))
        except Exception:  # noqa: BLE001 - an untraceable network keeps the eager path
            return False
        if ok:
            self.frozen = fr
            self.frozen_features = ff
            self.full_board = full
            self._policy_out = _policy_out_weights(self.net)
        return ok

    @property
    def arch(self):
        return self.net.arch

    def predict(self, planes: np.ndarray, globals_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``planes [B, C, H, W]``, ``globals [B, G]`` -> ``(logits [B, P], values [B, 4])`` float32."""
        b = planes.shape[0]
        if b > self.max_batch:
            parts = [self.predict(planes[i:i + self.max_batch], globals_[i:i + self.max_batch])
                     for i in range(0, b, self.max_batch)]
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
        dev = self.device
        x, g = _padded_tensors(planes, globals_, self.min_batch)
        if dev.type == "cuda":
            x = x.pin_memory().to(dev, non_blocking=True)
            g = g.pin_memory().to(dev, non_blocking=True)
        with torch.inference_mode():
            if self.dtype is not None:
                with torch.autocast(device_type=dev.type, dtype=self.dtype):
                    logits, values = self.net(x, g)
            elif self.frozen is not None:
                logits, values = self.frozen(x, g)
            else:
                logits, values = self.net(x, g)
            logits = logits[:b].float().cpu().numpy()
            values = values[:b].float().cpu().numpy()
        self.positions += b
        self.batches += 1
        return logits, values

    def predict_moves(self, planes: np.ndarray, globals_: np.ndarray, rows: np.ndarray,
                      ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The logits ``logits[rows[k], ids[k]]`` only (float64 ``[n]``) and the values ``[B, 4]``
        (float32): ``predict``'s numbers to float32 rounding, without the full policy convolution on
        CPU (the module doc). ``rows`` index the batch, ``ids`` the flat policy."""
        rows = np.asarray(rows, dtype=np.intp)
        ids = np.asarray(ids, dtype=np.intp)
        if self.device.type != "cpu" or self.dtype is not None:
            logits, values = self.predict(planes, globals_)
            return logits[rows, ids].astype(np.float64), values
        b = planes.shape[0]
        if b == 0:
            return np.zeros(len(ids)), np.zeros((0, 4), dtype=np.float32)
        feats = []
        vals = []
        for i in range(0, b, self.max_batch):
            f, v = self._features(planes[i:i + self.max_batch], globals_[i:i + self.max_batch])
            feats.append(f)
            vals.append(v)
        feats = feats[0] if len(feats) == 1 else np.concatenate(feats)
        values = vals[0] if len(vals) == 1 else np.concatenate(vals)
        weight, bias = self._policy_out if self.frozen_features is not None else _policy_out_weights(self.net)
        return _sparse_logits(feats, weight, bias, rows, ids), values

    def _features(self, planes: np.ndarray, globals_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``RingRiftNet.features`` of at most ``max_batch`` positions on CPU, padded to ``min_batch``."""
        b = planes.shape[0]
        frozen = self.frozen_features is not None and (not self.full_board or (planes[:, CH_VALID] == 1.0).all())
        x, g = _padded_tensors(planes, globals_, self.min_batch)
        with torch.inference_mode():
            if frozen:
                feats, values = self.frozen_features(x, g)
            else:
                feats, values = self.net.features(x, g)
            feats = feats[:b].float().numpy()
            values = values[:b].float().numpy()
        self.positions += b
        self.batches += 1
        return feats, values


def _sparse_logits(feats: np.ndarray, weight: np.ndarray, bias: np.ndarray, rows: np.ndarray,
                   ids: np.ndarray) -> np.ndarray:
    """``bias[a] + sum_c feats[r, c, cell] * weight[a, c]`` for each ``(r, a * HW + cell)`` of
    ``(rows, ids)``, float64. The sum over the ``pc`` channels is a fixed pairwise tree of
    elementwise additions (no reduction kernel, whose order could depend on the array's size), so
    a logit is the same number in any batch."""
    b, pc = feats.shape[:2]
    hw = feats.shape[2] * feats.shape[3]
    cells = np.ascontiguousarray(feats.reshape(b, pc, hw).transpose(0, 2, 1), dtype=np.float64).reshape(b * hw, pc)
    channel, cell = np.divmod(ids, hw)
    terms = cells.take(rows * hw + cell, axis=0)
    terms *= weight.take(channel, axis=0)
    while terms.shape[1] > 1:
        half = terms.shape[1] // 2
        folded = terms[:, :half] + terms[:, half:2 * half]
        if terms.shape[1] % 2:
            folded[:, :1] += terms[:, 2 * half:]
        terms = folded
    out = terms[:, 0]
    out += bias.take(channel)
    return out


def _frozen(module: torch.nn.Module, x: torch.Tensor, g: torch.Tensor):
    return torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(module, (x, g))))


class _Features(torch.nn.Module):
    """``RingRiftNet.features`` as a module's forward, for tracing."""

    def __init__(self, net: RingRiftNet, full_board: bool) -> None:
        super().__init__()
        self.net = net
        self.full_board = full_board

    def forward(self, planes: torch.Tensor, globals_: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.net.features(planes, globals_, self.full_board)


def _full_board(board: str) -> bool:
    """Whether every cell of ``board``'s grid is on the board (validity plane all ones)."""
    from engine.game.geometry import geometry

    from .planes import _layout_of

    return bool((_layout_of(geometry(board)).valid == 1.0).all())


def _policy_out_weights(net: RingRiftNet) -> tuple[np.ndarray, np.ndarray]:
    """``policy_out``'s weight as ``[A, pc]`` and its bias ``[A]``, float64 (a float32 product is
    exact in float64)."""
    w = net.policy_out.weight.detach().float().cpu().numpy()
    weight = np.ascontiguousarray(w.reshape(w.shape[0], w.shape[1]), dtype=np.float64)
    bias = net.policy_out.bias.detach().float().cpu().numpy().astype(np.float64)
    return weight, bias


def _padded_tensors(planes: np.ndarray, globals_: np.ndarray, min_batch: int):
    """The batch as float32 tensors, zero-padded to ``min_batch`` rows: smaller batches take other,
    batch-dependent CPU kernels, and a position's answer must not depend on its batch."""
    b = planes.shape[0]
    if b < min_batch:
        pp = np.zeros((min_batch,) + planes.shape[1:], dtype=np.float32)
        gg = np.zeros((min_batch,) + globals_.shape[1:], dtype=np.float32)
        pp[:b] = planes
        gg[:b] = globals_
        planes, globals_ = pp, gg
    return (torch.from_numpy(np.ascontiguousarray(planes, dtype=np.float32)),
            torch.from_numpy(np.ascontiguousarray(globals_, dtype=np.float32)))
