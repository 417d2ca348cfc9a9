"""Many games in lockstep, so one evaluator call (one network forward pass) serves many positions.

    from engine.players.lockstep import play_lockstep
    run = play_lockstep("square8", 2, lambda g: [GumbelPlayer(ev, seed=g), GumbelPlayer(ev, seed=g + 1)],
                        games=64, seed=0)
    run.results        # one MatchResult per game, in game order (as play_match would give)
    run.mean_batch     # positions per evaluator call

Each player's ``search(state)`` is a generator that yields batches of leaves to evaluate and
returns its move (``Player.search``; players without an evaluator return at once). Up to
``concurrency`` games are in flight; at each step the pending requests of all of them are grouped
by evaluator object and sent in one ``evaluate`` call per evaluator, so a candidate and a champion
network in the same games each get their own batches. Game ``g`` is seeded ``seed + g`` and
played by ``make_players(g)`` (the caller chooses seats, e.g. rotating them), exactly as
``play_match(board, n, make_players(g), seed + g)`` would play it, move for move: batching changes
when positions are evaluated, never what a search computes (``tests/players/test_lockstep.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from engine.game import GameState, apply_in_place, legal_moves, new_game

from .base import Player
from .gc_pause import relaxed_gc
from .match import MatchResult, match_result


@dataclass
class _Game:
    index: int
    seed: int
    state: GameState
    players: list[Player]
    max_moves: int | None
    t0: float = field(default_factory=time.perf_counter)
    stats: list = field(default_factory=list)
    deciders: list = field(default_factory=list)
    gen: Generator | None = None
    player: Player | None = None
    request: list | None = None
    result: MatchResult | None = None


@dataclass(frozen=True)
class LockstepRun:
    results: tuple[MatchResult, ...]
    evaluator_calls: int
    positions: int
    seconds: float

    @property
    def mean_batch(self) -> float:
        return self.positions / self.evaluator_calls if self.evaluator_calls else 0.0

    @property
    def decisions(self) -> int:
        return sum(r.decisions for r in self.results)

    @property
    def moves(self) -> int:
        return sum(len(r.moves) for r in self.results)


def _advance(gm: _Game, reply) -> None:
    """Run game ``gm`` until it needs an evaluation (``gm.request``) or is over (``gm.result``)."""
    s = gm.state
    while True:
        if gm.gen is not None:
            try:
                gm.request = gm.gen.send(reply) if reply is not None else next(gm.gen)
                return
            except StopIteration as stop:
                move = stop.value
            reply = None
            gm.stats.append(gm.player.last_stats)
            gm.deciders.append(s.current_player)
            gm.gen = gm.player = gm.request = None
            apply_in_place(s, move)
            continue
        capped = gm.max_moves is not None and s.move_count >= gm.max_moves
        if s.is_over or capped:
            gm.result = match_result(s, gm.players, gm.seed, capped and not s.is_over, gm.stats, gm.deciders,
                                     time.perf_counter() - gm.t0)
            return
        legal = legal_moves(s)
        if len(legal) == 1 and legal[0].is_bookkeeping:
            apply_in_place(s, legal[0])
            continue
        gm.player = gm.players[s.current_player - 1]
        gm.gen = gm.player.search(s)


def play_lockstep(board: str, num_players: int, make_players: Callable[[int], list[Player]], games: int,
                  seed: int = 0, *, concurrency: int | None = None, max_moves: int | None = None,
                  on_result: Callable[[MatchResult], None] | None = None, workers: int = 1) -> LockstepRun:
    """Play ``games`` games, up to ``concurrency`` (default: all) at once; see the module doc.

    ``workers > 1`` (``0`` = one per core) splits the games over that many forked processes
    (``engine.players.workers``: game ``g`` goes to process ``g % workers``), each playing its share
    in lockstep with ``concurrency`` split evenly between them; the results are the same games as
    in one process (every game is seeded by its number and, with ``NetworkEvaluator``, a position's
    evaluation does not depend on its batch). The evaluators' own counters (``evaluated``, cache)
    advance in the worker processes, not in this one; ``evaluator_calls`` and ``positions`` are
    summed over the workers."""
    from .workers import resolve_workers, split_games

    t0 = time.perf_counter()
    workers = min(resolve_workers(workers), max(1, games))
    conc = games if concurrency is None else max(1, int(concurrency))
    if workers > 1:
        conc = max(1, -(-conc // workers))
    if workers > 1:  # a bad make_players fails here, not in a worker
        _check_players(make_players(0), num_players, 0)

    def job(indices, emit):
        with relaxed_gc():  # about 20% of the CPU otherwise (gc_pause)
            return _play(board, num_players, make_players, indices, seed, conc, max_moves, emit)

    results, counts = split_games(job, games, workers,
                                  on_item=(lambda _, r: on_result(r)) if on_result is not None else None)
    return LockstepRun(results=tuple(results), evaluator_calls=sum(c[0] for c in counts),
                       positions=sum(c[1] for c in counts), seconds=time.perf_counter() - t0)


def _check_players(players: list[Player], num_players: int, g: int) -> list[Player]:
    if len(players) != num_players:
        raise ValueError(f"make_players({g}) gave {len(players)} players for a {num_players}-player game")
    return players


def _play(board: str, num_players: int, make_players: Callable[[int], list[Player]], indices: list[int],
          seed: int, conc: int, max_moves: int | None, emit: Callable[[int, MatchResult], None]) -> tuple[int, int]:
    """Play the games numbered ``indices`` in lockstep; ``emit(g, result)`` as each ends. Returns
    (evaluator calls, positions evaluated)."""
    active: list[_Game] = []
    nxt = 0
    calls = positions = 0

    def finish(gm: _Game) -> None:
        emit(gm.index, gm.result)

    while active or nxt < len(indices):
        while len(active) < conc and nxt < len(indices):
            g = indices[nxt]
            players = _check_players(make_players(g), num_players, g)
            for i, pl in enumerate(players):
                pl.start_game(i + 1, seed + g)
            gm = _Game(g, seed + g, new_game(board, num_players), players, max_moves)
            nxt += 1
            _advance(gm, None)
            if gm.result is not None:
                finish(gm)
            else:
                active.append(gm)
        groups: dict[int, tuple[object, list[_Game]]] = {}
        for gm in active:
            ev = gm.player.evaluator
            groups.setdefault(id(ev), (ev, []))[1].append(gm)
        for ev, gms in groups.values():
            nodes = [nd for gm in gms for nd in gm.request]
            replies = ev.evaluate([nd.state for nd in nodes], [nd.moves for nd in nodes])
            calls += 1
            positions += len(nodes)
            k = 0
            for gm in gms:
                r = len(gm.request)
                _advance(gm, replies[k:k + r])
                k += r
        still = []
        for gm in active:
            if gm.result is not None:
                finish(gm)
            else:
                still.append(gm)
        active = still
    return calls, positions
