"""Playing games between players: one match, and colour-balanced series.

``play_match`` seats ``players[i]`` as player ``i + 1`` (it rotates nothing itself), calls each
player's ``start_game(seat, seed)``, and loops: a bookkeeping move (the only legal move being a
``no_*_action``) is applied without asking anyone and produces no stats; otherwise the player to
act ``choose``s on the live state (players must not modify it; ``check=True`` verifies that and the
legality of the move, for tests) and its ``last_stats`` is recorded for that decision.

``play_series`` plays ``games`` matches rotating the seats (game g seats ``players[(i + g) % n]``
as player ``i + 1``), so with 2 players and an even number of games each plays each colour
equally often; with 3-4 players every rotation is used in turn.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.game import GameState, Move, apply_in_place, legal_moves, new_game

from .base import Player, SearchStats

MOVE_CAP = "move_cap"


@dataclass(frozen=True, slots=True)
class MatchResult:
    """One finished (or move-capped) game.

    winner: the winning seat (player number 1..n) or None (stalemate without winner, or capped).
    ranking: competition rank per seat (index 0 = player 1). victory_reason: the engine's reason,
    or ``"move_cap"`` when the safety cap stopped the game. moves: every move, bookkeeping
    included. decisions: moves chosen by a player. stats: one entry per decision (``last_stats``
    of the chooser, possibly None), in order. deciders: the seat that made each decision.
    """

    board: str
    num_players: int
    seed: int
    players: tuple[dict, ...]
    winner: int | None
    ranking: tuple[int, ...]
    victory_reason: str | None
    moves: tuple[Move, ...]
    decisions: int
    stats: tuple[SearchStats | None, ...]
    deciders: tuple[int, ...]
    seconds: float

    @property
    def capped(self) -> bool:
        return self.victory_reason == MOVE_CAP


def play_match(board: str, num_players: int, players: list[Player], seed: int = 0, *,
               max_moves: int | None = None, check: bool = False, state: GameState | None = None) -> MatchResult:
    """Play one game; ``players[i]`` is player ``i + 1``. ``max_moves`` is a safety net only."""
    if len(players) != num_players:
        raise ValueError(f"{num_players} players needed, got {len(players)}")
    t0 = time.perf_counter()
    s = new_game(board, num_players) if state is None else state.clone()
    for i, pl in enumerate(players):
        pl.start_game(i + 1, seed)
    stats: list = []
    deciders: list[int] = []
    capped = False
    while not s.is_over:
        if max_moves is not None and s.move_count >= max_moves:
            capped = True
            break
        legal = legal_moves(s)
        if len(legal) == 1 and legal[0].is_bookkeeping:
            apply_in_place(s, legal[0])
            continue
        p = s.current_player
        pl = players[p - 1]
        if check:
            before = (s.zobrist, s.move_count, s.phase, s.current_player)
            m = pl.choose(s)
            assert (s.zobrist, s.move_count, s.phase, s.current_player) == before, f"{pl!r} modified the state"
            assert m in legal, f"{pl!r} chose an illegal move {m}"
        else:
            m = pl.choose(s)
        stats.append(pl.last_stats)
        deciders.append(p)
        apply_in_place(s, m)
    return match_result(s, players, seed, capped, stats, deciders, time.perf_counter() - t0)


def match_result(s: GameState, players: list[Player], seed: int, capped: bool, stats: list, deciders: list[int],
                 seconds: float) -> MatchResult:
    """The ``MatchResult`` of a game played to ``s`` (finished, or stopped by the move cap)."""
    n = s.num_players
    if capped:
        winner, ranking, reason = None, tuple([1] * n), MOVE_CAP
    else:
        winner, ranking, reason = s.winner, tuple(s.ranking()), s.victory_reason
    return MatchResult(board=s.board_type, num_players=n, seed=seed, players=tuple(p.spec() for p in players),
                       winner=winner, ranking=ranking, victory_reason=reason, moves=tuple(s.moves),
                       decisions=len(deciders), stats=tuple(stats), deciders=tuple(deciders), seconds=seconds)


@dataclass(frozen=True, slots=True)
class SeriesResult:
    """Outcome of a series. ``wins[i]`` / ``specs[i]`` refer to ``players[i]`` of the call;
    ``draws`` counts games without a winner (stalemate without winner or move cap);
    ``colour_wins[i][seat - 1]`` splits ``wins[i]`` by the seat played."""

    board: str
    num_players: int
    games: int
    specs: tuple[dict, ...]
    wins: tuple[int, ...]
    draws: int
    colour_wins: tuple[tuple[int, ...], ...]
    colour_games: tuple[tuple[int, ...], ...]
    moves: int
    decisions: int
    seconds: float
    results: tuple[MatchResult, ...]

    def win_rate(self, i: int) -> float:
        return self.wins[i] / self.games if self.games else 0.0

    def wins_by_name(self) -> dict[str, int]:
        return {f"{i}:{spec.get('name', spec.get('kind'))}": w
                for i, (spec, w) in enumerate(zip(self.specs, self.wins))}


def play_series(board: str, num_players: int, players: list[Player], games: int, seed: int = 0, *,
                max_moves: int | None = None, keep_results: bool = True) -> SeriesResult:
    """``games`` matches with the seats rotated each game; game g uses match seed ``seed + g``."""
    n = num_players
    if len(players) != n:
        raise ValueError(f"{n} players needed, got {len(players)}")
    wins = [0] * n
    cw = [[0] * n for _ in range(n)]
    cg = [[0] * n for _ in range(n)]
    draws = moves = decisions = 0
    seconds = 0.0
    results = []
    for g in range(games):
        order = [(i + g) % n for i in range(n)]  # seat i+1 <- players[order[i]]
        r = play_match(board, n, [players[j] for j in order], seed + g, max_moves=max_moves)
        for seat, j in enumerate(order):
            cg[j][seat] += 1
        if r.winner is None:
            draws += 1
        else:
            j = order[r.winner - 1]
            wins[j] += 1
            cw[j][r.winner - 1] += 1
        moves += len(r.moves)
        decisions += r.decisions
        seconds += r.seconds
        if keep_results:
            results.append(r)
    return SeriesResult(board=board, num_players=n, games=games, specs=tuple(p.spec() for p in players),
                        wins=tuple(wins), draws=draws, colour_wins=tuple(map(tuple, cw)),
                        colour_games=tuple(map(tuple, cg)), moves=moves, decisions=decisions, seconds=seconds,
                        results=tuple(results))
