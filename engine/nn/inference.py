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
                fr = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(self.net, (x, g))))
                ref = self.net(x, g)
                got = fr(x, g)
                got = fr(x, g)  # the second call runs the optimised graph
            ok = all(torch.allclose(a_, b_, rtol=1e-4, atol=1e-5) for a_, b_ in zip(ref, got, strict=True))
        except Exception:  # noqa: BLE001 - an untraceable network keeps the eager path
            return False
        if ok:
            self.frozen = fr
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
        if b < self.min_batch:
            pp = np.zeros((self.min_batch,) + planes.shape[1:], dtype=np.float32)
            gg = np.zeros((self.min_batch,) + globals_.shape[1:], dtype=np.float32)
            pp[:b] = planes
            gg[:b] = globals_
            planes, globals_ = pp, gg
        x = torch.from_numpy(np.ascontiguousarray(planes, dtype=np.float32))
        g = torch.from_numpy(np.ascontiguousarray(globals_, dtype=np.float32))
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
