"""The training window: how many of the most recent samples to train on, and how often to reuse them.

``data_window(N)`` is KataGo's sublinear window (``python/shuffle.py``): with ``N`` samples
generated so far,

    window(N) = N                                                for N <= c
    window(N) = c * (1 + beta * ((N / c) ** alpha - 1) / alpha)  for N > c

capped at ``max_window`` when given. ``c`` (``min_window``) is the size below which all data is used;
the window then grows like ``N ** alpha`` (``alpha < 1``), so old data from weak early networks is
dropped ever faster while the window still grows. ``beta`` is the window's growth rate relative to
``N`` at ``N = c`` (the slope there is ``beta``); KataGo's defaults are ``c = 250,000``, ``alpha =
0.75``, ``beta = 0.4``. The function is continuous at ``c``, increasing and never above ``N``
for ``beta <= 1``.

``training_budget(window, max_reuse)``: the most samples (batch size x steps) one training run
may draw from a window of that many samples, so that each sample is seen at most ``max_reuse``
times on average. ``reuse_budget(new, per_new)`` is the KataGo-style alternative: train at most
``per_new`` samples per newly generated sample since the last training run.

``select_window(shards, window)``: the newest shards (``(name, samples)`` newest first) that hold
the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_MIN_WINDOW = 250_000
DEFAULT_ALPHA = 0.75
DEFAULT_BETA = 0.4


def data_window(total_samples: int, *, min_window: int = DEFAULT_MIN_WINDOW, alpha: float = DEFAULT_ALPHA,
                beta: float = DEFAULT_BETA, max_window: int | None = None) -> int:
    """Number of most recent samples to train on after ``total_samples`` have been generated."""
    n = int(total_samples)
    if n < 0:
        raise ValueError(f"total_samples must be >= 0, got {total_samples}")
    if min_window <= 0:
        raise ValueError(f"min_window must be > 0, got {min_window}")
    if not 0.0 < alpha <= 1.0:
        raise ValueError(f"alpha must be in (0, 1], got {alpha}")
    if beta <= 0.0:
        raise ValueError(f"beta must be > 0, got {beta}")
    if n <= min_window:
        w = n
    else:
        c = float(min_window)
        w = int(c * (1.0 + beta * ((n / c) ** alpha - 1.0) / alpha))
        w = min(w, n)
    if max_window is not None:
        w = min(w, int(max_window))
    return w


def training_budget(window_samples: int, max_reuse: float) -> int:
    """Most training samples one run may draw from a window (each used ``max_reuse`` times on average)."""
    if max_reuse <= 0:
        raise ValueError(f"max_reuse must be > 0, got {max_reuse}")
    return int(math.floor(max(0, int(window_samples)) * float(max_reuse)))


def reuse_budget(new_samples: int, per_new: float) -> int:
    """Most training samples allowed for ``new_samples`` newly generated ones (``per_new`` each)."""
    if per_new <= 0:
        raise ValueError(f"per_new must be > 0, got {per_new}")
    return int(math.floor(max(0, int(new_samples)) * float(per_new)))


def select_window(shards: Iterable[tuple[T, int]], window: int) -> list[T]:
    """The newest shards holding ``window`` samples: ``shards`` is ``(item, samples)`` newest first;
    items are taken until their samples reach the window (the last one may overshoot). Returned
    oldest first (the order to export them in)."""
    out: list[T] = []
    total = 0
    for item, n in shards:
        if total >= window:
            break
        out.append(item)
        total += int(n)
    out.reverse()
    return out
