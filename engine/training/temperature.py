"""Self-play move temperature: a schedule by ply and by generation, and the sampling helper.

    sched = create_scheduler("step", initial=1.0, final=0.0, plies=30, generation_decay=0.9)
    t = sched.temperature(ply=state.move_count, generation=7)
    i = sched.choose(player.last_stats, ply=state.move_count, generation=7, rng=rng)

A schedule is pure: ``temperature(ply, generation)`` depends on nothing else. ``ply`` is the number
of moves already played in the game (``GameState.move_count``, bookkeeping moves included: the same
count as the ``ply`` field of the NPZ samples), ``generation`` the self-play generation (0 = the
first, bootstrap generation).

Kinds (``TemperatureConfig.kind``), ``T_ply(p)`` with ``initial`` = the temperature of the opening:

* ``constant``: ``initial`` at every ply.
* ``step``: ``initial`` for the first ``plies`` plies, then ``final`` (AlphaZero: 1 then 0).
* ``linear`` (alias ``linear_decay``): from ``initial`` at ply 0 to ``final`` at ply ``plies``,
  ``final`` after.
* ``exponential`` (alias ``exp_decay``): ``final + (initial - final) * 0.5 ** (p / half_life)``.

Generation factor: ``T(p, g) = T_ply(p) * max(min_generation_factor, generation_decay ** g)``, so
with ``generation_decay < 1`` exploration shrinks as the generations advance (never below
``min_generation_factor`` of the schedule); 1 (default) = the same schedule every generation.

How the self-play runner uses it (the players are not changed by this module):

* **Gumbel** (``GumbelPlayer``): the player returns the sequential-halving winner, which already
  carries Gumbel noise (the exploration of the search itself). For more opening diversity the
  runner may play ``sched.choose(stats, ply, generation, rng)`` instead of the player's move:
  while the temperature is > 0 it samples from the improved policy ``stats.policy`` sharpened by
  ``1/T``; at temperature 0 it returns ``stats.chosen`` (the search's own choice). The training
  target stays ``stats.policy`` whatever move is played.
* **MCTS** (``MCTSPlayer``): set ``player.temperature = sched.temperature(ply, generation)``
  before each ``choose`` (the player samples proportionally to ``N^(1/T)``, 0 = most visited), or
  use ``choose`` on its visit-count policy as above (the same distribution).
* **Evaluation / gating** games: temperature 0 (do not use a schedule).

``apply_temperature(policy, T)`` returns the sharpened distribution ``p^(1/T) / sum`` (one-hot on
the first maximum when ``T == 0``); ``sample_index(policy, T, rng)`` draws from it with any rng that
has ``random()`` (``random.Random`` or ``numpy.random.Generator``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any

import numpy as np

KINDS = ("constant", "step", "linear", "exponential")
ALIASES = {"linear_decay": "linear", "exp_decay": "exponential", "exp": "exponential"}


@dataclass(frozen=True)
class TemperatureConfig:
    """A temperature schedule (see the module docstring for the formulas)."""

    kind: str = "step"
    initial: float = 1.0  # temperature at ply 0
    final: float = 0.0  # temperature after the schedule (step, linear) / its asymptote (exponential)
    plies: int = 30  # step: plies at `initial`; linear: plies to reach `final`
    half_life: float = 15.0  # exponential: plies for the excess over `final` to halve
    generation_decay: float = 1.0  # factor per generation (1 = no generation dependence)
    min_generation_factor: float = 0.0  # floor of generation_decay ** generation

    def __post_init__(self) -> None:
        kind = ALIASES.get(self.kind, self.kind)
        if kind not in KINDS:
            raise ValueError(f"unknown temperature schedule kind {self.kind!r} (known: {', '.join(KINDS)})")
        object.__setattr__(self, "kind", kind)
        if self.initial < 0 or self.final < 0:
            raise ValueError(f"temperatures must be >= 0 (initial {self.initial}, final {self.final})")
        if self.plies < 0:
            raise ValueError(f"plies must be >= 0, got {self.plies}")
        if kind == "exponential" and not self.half_life > 0:
            raise ValueError(f"half_life must be > 0, got {self.half_life}")
        if not 0 < self.generation_decay <= 1:
            raise ValueError(f"generation_decay must be in (0, 1], got {self.generation_decay}")
        if not 0 <= self.min_generation_factor <= 1:
            raise ValueError(f"min_generation_factor must be in [0, 1], got {self.min_generation_factor}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | str) -> TemperatureConfig:
        """From a dict (or its JSON text); unknown keys are an error."""
        if isinstance(d, str):
            d = json.loads(d)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown temperature schedule keys {unknown} (known: {sorted(known)})")
        return cls(**dict(d))

    @classmethod
    def coerce(cls, obj: Any) -> TemperatureConfig:
        """From a ``TemperatureConfig``, any dataclass with the same fields (``engine.config``), or a mapping."""
        if isinstance(obj, cls):
            return obj
        if is_dataclass(obj) and not isinstance(obj, type):
            obj = asdict(obj)
        return cls.from_json(obj)


class TemperatureScheduler:
    """The move temperature of a self-play game at ``(ply, generation)``; pure and immutable."""

    def __init__(self, config: TemperatureConfig | Mapping[str, Any] | None = None) -> None:
        self.config = TemperatureConfig() if config is None else TemperatureConfig.coerce(config)

    @property
    def kind(self) -> str:
        return self.config.kind

    def __repr__(self) -> str:
        return f"TemperatureScheduler({self.config!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TemperatureScheduler) and other.config == self.config

    def __hash__(self) -> int:
        return hash(self.config)

    def ply_temperature(self, ply: int) -> float:
        """``T_ply(ply)``: the schedule within a game, before the generation factor."""
        c = self.config
        p = max(0, int(ply))
        if c.kind == "constant":
            return c.initial
        if c.kind == "step":
            return c.initial if p < c.plies else c.final
        if c.kind == "linear":
            if c.plies == 0 or p >= c.plies:
                return c.final
            return c.initial + (c.final - c.initial) * (p / c.plies)
        # exponential
        return c.final + (c.initial - c.final) * 0.5 ** (p / c.half_life)

    def generation_factor(self, generation: int) -> float:
        c = self.config
        g = max(0, int(generation))
        return max(c.min_generation_factor, c.generation_decay ** g)

    def temperature(self, ply: int, generation: int = 0) -> float:
        """The move temperature at ``ply`` of a game of ``generation``."""
        return self.ply_temperature(ply) * self.generation_factor(generation)

    def schedule(self, plies: int, generation: int = 0) -> list[float]:
        """``[temperature(0, g), ..., temperature(plies - 1, g)]`` (for plots and logs)."""
        return [self.temperature(p, generation) for p in range(plies)]

    def choose(self, stats: Any, ply: int, generation: int = 0, rng: Any = None) -> int:
        """The index (into ``stats.moves``) of the move to play: ``stats.chosen`` (the search's own
        choice) at temperature 0, else a sample from ``stats.policy`` at the scheduled temperature."""
        t = self.temperature(ply, generation)
        if t <= 0:
            return int(stats.chosen)
        if rng is None:
            raise ValueError("a temperature > 0 needs an rng to sample with")
        return sample_index(stats.policy, t, rng)

    def to_json(self) -> dict:
        return self.config.to_json()

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | str) -> TemperatureScheduler:
        return cls(TemperatureConfig.from_json(d))


def create_scheduler(kind: str = "step", **params: Any) -> TemperatureScheduler:
    """A scheduler of ``kind`` (``constant``, ``step``, ``linear``, ``exponential``) with
    ``TemperatureConfig`` fields as keyword arguments."""
    return TemperatureScheduler(TemperatureConfig.from_json({"kind": kind, **params}))


def apply_temperature(policy: Sequence[float] | np.ndarray, temperature: float) -> np.ndarray:
    """``policy ** (1 / T)`` normalised (float64); ``T == 0``: one-hot on the first maximum.

    Computed in log space, so a small ``T`` neither overflows nor underflows to all zeros; entries
    with probability 0 stay 0."""
    p = np.asarray(policy, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"policy must be a non-empty 1-D array, got shape {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)) or p.sum() <= 0:
        raise ValueError("policy must be finite, non-negative and not all zero")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if temperature == 0:
        out = np.zeros_like(p)
        out[int(np.argmax(p))] = 1.0
        return out
    with np.errstate(divide="ignore"):
        z = np.log(p) / temperature
    z -= z.max()
    w = np.exp(z)
    return w / w.sum()


def sample_index(policy: Sequence[float] | np.ndarray, temperature: float, rng: Any) -> int:
    """An index drawn from ``apply_temperature(policy, temperature)``; ``T == 0`` = argmax (no rng
    draw). ``rng``: anything with ``random()`` returning a float in [0, 1)."""
    q = apply_temperature(policy, temperature)
    if temperature == 0:
        return int(np.argmax(q))
    c = np.cumsum(q)
    u = float(rng.random()) * c[-1]
    i = int(np.searchsorted(c, u, side="right"))
    i = min(i, len(q) - 1)
    while q[i] == 0:  # only reachable through rounding at the top end: the last non-zero entry
        i -= 1
    return i

