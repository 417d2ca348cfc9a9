"""The gauntlet (a candidate against a fixed ladder of yardsticks) and round-robin tournaments.

    ladder = default_ladder(champions=[prev_champion_spec])
    report = run_gauntlet(candidate, "square8_2p", ladder, evaluators=EvaluatorCache(loader))
    print(report.format())          # one row per opponent: W/D/L, win rate and score with Wilson 95% CIs
    report.records                  # MatchRecords (source "gauntlet") for the match log / Elo

Ladder (``default_ladder``): the uniform random player, the heuristic player, plain PUCT search
(``mcts``) over the heuristic evaluator at each budget of ``ladder_simulations``, then the earlier
champions the caller passes in (network specs), in that order; repeated specs and the candidate
itself are dropped.

Colour balance: games come in *blocks* sharing one random opening (``play.py``). A block is the
candidate in seat 1, then seat 2, ..., then seat ``n``, one game each, every other seat held by a
copy of the opponent (two players: a colour-swapped pair). ``games_per_opponent`` is rounded up to
whole blocks. Block ``b`` uses the same opening against every opponent. All games of all opponents
are played in one lockstep run, so the candidate's network evaluations batch across the whole
gauntlet.

Per opponent: games, wins (the candidate alone at rank 1), draws (rank 1 shared, move cap
included), losses; ``score`` = the candidate's mean pairwise score against the opponent's seats
(two players: wins + draws / 2 per game); Wilson 95% intervals for the win rate and the score; the
Elo difference implied by the score; games and wins by the candidate's seat.

``tournament``: every pair of specs plays ``games_per_pair`` games in blocks: two players
``(a, b), (b, a)``; ``n`` players ``a`` rotated through the seats against a field of ``b``, then
``b`` against a field of ``a`` (``2 n`` games). Returns per-pair results, the records and the Elo
table of the tournament.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from engine.config import GauntletSettings
from engine.players import Evaluator, MatchResult
from engine.players.spec import EvaluatorCache, PlayerSpec

from .elo import EloService, RatingTable, get_elo_service
from .play import Seating, default_run_id, play_missing, play_seatings, rotations
from .records import MatchRecord, make_match_id, match_record, match_records_from_results
from .settings import parse_config_key
from .stats import elo_from_score, wilson_interval


def default_ladder(settings: GauntletSettings | Any = None, champions: Iterable[PlayerSpec] = ()) -> list[PlayerSpec]:
    """random, heuristic, mcts-N over the heuristic evaluator for each ``ladder_simulations`` N,
    then ``champions`` (duplicates dropped)."""
    st = GauntletSettings.from_config(settings)
    ladder: list[PlayerSpec] = []
    if st.include_random:
        ladder.append(PlayerSpec("random", label="random"))
    if st.include_heuristic:
        ladder.append(PlayerSpec("heuristic", profile=st.heuristic_profile))
    for sims in st.ladder_simulations:
        ladder.append(PlayerSpec("mcts", simulations=int(sims), profile=st.heuristic_profile))
    ladder.extend(champions)
    return _unique(ladder)


def _unique(specs: Iterable[PlayerSpec], exclude: PlayerSpec | None = None) -> list[PlayerSpec]:
    seen = set() if exclude is None else {exclude.spec_id}
    out = []
    for s in specs:
        if s.spec_id not in seen:
            seen.add(s.spec_id)
            out.append(s)
    return out


def _blocks(games: int, size: int) -> int:
    return max(1, math.ceil(games / size))


@dataclass(frozen=True)
class GauntletRow:
    opponent: PlayerSpec
    games: int
    wins: int
    draws: int
    losses: int
    score: float
    win_rate: float
    win_ci: tuple[float, float]
    score_ci: tuple[float, float]
    elo_diff: float  # the candidate's Elo advantage implied by the score (clipped for 0 / 1)
    seat_games: tuple[int, ...]  # by the candidate's seat
    seat_wins: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.opponent.name

    def to_row(self) -> dict[str, Any]:
        return {"opponent": self.label, "opponent_id": self.opponent.spec_id, "games": self.games, "wins": self.wins,
                "draws": self.draws, "losses": self.losses, "score": self.score, "win_rate": self.win_rate,
                "win_ci_low": self.win_ci[0], "win_ci_high": self.win_ci[1], "score_ci_low": self.score_ci[0],
                "score_ci_high": self.score_ci[1], "elo_diff": self.elo_diff, "seat_games": list(self.seat_games),
                "seat_wins": list(self.seat_wins)}


def _row(candidate: str, opponent: PlayerSpec, recs: Sequence[MatchRecord], n: int) -> GauntletRow:
    wins = draws = 0
    tot = 0.0
    seat_games = [0] * n
    seat_wins = [0] * n
    for r in recs:
        out = r.outcome(candidate)
        seat = r.spec_ids.index(candidate)
        seat_games[seat] += 1
        if out == "win":
            wins += 1
            seat_wins[seat] += 1
        elif out == "draw":
            draws += 1
        tot += r.score(candidate, opponent.spec_id)
    g = len(recs)
    score = tot / g if g else float("nan")
    return GauntletRow(opponent=opponent, games=g, wins=wins, draws=draws, losses=g - wins - draws, score=score,
                       win_rate=wins / g if g else float("nan"), win_ci=wilson_interval(wins, g),
                       score_ci=wilson_interval(tot, g), elo_diff=elo_from_score(score, 1e-3) if g else float("nan"),
                       seat_games=tuple(seat_games), seat_wins=tuple(seat_wins))


@dataclass(frozen=True)
class GauntletReport:
    candidate: PlayerSpec
    config_key: str
    run_id: str
    rows: tuple[GauntletRow, ...]
    records: tuple[MatchRecord, ...]
    seconds: float
    evaluator_calls: int
    positions: int
    played: int  # games played by this call; the others came from the match log (``done``)

    def row(self, opponent: PlayerSpec | str) -> GauntletRow:
        sid = opponent.spec_id if isinstance(opponent, PlayerSpec) else opponent
        for r in self.rows:
            if r.opponent.spec_id == sid:
                return r
        raise KeyError(sid)

    def to_rows(self) -> list[dict[str, Any]]:
        return [{"candidate": self.candidate.name, "candidate_id": self.candidate.spec_id,
                 "config_key": self.config_key, **r.to_row()} for r in self.rows]

    def format(self) -> str:
        lines = [f"gauntlet {self.candidate.name} {self.config_key} ({len(self.records)} games, {self.seconds:.1f}s)",
                 f"{'opponent':<24} {'games':>5} {'W':>4} {'D':>3} {'L':>4} {'win rate (95% CI)':>22} "
                 f"{'score (95% CI)':>22} {'elo':>6}"]
        for r in self.rows:
            lines.append(f"{r.label[:24]:<24} {r.games:>5} {r.wins:>4} {r.draws:>3} {r.losses:>4} "
                         f"{r.win_rate:>6.3f} ({r.win_ci[0]:.3f}-{r.win_ci[1]:.3f}) "
                         f"{r.score:>6.3f} ({r.score_ci[0]:.3f}-{r.score_ci[1]:.3f}) {r.elo_diff:>+6.0f}")
        return "\n".join(lines)


def run_gauntlet(candidate: PlayerSpec, config_key: str, opponents: Sequence[PlayerSpec] | None = None, *,
                 champions: Iterable[PlayerSpec] = (), settings: GauntletSettings | Any = None,
                 games_per_opponent: int | None = None,
                 evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None, seed: int = 0,
                 run_id: str | None = None, created_at: str | None = None,
                 on_result: Callable[[MatchResult], None] | None = None,
                 done: Mapping[str, MatchRecord] | None = None,
                 on_record: Callable[[MatchRecord], None] | None = None) -> GauntletReport:
    """Play ``candidate`` against each opponent (default: ``default_ladder(settings, champions)``)
    colour-balanced in blocks (module doc); one lockstep run for everything. ``settings``:
    ``GauntletSettings``, or a ``ForgeConfig`` / mapping with a ``gauntlet`` section.

    Resuming: ``done`` maps match ids to the records the match log already has; those games are
    not played again (their records are taken as they are) and the others are played with the
    seeds and openings they have in a whole run. ``on_record`` sees each new game's record as the
    game ends, so a caller can store it at once and a crash loses at most the games in flight."""
    st = GauntletSettings.from_config(settings)
    board, n = parse_config_key(config_key)
    ladder = _unique(default_ladder(st, champions) if opponents is None else list(opponents), exclude=candidate)
    per = games_per_opponent if games_per_opponent is not None else st.games_per_opponent
    blocks = _blocks(per, n)
    seatings = [Seating(specs, b) for opp in ladder for b in range(blocks) for specs in rotations(candidate, opp, n)]
    rid = run_id or default_run_id("gauntlet", config_key, candidate.spec_id, [o.spec_id for o in ladder], blocks,
                                   seed, st.opening_moves, st.max_moves)
    t0 = time.perf_counter()
    ids = [make_match_id("gauntlet", rid, k) for k in range(len(seatings))]
    done = done or {}
    played: dict[int, MatchRecord] = {}

    def ended(k: int, result: MatchResult) -> None:
        rec = match_record(result, seatings[k].specs, source="gauntlet", run_id=rid, game_index=k,
                           created_at=created_at)
        played[k] = rec
        if on_record is not None:
            on_record(rec)
        if on_result is not None:
            on_result(result)

    _, calls, positions = play_missing(board, n, seatings, lambda k: ids[k] in done, seed=seed,
                                       evaluators=evaluators, opening_moves=st.opening_moves, max_moves=st.max_moves,
                                       concurrency=st.concurrency, on_result=ended)
    records = [played[k] if k in played else done[ids[k]] for k in range(len(seatings))]
    per_opp = blocks * n
    rows = tuple(_row(candidate.spec_id, opp, records[k * per_opp:(k + 1) * per_opp], n)
                 for k, opp in enumerate(ladder))
    return GauntletReport(candidate=candidate, config_key=config_key, run_id=rid, rows=rows, records=tuple(records),
                          seconds=time.perf_counter() - t0, evaluator_calls=calls, positions=positions,
                          played=len(played))


# -- tournament -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairResult:
    a: PlayerSpec
    b: PlayerSpec
    games: int
    a_wins: int
    b_wins: int
    draws: int  # games won by neither alone
    a_score: float  # a's mean pairwise score against b's seats
    a_score_ci: tuple[float, float]

    def to_row(self) -> dict[str, Any]:
        return {"a": self.a.name, "a_id": self.a.spec_id, "b": self.b.name, "b_id": self.b.spec_id,
                "games": self.games, "a_wins": self.a_wins, "b_wins": self.b_wins, "draws": self.draws,
                "a_score": self.a_score, "a_score_ci_low": self.a_score_ci[0], "a_score_ci_high": self.a_score_ci[1]}


@dataclass(frozen=True)
class TournamentReport:
    config_key: str
    run_id: str
    specs: tuple[PlayerSpec, ...]
    pairs: tuple[PairResult, ...]
    records: tuple[MatchRecord, ...]
    ratings: RatingTable
    seconds: float

    def pair(self, a: PlayerSpec, b: PlayerSpec) -> PairResult:
        for p in self.pairs:
            if (p.a, p.b) == (a, b):
                return p
            if (p.a, p.b) == (b, a):
                return PairResult(a=b, b=a, games=p.games, a_wins=p.b_wins, b_wins=p.a_wins, draws=p.draws,
                                  a_score=1.0 - p.a_score, a_score_ci=(1.0 - p.a_score_ci[1], 1.0 - p.a_score_ci[0]))
        raise KeyError((a.spec_id, b.spec_id))


def _pair_block(a: PlayerSpec, b: PlayerSpec, n: int) -> list[tuple[PlayerSpec, ...]]:
    if n == 2:
        return [(a, b), (b, a)]
    return rotations(a, b, n) + rotations(b, a, n)


def tournament(specs: Sequence[PlayerSpec], games_per_pair: int, config_key: str, *,
               settings: GauntletSettings | Any = None,
               evaluators: EvaluatorCache | Callable[[str], Evaluator] | None = None, seed: int = 0,
               run_id: str | None = None, created_at: str | None = None, elo: EloService | None = None,
               on_result: Callable[[MatchResult], None] | None = None) -> TournamentReport:
    """Round robin: every pair of ``specs`` plays ``games_per_pair`` games (rounded up to whole
    blocks, module doc), all in one lockstep run. ``settings`` supplies opening_moves, max_moves
    and concurrency (the gauntlet's; or a ``ForgeConfig`` / mapping with a ``gauntlet`` section)."""
    st = GauntletSettings.from_config(settings)
    board, n = parse_config_key(config_key)
    specs = _unique(specs)
    if len(specs) < 2:
        raise ValueError("a tournament needs at least two distinct specs")
    size = 2 if n == 2 else 2 * n
    blocks = _blocks(games_per_pair, size)
    pairs = list(combinations(specs, 2))
    seatings = [Seating(seat_specs, blk) for a, b in pairs for blk in range(blocks)
                for seat_specs in _pair_block(a, b, n)]
    rid = run_id or default_run_id("tournament", config_key, [s.spec_id for s in specs], blocks, seed,
                                   st.opening_moves, st.max_moves)
    t0 = time.perf_counter()
    run = play_seatings(board, n, seatings, seed=seed, evaluators=evaluators, opening_moves=st.opening_moves,
                        max_moves=st.max_moves, concurrency=st.concurrency, on_result=on_result)
    records = match_records_from_results(run.results, [s.specs for s in seatings], source="tournament", run_id=rid,
                                         created_at=created_at)
    per = blocks * size
    results = []
    for k, (a, b) in enumerate(pairs):
        recs = records[k * per:(k + 1) * per]
        aw = sum(r.winner == a.spec_id for r in recs)
        bw = sum(r.winner == b.spec_id for r in recs)
        tot = sum(r.score(a.spec_id, b.spec_id) for r in recs)
        results.append(PairResult(a=a, b=b, games=len(recs), a_wins=aw, b_wins=bw, draws=len(recs) - aw - bw,
                                  a_score=tot / len(recs), a_score_ci=wilson_interval(tot, len(recs))))
    table = (elo or get_elo_service()).ratings(config_key, records, labels=specs)
    return TournamentReport(config_key=config_key, run_id=rid, specs=tuple(specs), pairs=tuple(results),
                            records=tuple(records), ratings=table, seconds=time.perf_counter() - t0)
