"""Position evaluators for the search players: priors over the legal moves and a value per seat.

An ``Evaluator`` is batched so a network can serve many positions at once later::

    evaluate(states, legal=None) -> list[(priors, values)]

one entry per state, in order. ``priors`` is a list aligned with ``legal_moves(state)`` (or with
``legal[i]`` when the caller passes the move lists it already has), non-negative, summing to 1.
``values`` is a tuple with one entry per seat in the seat convention of ``base.py`` (index 0 = the
player to act in that state, then turn order), each in [-1, 1]. The search players convert seat
values to absolute player numbers internally.

``terminal_values(state)`` gives the exact values of a finished game in the same seat convention:
with 2 players the winner +1 and the other -1 (0 for both without a winner); with 3-4 players a
value from the competition rank, ``1 - 2 (rank - 1) / (n - 1)`` (rank 1 = +1, last = -1, ties share).

``HeuristicEvaluator(profile)`` scores positions with the heuristic player's linear features
(``features.player_scores``): seat value ``tanh((v[q] - max_{r != q} v[r]) / value_scale)``
(``value_scale`` from the profile params, default 10) and uniform priors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from engine.game import GameState, Move, legal_moves

from .base import seat_players
from .features import FEATURES, WIN_SCORE, player_scores
from .heuristic import DEFAULT_PROFILE, load_profile

Evaluation = tuple[list[float], tuple[float, ...]]


class Evaluator(Protocol):
    """Priors over the legal moves and seat values (seat 0 = player to act) for a batch of states."""

    def evaluate(self, states: Sequence[GameState],
                 legal: Sequence[Sequence[Move]] | None = None) -> list[Evaluation]:
        ...


def terminal_values(state: GameState) -> tuple[float, ...]:
    """Exact seat values (seat 0 = ``state.current_player``) of a finished game."""
    n = state.num_players
    seats = seat_players(state.current_player, n)
    if n == 2:
        w = state.winner
        if w is None:
            return (0.0, 0.0)
        return tuple(1.0 if q == w else -1.0 for q in seats)
    ranks = state.ranking()
    return tuple(1.0 - 2.0 * (ranks[q - 1] - 1) / (n - 1) for q in seats)


def absolute_values(seat_values: Sequence[float], player: int, n: int) -> list[float]:
    """Seat values of a state with ``player`` to act -> a list indexed by player number (index 0 unused)."""
    out = [0.0] * (n + 1)
    for i, q in enumerate(seat_players(player, n)):
        out[q] = seat_values[i]
    return out


def seat_values(abs_values: Sequence[float], player: int, n: int) -> tuple[float, ...]:
    """A list indexed by player number -> seat convention for ``player`` to act."""
    return tuple(abs_values[q] for q in seat_players(player, n))


class HeuristicEvaluator:
    """Uniform priors and tanh-scaled relative heuristic scores per seat."""

    kind = "heuristic"

    def __init__(self, profile: str | Path | dict = DEFAULT_PROFILE, value_scale: float | None = None) -> None:
        prof = profile if isinstance(profile, dict) else load_profile(profile)
        self.profile = prof
        self.version = prof["version"]
        self.weights = tuple(prof["weights"][f] for f in FEATURES)
        self.value_scale = float(value_scale if value_scale is not None else prof["params"]["value_scale"])
        self.evaluated = 0

    def spec(self) -> dict:
        return {"kind": self.kind, "profile": self.version, "value_scale": self.value_scale}

    def values(self, state: GameState) -> tuple[float, ...]:
        """Seat values of one state (exact when the game is over)."""
        if state.is_over:
            return terminal_values(state)
        v = player_scores(state, self.weights)
        n = state.num_players
        scale = self.value_scale
        out = []
        for q in seat_players(state.current_player, n):
            rel = v[q] - max(v[r] for r in range(1, n + 1) if r != q)
            out.append(1.0 if rel >= WIN_SCORE else -1.0 if rel <= -WIN_SCORE else math.tanh(rel / scale))
        return tuple(out)

    def evaluate(self, states: Sequence[GameState],
                 legal: Sequence[Sequence[Move]] | None = None) -> list[Evaluation]:
        out = []
        for i, s in enumerate(states):
            if s.is_over:
                out.append(([], terminal_values(s)))
                continue
            k = len(legal[i]) if legal is not None else len(legal_moves(s))
            out.append(([1.0 / k] * k if k else [], self.values(s)))
        self.evaluated += len(states)
        return out
