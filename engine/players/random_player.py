"""The uniform random player: a seeded ``random.Random`` choice over ``legal_moves``."""

from __future__ import annotations

from engine.game import GameState, Move, legal_moves

from .base import Player, SearchStats


class RandomPlayer(Player):
    """Uniform over the legal moves. Stats: every legal move, a uniform policy, values all 0."""

    kind = "random"

    def __init__(self, seed: int = 0, name: str | None = None, record_stats: bool = True) -> None:
        super().__init__(seed, name)
        self.record_stats = record_stats

    def spec(self) -> dict:
        return {"kind": self.kind, "name": self.name, "version": "random-v1", "seed": self.seed}

    def choose(self, state: GameState) -> Move:
        moves = legal_moves(state)  # a fresh list: the state's cache is untouched
        if not moves:
            raise ValueError(f"no legal move in {state!r}")
        i = self.rng.randrange(len(moves))
        if self.record_stats:
            n = len(moves)
            self.last_stats = SearchStats(moves=tuple(moves), policy=(1.0 / n,) * n,
                                          values=(0.0,) * state.num_players, chosen=i, legal_count=n)
        return moves[i]
