"""Learning-rate schedule: linear warmup to the peak, then cosine decay to zero."""

from __future__ import annotations

import math


def lr_at(step: int, peak: float, warmup: int, total: int) -> float:
    """The learning rate of (0-based) ``step`` out of ``total``."""
    if warmup > 0 and step < warmup:
        return peak * (step + 1) / warmup
    span = max(1, total - warmup)
    t = min(1.0, max(0.0, (step - warmup) / span))
    return peak * 0.5 * (1.0 + math.cos(math.pi * t))
