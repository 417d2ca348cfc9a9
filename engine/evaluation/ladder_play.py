"""Playing the ladder's games with the CPU time of every decision, and the ladder's driver loop.

    res = run_ladder("square8_2p", roster, settings, records=earlier, timings=earlier_timings,
                     evaluators=EvaluatorCache(loader), on_game=store_one)
    print(res.report.format())

Seconds per move are CPU seconds (``time.process_time``: the process's CPU, torch's threads
included, so other work on a loaded machine does not inflate them) of real decisions only (no
opening moves, no forced bookkeeping moves). A player's own computation is timed inside its search
generator; the evaluator calls, which ``play_lockstep`` batches across games (and across players
sharing an evaluator), are timed per call and charged to each player by the positions it asked for.

Each game is handed to ``on_game(record, timing)`` as soon as it ends, so a crash loses only the
games in flight; ``run_ladder`` refits after every round (``ladder.next_round``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.config import EloSettings
from engine.players import DEFAULT_PROFILE, Evaluator, MatchResult, Player, play_lockstep
from engine.players.spec import EvaluatorCache, PlayerSpec, as_cache, make_player

from .ladder import (
    SOURCE,
    LadderPlayer,
    LadderReport,
    LadderSettings,
    PlannedPair,
    Timing,
    block_seatings,
    block_size,
    ladder_report,
    next_round,
    pair_run_id,
)
from .play import OpeningPlayer
from .records import MatchRecord, match_record
from .settings import parse_config_key

_clock = time.process_time


class TimedEvaluator:
    """An evaluator that remembers the CPU seconds per position of its last ``evaluate`` call."""

    def __init__(self, inner: Evaluator) -> None:
        self.inner = inner
        self.last_per_position = 0.0

    def evaluate(self, states, legal=None):
        t = _clock()
        out = self.inner.evaluate(states, legal)
        self.last_per_position = (_clock() - t) / max(1, len(states))
        return out

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class TimedEvaluatorCache(EvaluatorCache):
    """An ``EvaluatorCache`` whose evaluators are ``TimedEvaluator``s (one per model / profile, so
    games still batch per evaluator)."""

    def __init__(self, base: EvaluatorCache) -> None:
        super().__init__(base.model_loader)
        self.base = base
        self.timed: dict[int, TimedEvaluator] = {}

    def _wrap(self, ev: Evaluator) -> TimedEvaluator:
        t = self.timed.get(id(ev))
        if t is None:
            t = self.timed[id(ev)] = TimedEvaluator(ev)
        return t

    def network(self, model_id: str) -> Evaluator:
        return self._wrap(self.base.network(model_id))

    def heuristic(self, profile: str = DEFAULT_PROFILE):
        return self._wrap(self.base.heuristic(profile))


class TimedPlayer(Player):
    """Wraps a player: counts its decisions and their CPU seconds; starts each game from a fixed
    match seed (``game_seed``) so a game does not depend on which round or batch it was played in."""

    def __init__(self, inner: Player, game_seed: int) -> None:
        super().__init__(inner.seed, inner.name)
        self.inner = inner
        self.kind = inner.kind
        self.game_seed = int(game_seed)
        self.cpu = 0.0
        self.decisions = 0

    @property
    def evaluator(self):
        return getattr(self.inner, "evaluator", None)

    def spec(self) -> dict:
        return self.inner.spec()

    def start_game(self, seat: int, seed: int) -> None:
        super().start_game(seat, self.game_seed)
        self.inner.start_game(seat, self.game_seed)

    def choose(self, state):
        t = _clock()
        move = self.inner.choose(state)
        self.cpu += _clock() - t
        self.decisions += 1
        self.last_stats = self.inner.last_stats
        return move

    def search(self, state):
        t = _clock()
        gen = self.inner.search(state)
        reply: Any = None
        first = True
        while True:
            try:
                req = next(gen) if first else gen.send(reply)
            except StopIteration as stop:
                move = stop.value
                break
            first = False
            self.cpu += _clock() - t
            reply = yield req
            t = _clock()
            ev = self.evaluator
            self.cpu += len(req) * float(getattr(ev, "last_per_position", 0.0))
        self.cpu += _clock() - t
        self.decisions += 1
        self.last_stats = self.inner.last_stats
        return move


def game_seed(run_id: str, game_index: int) -> int:
    """The match seed of game ``game_index`` of a pair's run (stable across reruns)."""
    return int.from_bytes(hashlib.sha256(f"{run_id}/{game_index}".encode()).digest()[:4], "big")


@dataclass(frozen=True)
class _Game:
    run_id: str
    index: int  # within the pair's run
    block: int
    specs: tuple[PlayerSpec, ...]


def plan_games(config_key: str, plan: Sequence[PlannedPair], settings: LadderSettings,
               skip: set[str] = frozenset()) -> list[_Game]:
    """The games of ``plan`` (their match ids not in ``skip``)."""
    from .records import make_match_id

    _, n = parse_config_key(config_key)
    size = block_size(n)
    out = []
    for p in plan:
        rid = pair_run_id(config_key, p.a, p.b, settings)
        seats = block_seatings(p.a, p.b, n)
        for blk in range(p.first_block, p.first_block + p.blocks):
            for k, specs in enumerate(seats):
                idx = blk * size + k
                if make_match_id(SOURCE, rid, idx) not in skip:
                    out.append(_Game(rid, idx, blk, specs))
    return out


def play_games(config_key: str, games: Sequence[_Game], settings: LadderSettings,
               evaluators: EvaluatorCache | Callable[[str], Evaluator] | None,
               on_game: Callable[[MatchRecord, Timing], None]) -> int:
    """Play ``games`` in lockstep (openings shared per pair and block); ``on_game`` gets each one as
    it ends. Returns the number played."""
    board, n = parse_config_key(config_key)
    cache = TimedEvaluatorCache(as_cache(evaluators))
    timers: dict[int, list[TimedPlayer]] = {}

    def make(g: int) -> list[Player]:
        gm = games[g]
        seed = game_seed(gm.run_id, gm.index)
        timed = [TimedPlayer(make_player(spec, seed=seed, evaluators=cache), seed) for spec in gm.specs]
        timers[g] = timed
        players: list[Player] = list(timed)
        if settings.opening_moves > 0:
            players = [OpeningPlayer(p, settings.opening_moves, f"{gm.run_id}/{gm.block}") for p in timed]
        return players

    def done(res: MatchResult) -> None:
        g = res.seed  # play_lockstep seeds game g with 0 + g
        gm = games[g]
        timed = timers.pop(g)
        rec = match_record(res, gm.specs, source=SOURCE, run_id=gm.run_id, game_index=gm.index)
        rec = replace(rec, seed=game_seed(gm.run_id, gm.index))
        on_game(rec, (tuple(t.cpu for t in timed), tuple(t.decisions for t in timed)))

    if games:
        play_lockstep(board, n, make, games=len(games), seed=0, concurrency=settings.concurrency or None,
                      max_moves=settings.max_moves or None, on_result=done)
    return len(games)


@dataclass(frozen=True)
class LadderRun:
    report: LadderReport
    records: tuple[MatchRecord, ...]  # every ladder game of the roster, earlier ones included
    timings: dict[str, Timing]
    rounds: int


def run_ladder(config_key: str, roster: Sequence[LadderPlayer], settings: LadderSettings, *,
               records: Sequence[MatchRecord] = (), timings: dict[str, Timing] | None = None,
               evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None,
               on_game: Callable[[MatchRecord, Timing], None] | None = None,
               on_round: Callable[[int, list[PlannedPair], int], None] | None = None,
               elo: EloSettings | None = None) -> LadderRun:
    """Rounds of ``next_round`` until it is empty: play, record (``on_game``), refit. ``records`` /
    ``timings``: the ladder games already in the match log (their match ids are not replayed)."""
    t0 = time.perf_counter()
    recs = {r.match_id: r for r in records}
    tims = dict(timings or {})
    played = rounds = 0
    cache = as_cache(evaluators)
    while True:
        plan = next_round(config_key, roster, list(recs.values()), settings, played=played, elo=elo)
        games = plan_games(config_key, plan, settings, skip=set(recs))
        if not plan:
            break
        if on_round is not None:
            on_round(rounds, plan, len(games))

        def got(rec: MatchRecord, timing: Timing) -> None:
            recs[rec.match_id] = rec
            tims[rec.match_id] = timing
            if on_game is not None:
                on_game(rec, timing)

        played += play_games(config_key, games, settings, cache, got)
        rounds += 1
        if not games:  # the plan's games were all recorded already: nothing new can change it
            break
    rep = ladder_report(config_key, roster, list(recs.values()), tims, settings, new_games=played,
                        seconds=time.perf_counter() - t0, elo=elo)
    return LadderRun(rep, tuple(recs.values()), tims, rounds)
