"""Fewer cyclic garbage collections while a search runs.

    from engine.players.gc_pause import relaxed_gc
    with relaxed_gc():
        play many searches

A search allocates tens of thousands of small objects per move (tree nodes, cloned game states,
move lists) that are freed by reference counting, never by the cycle collector. With CPython's
default thresholds (700 allocations) the collector still runs every few hundred nodes and walks
the whole young generation, and now and then every live object (the trees, the network, the
caches): about 20% of the CPU of Gumbel self-play on square8 (``docs/TRAINING.md``, "Self-play
speed"). Inside ``relaxed_gc`` the first threshold is ``gen0`` (default 50,000) instead, so the
collector runs about seventy times less often; it still runs, so a cycle that is made is still
freed. Nothing a search computes depends on when the collector runs. The previous thresholds are
restored on exit (nesting is fine: the inner block leaves what the outer one set).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

GEN0 = 50_000


@contextmanager
def relaxed_gc(gen0: int = GEN0) -> Iterator[None]:
    if gen0 < 1:
        raise ValueError(f"gen0 must be >= 1, got {gen0}")
    before = gc.get_threshold()
    gc.set_threshold(max(gen0, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
