"""Elo per generation, as rows for plotting.

    rows = elo_trend("square8_2p", {0: recs_gen0, 1: recs_gen1, 2: recs_gen2})
    # [TrendPoint(generation=0, spec_id=..., label=..., elo=..., stderr=..., games=...), ...]

For each generation (keys in sorted order) the ratings are fitted on the records of that generation
and, with ``cumulative=True`` (default), of every earlier one, so the curve of a player is its rating
as the evidence accumulated; ``cumulative=False`` fits each generation's records alone. Records are
de-duplicated by ``match_id`` across generations. ``track`` keeps only some players (spec ids or
specs), e.g. the champions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.config import EloSettings
from engine.players.spec import PlayerSpec

from .elo import fit_ratings
from .records import MatchRecord


@dataclass(frozen=True)
class TrendPoint:
    generation: Any
    spec_id: str
    label: str
    elo: float
    stderr: float
    games: int
    anchored: bool

    def to_row(self) -> dict[str, Any]:
        return {"generation": self.generation, "spec_id": self.spec_id, "label": self.label, "elo": self.elo,
                "stderr": self.stderr, "games": self.games, "anchored": self.anchored}


def elo_trend(config_key: str, records_by_generation: Mapping[Any, Sequence[MatchRecord]], *,
              cumulative: bool = True, anchors: Mapping[str | PlayerSpec, float] | None = None,
              labels: Mapping[str, str] | Iterable[PlayerSpec] | None = None,
              track: Iterable[str | PlayerSpec] | None = None,
              settings: EloSettings | None = None) -> list[TrendPoint]:
    """One ``TrendPoint`` per (generation, player rated at that generation), generations in order,
    players best first within a generation."""
    keep = None if track is None else {t.spec_id if isinstance(t, PlayerSpec) else str(t) for t in track}
    labels = dict(labels) if isinstance(labels, Mapping) else (list(labels) if labels is not None else None)
    out: list[TrendPoint] = []
    pool: list[MatchRecord] = []
    for gen in sorted(records_by_generation):
        recs = list(records_by_generation[gen])
        pool = pool + recs if cumulative else recs
        if not pool:
            continue
        table = fit_ratings(pool, config_key=config_key, anchors=anchors, labels=labels, settings=settings)
        for r in table:
            if keep is None or r.spec_id in keep:
                out.append(TrendPoint(generation=gen, spec_id=r.spec_id, label=r.label, elo=r.elo, stderr=r.stderr,
                                      games=r.games, anchored=r.anchored))
    return out
