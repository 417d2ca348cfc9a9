"""How the master loop shares selfplay among the configs of a profile (the "need" rule).

Pure functions over ``engine.loop.ConfigStatus`` snapshots; no Prefect, no I/O.

The rule, per config ``c`` (``T`` = ``loop.train_threshold_games``, ``B`` = games per batch):

1. **Data freshness.** ``deficit(c) = max(0, T - games_since_training(c))``: the games ``c`` still
   lacks before its next training. A config that has enough fresh games has deficit 0.
2. **Elo progress.** ``weight(c) = deficit(c) * progress(c)`` with ``progress = bootstrap_weight``
   (2.0) when ``c`` has no champion yet, ``improving_weight`` (1.5) when its last promotion was
   accepted (the net is still climbing: feed it), ``steady_weight`` (1.0) otherwise.
3. **Budget.** Without a budget every config gets its deficit. With a budget of ``G`` games, the
   ``ceil(G / B)`` batches go to the configs in proportion to their weights (largest remainder;
   ties by config order); configs with weight 0 share what is left only if every weight is 0.
4. Every config of the profile gets at least one batch (``min_batches``), so none goes stale.

Games are always whole batches: a config's games are ``batches * B``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Allocation:
    config_key: str
    batches: int
    games: int
    deficit: int
    weight: float
    reason: str


def progress_factor(status, *, bootstrap_weight: float = 2.0, improving_weight: float = 1.5,
                    steady_weight: float = 1.0) -> tuple[float, str]:
    if not status.champion:
        return bootstrap_weight, "no champion yet"
    if status.last_promotion in ("promote", "accept"):
        return improving_weight, "last promotion accepted"
    return steady_weight, "steady"


def allocate_selfplay(statuses: Sequence, *, threshold: int, batch_games: int, budget_games: int | None = None,
                      min_batches: int = 1, bootstrap_weight: float = 2.0, improving_weight: float = 1.5,
                      steady_weight: float = 1.0) -> list[Allocation]:
    """Batches of ``batch_games`` games per config by the rule of the module docstring."""
    if batch_games < 1:
        raise ValueError("batch_games must be at least 1")
    rows = []
    for st in statuses:
        deficit = max(0, int(threshold) - int(st.games_since_training))
        f, why = progress_factor(st, bootstrap_weight=bootstrap_weight, improving_weight=improving_weight,
                                 steady_weight=steady_weight)
        rows.append((st.config_key, deficit, deficit * f, why))
    if not rows:
        return []
    if budget_games is None:
        batches = [max(min_batches, math.ceil(d / batch_games)) for _, d, _, _ in rows]
    else:
        total = max(math.ceil(budget_games / batch_games), min_batches * len(rows))
        batches = [min_batches] * len(rows)
        rest = total - sum(batches)
        weights = [w for _, _, w, _ in rows]
        if sum(weights) <= 0:
            weights = [1.0] * len(rows)
        tw = sum(weights)
        exact = [rest * w / tw for w in weights]
        extra = [int(math.floor(x)) for x in exact]
        left = rest - sum(extra)
        order = sorted(range(len(rows)), key=lambda i: (-(exact[i] - extra[i]), i))
        for i in order[:left]:
            extra[i] += 1
        batches = [b + e for b, e in zip(batches, extra)]
    return [Allocation(ck, b, b * batch_games, d, round(w, 3),
                       f"deficit {d} of {threshold} new games, {why}")
            for (ck, d, w, why), b in zip(rows, batches)]


def format_allocation(allocs: Iterable[Allocation]) -> str:
    lines = [f"{'config':<14} {'batches':>7} {'games':>6} {'deficit':>7} {'weight':>7}  reason"]
    for a in allocs:
        lines.append(f"{a.config_key:<14} {a.batches:>7} {a.games:>6} {a.deficit:>7} {a.weight:>7.2f}  {a.reason}")
    return "\n".join(lines)
