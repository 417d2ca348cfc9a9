"""The player interface shared by every player (random, heuristic, and later search players).

A player is asked for a *decision*: ``choose(state)`` with ``state.current_player`` being the seat
it plays. It must not modify ``state`` (players work on ``state.clone()``) and returns one of
``legal_moves(state)``. Bookkeeping moves (``move.is_bookkeeping``: the forced ``no_*_action``
moves of a phase without options) are never decisions: the match runner applies them without
asking the player, and they produce no stats.

After each ``choose`` a player exposes ``last_stats`` (a frozen ``SearchStats`` or ``None``).

Seat convention of ``SearchStats.values``: index 0 is the player to act (the chooser), then the
following players in turn order: for the chooser ``p`` of an ``n``-player game, index ``i`` is
player ``(p - 1 + i) % n + 1``. Values are in [-1, 1] (1 = winning, -1 = losing).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from engine.game import GameState, Move


@dataclass(frozen=True, slots=True)
class SearchStats:
    """What a player knew when it chose.

    moves: the legal moves it considered (every legal move for random; for the heuristic the
      moves it looked ahead on: placements may be pruned, see ``heuristic.py``).
    policy: a probability per entry of ``moves`` (sums to 1): uniform for random, a softmax of the
      scores for the heuristic, visit counts for search players later.
    values: the root value per seat (seat 0 = the player to act, then turn order), in [-1, 1].
    chosen: index of the chosen move in ``moves``.
    legal_count: number of legal moves at the root.
    evaluated: number of positions evaluated (states scored by the evaluator).
    """

    moves: tuple[Move, ...]
    policy: tuple[float, ...]
    values: tuple[float, ...]
    chosen: int
    legal_count: int
    evaluated: int = 0

    @property
    def move(self) -> Move:
        return self.moves[self.chosen]


def seat_players(player: int, num_players: int) -> list[int]:
    """Player numbers in seat order for ``player`` to act: [player, next, next-next, ...]."""
    return [(player - 1 + i) % num_players + 1 for i in range(num_players)]


class Player:
    """Base class: ``name``, ``spec()``, ``choose(state)``, ``last_stats``, ``start_game``.

    Subclasses implement ``choose``. ``start_game(seat, seed)`` is called by the match runner
    before each game; the default re-seeds ``self.rng`` from (player seed, match seed, seat), so a
    game is reproducible from its seeds whatever was played before it.
    """

    kind: str = "player"

    def __init__(self, seed: int = 0, name: str | None = None) -> None:
        self.seed = int(seed)
        self.name = name or self.kind
        self.rng = random.Random(self.seed)
        self.last_stats: SearchStats | None = None

    def spec(self) -> dict[str, Any]:
        """A JSON-able record of what this player is: kind, profile/version, seed."""
        return {"kind": self.kind, "name": self.name, "seed": self.seed}

    def start_game(self, seat: int, seed: int) -> None:
        self.rng = random.Random(f"{self.seed}/{seed}/{seat}")
        self.last_stats = None

    def choose(self, state: GameState) -> Move:  # pragma: no cover - interface
        raise NotImplementedError

    def search(self, state: GameState):
        """``choose`` as a generator for the lockstep runner (``engine.players.lockstep``): a search
        player yields batches of positions to evaluate and returns its move; a player that needs no
        evaluator returns at once."""
        return self.choose(state)
        yield  # pragma: no cover - makes this a generator function

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} seed={self.seed}>"
