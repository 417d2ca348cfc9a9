"""``MatchRecord``: one evaluation game as the rating code (and the match log) needs it.

    recs = match_records_from_results(run.results, seatings, source="gauntlet", run_id="r-17")
    recs[0].seats          # ((spec_id of seat 1, rank), (spec_id of seat 2, rank), ...)

``match_id`` is a sha256 of ``(source, run_id, game_index)``: the same game of the same run always
gets the same id, so ingesting a run's records twice (a retried task) inserts nothing new, and the
Elo fit drops duplicate ids. ``seats`` are in seat order (seat 1 first) with the engine's
competition rank (1 = first; equal ranks share; a move-capped game ranks everyone 1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.players import MOVE_CAP, MatchResult
from engine.players.spec import PlayerSpec

from .settings import make_config_key, parse_config_key

SOURCES = ("gauntlet", "promotion", "tournament")


def make_match_id(source: str, run_id: str, game_index: int) -> str:
    """sha256 hex of the canonical JSON ``[source, run_id, game_index]``."""
    text = json.dumps([str(source), str(run_id), int(game_index)], separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class MatchRecord:
    """One game: who sat where and how they ranked.

    seats: ``(spec_id, rank)`` per seat, seat 1 first. moves: moves played (bookkeeping included).
    victory_reason: the engine's reason or ``"move_cap"``. created_at: ISO-8601 UTC (not part of
    the identity). seed: the game's match seed.
    """

    match_id: str
    config_key: str
    seats: tuple[tuple[str, int], ...]
    source: str
    run_id: str
    game_index: int
    moves: int
    victory_reason: str | None
    created_at: str
    seed: int | None = None

    def __post_init__(self) -> None:
        parse_config_key(self.config_key)
        seats = tuple((str(s), int(r)) for s, r in self.seats)
        n = len(seats)
        if int(self.config_key.rsplit("_", 1)[1][:-1]) != n:
            raise ValueError(f"{self.config_key}: {n} seats")
        if any(not 1 <= r <= n for _, r in seats) or min(r for _, r in seats) != 1:
            raise ValueError(f"bad ranks {seats}")
        if not self.source:
            raise ValueError("source must be non-empty")
        object.__setattr__(self, "seats", seats)

    @property
    def num_players(self) -> int:
        return len(self.seats)

    @property
    def spec_ids(self) -> tuple[str, ...]:
        return tuple(s for s, _ in self.seats)

    @property
    def ranks(self) -> tuple[int, ...]:
        return tuple(r for _, r in self.seats)

    @property
    def capped(self) -> bool:
        return self.victory_reason == MOVE_CAP

    @property
    def winners(self) -> frozenset[str]:
        """The spec ids holding a rank-1 seat."""
        return frozenset(s for s, r in self.seats if r == 1)

    @property
    def winner(self) -> str | None:
        """The spec id that alone holds rank 1 (several seats of one spec count as one), else None."""
        w = self.winners
        return next(iter(w)) if len(w) == 1 else None

    def outcome(self, spec_id: str) -> str | None:
        """``"win"`` (rank 1, no other spec at rank 1), ``"draw"`` (rank 1 shared with another spec),
        ``"loss"``; None if ``spec_id`` did not play."""
        if spec_id not in self.spec_ids:
            return None
        w = self.winners
        if spec_id not in w:
            return "loss"
        return "win" if len(w) == 1 else "draw"

    def score(self, spec_id: str, against: str | Iterable[str] | None = None) -> float | None:
        """The pairwise score of ``spec_id``'s seats against the seats of ``against`` (a spec id,
        several, or None = every other spec): the mean over (own seat, other seat) of 1 for a better
        rank, 1/2 for an equal one, 0 for a worse one. None if there is no such pair."""
        others = None if against is None else ({against} if isinstance(against, str) else set(against))
        mine = [r for s, r in self.seats if s == spec_id]
        theirs = [r for s, r in self.seats if s != spec_id and (others is None or s in others)]
        if not mine or not theirs:
            return None
        tot = sum(1.0 if a < b else 0.5 if a == b else 0.0 for a in mine for b in theirs)
        return tot / (len(mine) * len(theirs))

    def to_json(self) -> dict[str, Any]:
        return {"match_id": self.match_id, "config_key": self.config_key,
                "seats": [[s, r] for s, r in self.seats], "source": self.source, "run_id": self.run_id,
                "game_index": self.game_index, "moves": self.moves, "victory_reason": self.victory_reason,
                "created_at": self.created_at, "seed": self.seed}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any] | str) -> MatchRecord:
        d = dict(json.loads(obj) if isinstance(obj, str) else obj)
        return cls(match_id=d["match_id"], config_key=d["config_key"],
                   seats=tuple((s, r) for s, r in d["seats"]), source=d["source"], run_id=d["run_id"],
                   game_index=int(d["game_index"]), moves=int(d["moves"]), victory_reason=d.get("victory_reason"),
                   created_at=d["created_at"], seed=d.get("seed"))


def _sid(x: PlayerSpec | str) -> str:
    return x.spec_id if isinstance(x, PlayerSpec) else str(x)


def match_record(result: MatchResult, seating: Sequence[PlayerSpec | str], *, source: str, run_id: str,
                 game_index: int, created_at: str | None = None) -> MatchRecord:
    """The record of one ``MatchResult``; ``seating[i]`` is the spec (or spec id) of seat ``i + 1``."""
    if len(seating) != result.num_players:
        raise ValueError(f"{len(seating)} specs for a {result.num_players}-player game")
    return MatchRecord(match_id=make_match_id(source, run_id, game_index),
                       config_key=make_config_key(result.board, result.num_players),
                       seats=tuple((_sid(s), int(r)) for s, r in zip(seating, result.ranking)),
                       source=source, run_id=str(run_id), game_index=int(game_index), moves=len(result.moves),
                       victory_reason=result.victory_reason, created_at=created_at or utc_now(), seed=result.seed)


def match_records_from_results(results: Sequence[MatchResult], seatings: Sequence[Sequence[PlayerSpec | str]], *,
                               source: str, run_id: str, first_index: int = 0,
                               created_at: str | None = None) -> list[MatchRecord]:
    """Records of ``results[k]`` seated as ``seatings[k]``, game index ``first_index + k``."""
    if len(results) != len(seatings):
        raise ValueError(f"{len(results)} results but {len(seatings)} seatings")
    ts = created_at or utc_now()
    return [match_record(r, s, source=source, run_id=run_id, game_index=first_index + k, created_at=ts)
            for k, (r, s) in enumerate(zip(results, seatings))]
