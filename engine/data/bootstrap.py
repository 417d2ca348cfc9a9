"""Bootstrap self-play: games of a heuristic profile with exploratory openings, the training data of
generation 0 (before any network exists).

    recs = bootstrap_games("square8", 2, games=2000, seed=0, profile="heuristic_v2", plies=8, temperature=1.0)

A heuristic is deterministic up to exact ties, so its self-play games repeat each other. For the
first ``plies`` plies (``state.move_count``, bookkeeping included) the player therefore plays a move
drawn from its own softmax policy sharpened or flattened by ``temperature`` (``epsilon``: instead, with
that probability, a uniformly random legal move), later its own choice. The training target of a
decision is the heuristic's policy whichever move was played: ``target="soft"`` keeps the softmax of
its move scores (what ``HeuristicPlayer.last_stats`` holds), ``"choice"`` puts all the mass on the
move it would have played. A uniformly random move (``epsilon``) is recorded with no policy target
(like an evaluation opening): it says nothing about good play.

``mistakes``: after the opening, that share of decisions plays a uniformly random legal move but
keeps the heuristic's target (what it would have played there; imitation learning's DAgger). A
network that only imitates a strong player's games never sees the positions that weak play leads
to: without them the raw policy lost a tenth of its games against ``random``, in long games that
drifted into a loss (docs/TRAINING.md, "Recipe").
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from engine.game import GameState, Move, legal_moves
from engine.players import HeuristicPlayer

from .records import GameRecord
from .selfplay import generate_games

TARGETS = ("soft", "choice")


def _sample(policy, temperature: float, rng: random.Random) -> int:
    """An index drawn from ``policy ** (1 / temperature)`` (log space: no overflow at small T)."""
    logs = [math.log(p) / temperature if p > 0 else -math.inf for p in policy]
    top = max(logs)
    w = [math.exp(x - top) for x in logs]
    r = rng.random() * sum(w)
    for i, x in enumerate(w):
        r -= x
        if r < 0:
            return i
    return max(i for i, x in enumerate(w) if x > 0)


class ExploringHeuristic(HeuristicPlayer):
    """A heuristic player with exploratory openings and a chosen kind of policy target."""

    def __init__(self, seed: int = 0, profile: str = "heuristic_v2", *, plies: int = 8, temperature: float = 1.0,
                 epsilon: float = 0.0, mistakes: float = 0.0, target: str = "soft",
                 name: str | None = None) -> None:
        super().__init__(seed, profile, name)
        if target not in TARGETS:
            raise ValueError(f"bootstrap target {target!r}: expected one of {', '.join(TARGETS)}")
        if plies < 0 or temperature < 0 or not 0.0 <= epsilon <= 1.0 or not 0.0 <= mistakes <= 1.0:
            raise ValueError(f"bootstrap needs plies >= 0, temperature >= 0, 0 <= epsilon <= 1, 0 <= mistakes <= 1 "
                             f"(got {plies}, {temperature}, {epsilon}, {mistakes})")
        self.plies, self.explore_t, self.epsilon, self.target = int(plies), float(temperature), float(epsilon), target
        self.mistakes = float(mistakes)
        self._explore = random.Random(seed)

    def start_game(self, seat: int, seed: int) -> None:
        super().start_game(seat, seed)
        self._explore = random.Random(f"explore/{seed}/{seat}")

    def spec(self) -> dict:
        boot = {"plies": self.plies, "temperature": self.explore_t, "epsilon": self.epsilon, "target": self.target}
        if self.mistakes:  # absent at 0: the specs (and game ids) of earlier bootstrap games stay the same
            boot["mistakes"] = self.mistakes
        return super().spec() | {"bootstrap": boot}

    def choose(self, state: GameState) -> Move:
        move = super().choose(state)
        st = self.last_stats
        if self.target == "choice" and len(st.moves) > 1:
            st = replace(st, policy=tuple(1.0 if i == st.chosen else 0.0 for i in range(len(st.moves))))
        if state.move_count < self.plies:
            if self.epsilon > 0 and self._explore.random() < self.epsilon:
                self._plan = []  # a planned grab no longer applies after a move of another plan
                self.last_stats = None
                return self._explore.choice(legal_moves(state))
            if self.explore_t > 0 and len(st.moves) > 1:
                i = _sample(self.last_stats.policy, self.explore_t, self._explore)
                if i != st.chosen:
                    self._plan = []
                    move = st.moves[i]
                    st = replace(st, chosen=i)
        elif self.mistakes > 0 and self._explore.random() < self.mistakes:
            self._plan = []
            move = self._explore.choice(legal_moves(state))
        self.last_stats = st
        return move


def bootstrap_games(board: str, num_players: int, games: int, seed: int = 0, *, profile: str = "heuristic_v2",
                    plies: int = 8, temperature: float = 1.0, epsilon: float = 0.0, mistakes: float = 0.0,
                    target: str = "soft", max_moves: int | None = None, namespace: str = "",
                    workers: int = 1) -> list[GameRecord]:
    """``games`` self-play games of ``profile`` with exploratory openings (see the module doc);
    seats rotate and seeds follow ``generate_games``."""
    players = [ExploringHeuristic(seed + 1000 * (i + 1), profile, plies=plies, temperature=temperature,
                                  epsilon=epsilon, mistakes=mistakes, target=target, name=f"{profile}{i + 1}")
               for i in range(num_players)]
    return generate_games(board, num_players, players, games, seed=seed, max_moves=max_moves, namespace=namespace,
                          workers=workers)
