"""The values that cross the ``engine.db`` API: frozen dataclasses, never ORM objects or dicts.

Inputs: a ``created_at`` of ``None`` means "now" (UTC); any datetime passed must be
timezone-aware. JSON fields take any JSON-compatible mapping or sequence; they come back as plain
``dict`` / ``list`` (sequences given as tuples come back as lists, ``players`` and ``ranking`` as
tuples). Outputs always carry aware UTC datetimes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def config_key_for(board: str, num_players: int) -> str:
    """``"square8_2p"``: the key every per-config table is indexed by."""
    return f"{board}_{int(num_players)}p"


def canonical_json(obj: Any) -> str:
    """Sorted keys, no whitespace: equal structures give equal text (the input of content hashes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def player_spec_id(spec: Mapping[str, Any]) -> str:
    """The id of a rated player: sha256 hex of the canonical JSON of its spec (no database needed)."""
    if not isinstance(spec, Mapping):
        raise TypeError(f"a player spec must be a mapping, got {type(spec).__name__}")
    return hashlib.sha256(canonical_json(dict(spec)).encode()).hexdigest()


# -- games, shards, quarantine -------------------------------------------------------------------------

@dataclass(frozen=True)
class GameRow:
    """One game as stored in ``games``. ``config_key`` defaults to ``config_key_for(board, num_players)``."""

    game_id: str
    board: str
    num_players: int
    players: tuple[Mapping[str, Any], ...]  # spec per seat, index 0 = player 1
    ranking: tuple[int, ...]  # competition rank per seat
    num_moves: int
    num_decisions: int
    engine_version: str
    encoder_version: str
    winner: int | None = None
    victory_reason: str | None = None
    seed: int | None = None
    rules: Mapping[str, Any] = field(default_factory=dict)
    config_key: str = ""
    generator_model_id: str | None = None
    shard_id: str | None = None
    line_no: int | None = None
    status: str = "ok"
    duration_s: float | None = None
    created_at: datetime | None = None
    ingested_at: datetime | None = None  # set by the database on insert; ignored on input

    def __post_init__(self) -> None:
        if not self.config_key:
            object.__setattr__(self, "config_key", config_key_for(self.board, self.num_players))
        object.__setattr__(self, "players", tuple(self.players))
        object.__setattr__(self, "ranking", tuple(self.ranking))


@dataclass(frozen=True)
class ShardRow:
    shard_id: str  # content hash of the shard object
    uri: str
    config_key: str
    num_games: int
    bytes: int
    num_quarantined: int = 0
    producer: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class QuarantineRow:
    id: int
    source: str
    line_no: int
    game_id: str | None
    reason: str
    excerpt: str | None
    created_at: datetime


# -- datasets, training runs, models -----------------------------------------------------------------

@dataclass(frozen=True)
class DatasetRow:
    dataset_id: str  # manifest hash
    config_key: str
    encoder_version: str
    num_samples: int
    num_games: int
    window: Mapping[str, Any] = field(default_factory=dict)
    splits: Mapping[str, Any] = field(default_factory=dict)
    lineage: Mapping[str, Any] = field(default_factory=dict)
    manifest_uri: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class TrainingRunRow:
    run_id: str
    config_key: str
    init_from: str  # model id or "scratch"
    hyperparameters: Mapping[str, Any] = field(default_factory=dict)
    dataset_id: str | None = None
    status: str = "running"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    metrics: Mapping[str, Any] | None = None
    host: str | None = None


@dataclass(frozen=True)
class ModelRow:
    """A registered model. ``model_id`` must equal ``model_id_for(weights_sha256, arch_hash,
    encoder_version)`` (what ``engine.nn.checkpoint.ModelIdentity.model_id`` computes)."""

    model_id: str
    weights_sha256: str
    arch_hash: str
    encoder_version: str
    config_key: str
    arch: Mapping[str, Any] = field(default_factory=dict)
    parent_model_id: str | None = None
    dataset_id: str | None = None
    training_run_id: str | None = None
    checkpoint_uri: str | None = None
    role: str = "candidate"
    metrics: Mapping[str, Any] | None = None
    created_at: datetime | None = None


def model_id_for(weights_sha256: str, arch_hash: str, encoder_version: str) -> str:
    """The model identity string: sha256 hex of ``"{weights_sha256}:{arch_hash}:{encoder_version}"``
    (the same formula as ``engine.nn.checkpoint.ModelIdentity.model_id``)."""
    return hashlib.sha256(f"{weights_sha256}:{arch_hash}:{encoder_version}".encode()).hexdigest()


@dataclass(frozen=True)
class PointerMove:
    """One entry of ``pointer_history``: ``name`` moved from ``old_target`` to ``new_target``."""

    id: int
    name: str
    old_target: str | None
    new_target: str
    reason: str
    decided_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class PromotionRow:
    """An SPRT decision. ``promotion_id`` ``None`` on input = a new random id."""

    config_key: str
    candidate_model_id: str
    champion_model_id: str | None
    decision: str  # "promote" | "reject" | "inconclusive"
    llr: float
    lower_bound: float
    upper_bound: float
    elo0: float
    elo1: float
    games: int
    wins: int
    draws: int
    losses: int
    alpha: float | None = None
    beta: float | None = None
    details: Mapping[str, Any] | None = None
    promotion_id: str | None = None
    created_at: datetime | None = None


# -- matches and ratings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlayerSpecRow:
    spec_id: str
    spec: Mapping[str, Any]
    label: str
    model_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class MatchSeat:
    """One seat of a match: ``seat`` 1-based, ``rank`` 1 = best (ties share), ``score`` e.g. 1/0.5/0."""

    seat: int
    player_spec_id: str
    rank: int
    score: float


@dataclass(frozen=True)
class MatchRow:
    """One rated game. ``match_id`` is chosen by the producer (stable across retries and hosts)."""

    match_id: str
    config_key: str
    source: str  # "gauntlet" | "promotion" | "tournament" | ...
    seats: tuple[MatchSeat, ...]
    run_id: str | None = None
    game_id: str | None = None
    details: Mapping[str, Any] | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "seats", tuple(sorted(self.seats, key=lambda s: s.seat)))


@dataclass(frozen=True)
class RatingRow:
    """A rating to save (``computed_at`` is per snapshot, given to ``save_ratings``) or read back."""

    player_spec_id: str
    rating: float
    games: int
    stderr: float | None = None
    config_key: str = ""  # filled in when read back
    computed_at: datetime | None = None  # filled in when read back
    generation: int | None = None  # filled in when read back
