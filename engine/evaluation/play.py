"""Playing evaluation games from specs: seatings, shared random openings, lockstep batching.

A ``Seating`` is one game: the spec of each seat (seat 1 first) and its *block*, the id of the
opening it shares. ``play_seatings`` builds every player from one ``EvaluatorCache`` and plays all
games with ``play_lockstep``, so the positions of all games searched by one model go to that model
in one evaluator call (a candidate and a champion network each get their own batches).

Openings: search players at temperature 0 with no noise are deterministic, so two evaluation games
between the same pair of specs would repeat each other. ``OpeningPlayer`` therefore plays the first
``opening_moves`` moves of a game (bookkeeping included, by ``state.move_count``) uniformly at random
from a generator seeded by ``(run seed, block, move number)`` only, whoever is to act. Every game of
a block starts from the same random opening, whatever the seating; the colour-swapped games of a
pair (or the seat rotation of a multi-player block) differ only in who sits where.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.game import GameState, Move, legal_moves
from engine.players import Evaluator, LockstepRun, MatchResult, Player, play_lockstep
from engine.players.spec import EvaluatorCache, PlayerSpec, as_cache, make_player


class OpeningPlayer(Player):
    """Wraps a player: random moves (seeded by the opening seed and the move number) while
    ``state.move_count < opening_moves``, the wrapped player's choice afterwards."""

    def __init__(self, inner: Player, opening_moves: int, opening_seed: Any) -> None:
        super().__init__(inner.seed, inner.name)
        self.inner = inner
        self.kind = inner.kind
        self.opening_moves = int(opening_moves)
        self.opening_seed = str(opening_seed)

    @property
    def evaluator(self):
        return getattr(self.inner, "evaluator", None)

    def spec(self) -> dict:
        return {**self.inner.spec(), "opening_moves": self.opening_moves, "opening_seed": self.opening_seed}

    def start_game(self, seat: int, seed: int) -> None:
        super().start_game(seat, seed)
        self.inner.start_game(seat, seed)

    def in_opening(self, state: GameState) -> bool:
        return state.move_count < self.opening_moves

    def opening_move(self, state: GameState) -> Move:
        legal = legal_moves(state)
        return random.Random(f"opening/{self.opening_seed}/{state.move_count}").choice(legal)

    def choose(self, state: GameState) -> Move:
        if self.in_opening(state):
            self.last_stats = None
            return self.opening_move(state)
        m = self.inner.choose(state)
        self.last_stats = self.inner.last_stats
        return m

    def search(self, state: GameState):
        if self.in_opening(state):
            self.last_stats = None
            return self.opening_move(state)
        m = yield from self.inner.search(state)
        self.last_stats = self.inner.last_stats
        return m


@dataclass(frozen=True)
class Seating:
    """One game to play: ``specs[i]`` sits in seat ``i + 1``; ``block`` names its opening."""

    specs: tuple[PlayerSpec, ...]
    block: int


def default_run_id(source: str, *parts: Any) -> str:
    """A run id determined by what the run plays (16 hex digits of a sha256)."""
    text = json.dumps([source, *parts], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def play_seatings(board: str, num_players: int, seatings: Sequence[Seating], *, seed: int = 0,
                  first_game: int = 0, evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None,
                  opening_moves: int = 0, max_moves: int | None = None, concurrency: int | None = None,
                  on_result: Callable[[MatchResult], None] | None = None) -> LockstepRun:
    """Play ``seatings`` in lockstep. Game ``k`` is the run's game ``first_game + k`` and gets match
    seed ``seed + first_game + k``; its opening is seeded by ``(seed, block)``."""
    cache = as_cache(evaluators)
    seatings = list(seatings)
    for s in seatings:
        if len(s.specs) != num_players:
            raise ValueError(f"a seating of {len(s.specs)} specs for a {num_players}-player game")

    def make(g: int) -> list[Player]:
        st = seatings[g]
        players = [make_player(spec, seed=seed, evaluators=cache) for spec in st.specs]
        if opening_moves > 0:
            players = [OpeningPlayer(p, opening_moves, f"{seed}/{st.block}") for p in players]
        return players

    return play_lockstep(board, num_players, make, games=len(seatings), seed=seed + first_game,
                         concurrency=concurrency or None, max_moves=max_moves or None, on_result=on_result)


def missing_ranges(count: int, done: Callable[[int], bool]) -> list[tuple[int, int]]:
    """The half-open index ranges ``[a, b)`` of ``range(count)`` whose games are not ``done``."""
    ranges: list[tuple[int, int]] = []
    start = None
    for i in range(count):
        if done(i):
            if start is not None:
                ranges.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        ranges.append((start, count))
    return ranges


def play_missing(board: str, num_players: int, seatings: Sequence[Seating], done: Callable[[int], bool], *,
                 seed: int = 0, first_game: int = 0, on_result: Callable[[int, MatchResult], None] | None = None,
                 **kwargs: Any) -> tuple[dict[int, MatchResult], int, int]:
    """Play only the games of ``seatings`` that are not ``done(k)`` (a resumed run: the match log
    already has them), each with the match seed and opening it has in a whole run, so a game
    played now is the game the whole run would have played. Returns ``({k: result}, evaluator
    calls, positions)``; ``on_result(k, result)`` as each game ends (``k`` indexes ``seatings``)."""
    results: dict[int, MatchResult] = {}
    calls = positions = 0
    base = seed + first_game

    def ended(r: MatchResult) -> None:
        k = r.seed - base  # play_seatings seeds game k of the run with seed + first_game + k
        results[k] = r
        if on_result is not None:
            on_result(k, r)

    for a, b in missing_ranges(len(seatings), done):
        run = play_seatings(board, num_players, seatings[a:b], seed=seed, first_game=first_game + a,
                            on_result=ended, **kwargs)
        calls += run.evaluator_calls
        positions += run.positions
    return results, calls, positions


def rotations(lead: PlayerSpec, field: PlayerSpec, num_players: int) -> list[tuple[PlayerSpec, ...]]:
    """``lead`` in seat 1, then seat 2, ... (one game each), every other seat held by ``field``."""
    return [tuple(lead if i == r else field for i in range(num_players)) for r in range(num_players)]
