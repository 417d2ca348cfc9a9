"""The ORM models: one class per table (see docs/DATABASE.md for who writes and reads each).

These classes stay inside ``engine.db``: the repository functions take and return the frozen
dataclasses of ``engine.db.rows``. Every change here needs a migration in
``engine/db/migrations/versions/`` (the test suite compares models and migrations on SQLite and
PostgreSQL and fails on any difference).

Conventions: ids are text (content hashes or producer-chosen ids, so two hosts agree on them
without asking the database); surrogate integer keys only for append-only logs that nobody
references from outside (quarantine, pointer history, ratings); timestamps are aware UTC
(``UTCDateTime``); free-form structures are JSON; enumerations are text with a CHECK constraint
(adding a value = a migration that replaces the constraint); constraint and index names follow
``NAMING_CONVENTION`` so migrations can refer to them by name on every backend.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from .types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

GAME_STATUSES = ("ok", "quarantined")
MODEL_ROLES = ("candidate", "champion", "retired", "rejected")
RUN_STATUSES = ("running", "finished", "failed", "cancelled")
PROMOTION_DECISIONS = ("promote", "reject", "inconclusive")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        Any: JSON(),
    }


# -- selfplay data --------------------------------------------------------------------------------------

class Shard(Base):
    """One shard object of game records in the artifact store (JSONL, compressed)."""

    __tablename__ = "shards"

    shard_id: Mapped[str] = mapped_column(String, primary_key=True)  # content hash of the object
    uri: Mapped[str] = mapped_column(String)  # store URI or key
    config_key: Mapped[str] = mapped_column(String)
    num_games: Mapped[int] = mapped_column(Integer)  # games ingested from it
    num_quarantined: Mapped[int] = mapped_column(Integer)  # lines that went to quarantine
    bytes: Mapped[int] = mapped_column(BigInteger)
    producer: Mapped[str | None] = mapped_column(String)  # host / flow run that wrote it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "config_key", "created_at"),)


class Game(Base):
    """One finished game (selfplay, gauntlet or tournament) as ingested from a shard."""

    __tablename__ = "games"

    game_id: Mapped[str] = mapped_column(String, primary_key=True)
    board: Mapped[str] = mapped_column(String)
    num_players: Mapped[int] = mapped_column(Integer)
    config_key: Mapped[str] = mapped_column(String)  # "square8_2p"
    rules: Mapped[dict[str, Any]] = mapped_column()  # rules options (swap_rule, early_lps, max_moves, ...)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    players: Mapped[list[Any]] = mapped_column()  # one spec per seat (engine kind, model, search budget)
    winner: Mapped[int | None] = mapped_column(Integer)  # seat (1-based); None = draw / capped
    ranking: Mapped[list[Any]] = mapped_column()  # competition rank per seat
    victory_reason: Mapped[str | None] = mapped_column(String)
    num_moves: Mapped[int] = mapped_column(Integer)
    num_decisions: Mapped[int] = mapped_column(Integer)
    engine_version: Mapped[str] = mapped_column(String)
    encoder_version: Mapped[str] = mapped_column(String)
    generator_model_id: Mapped[str | None] = mapped_column(String)  # model identity that generated it, if any
    shard_id: Mapped[str | None] = mapped_column(ForeignKey("shards.shard_id"))
    line_no: Mapped[int | None] = mapped_column(Integer)  # 1-based line in the shard
    status: Mapped[str] = mapped_column(String, default="ok")
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the game was played (or recorded)
    ingested_at: Mapped[datetime] = mapped_column(default=utcnow)  # when this row was written

    __table_args__ = (
        CheckConstraint(_in("status", GAME_STATUSES), name="status"),
        Index(None, "config_key", "created_at"),
        Index(None, "config_key", "ingested_at"),
        Index(None, "shard_id"),
        Index(None, "generator_model_id"),
    )


class Quarantine(Base):
    """A shard line (or whole file, ``line_no`` 0) that could not be ingested, and why."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String)  # shard id or file path
    line_no: Mapped[int] = mapped_column(Integer)  # 1-based; 0 = the whole source
    game_id: Mapped[str | None] = mapped_column(String)
    reason: Mapped[str] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)  # the start of the raw line
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("source", "line_no"), Index(None, "created_at"))


# -- training ----------------------------------------------------------------------------------------------

class Dataset(Base):
    """An exported training dataset (NPZ chunks + manifest in the store)."""

    __tablename__ = "datasets"

    dataset_id: Mapped[str] = mapped_column(String, primary_key=True)  # manifest hash
    config_key: Mapped[str] = mapped_column(String)
    encoder_version: Mapped[str] = mapped_column(String)
    num_samples: Mapped[int] = mapped_column(BigInteger)
    num_games: Mapped[int] = mapped_column(Integer)
    window: Mapped[dict[str, Any]] = mapped_column()  # window spec (total, window, min_window, alpha, ...)
    splits: Mapped[dict[str, Any]] = mapped_column()  # {"train": {"samples", "games", "chunks"}, "val": {...}}
    manifest_uri: Mapped[str | None] = mapped_column(String)
    lineage: Mapped[dict[str, Any]] = mapped_column()  # shards, parent datasets, export options
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "config_key", "created_at"),)


class TrainingRun(Base):
    """One training run: from an initial model (or scratch) on a dataset, to a candidate model."""

    __tablename__ = "training_runs"

    run_id: Mapped[str] = mapped_column(String, primary_key=True)
    config_key: Mapped[str] = mapped_column(String)
    init_from: Mapped[str] = mapped_column(String)  # model id, or "scratch"
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.dataset_id"))
    hyperparameters: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String, default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    metrics: Mapped[dict[str, Any] | None] = mapped_column()  # final metrics
    host: Mapped[str | None] = mapped_column(String)

    __table_args__ = (
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        Index(None, "config_key", "started_at"),
        Index(None, "dataset_id"),
    )


class Model(Base):
    """A trained network: identity = sha256(weights sha256 : arch hash : encoder version)."""

    __tablename__ = "models"

    model_id: Mapped[str] = mapped_column(String, primary_key=True)
    weights_sha256: Mapped[str] = mapped_column(String)
    arch_hash: Mapped[str] = mapped_column(String)
    encoder_version: Mapped[str] = mapped_column(String)
    config_key: Mapped[str] = mapped_column(String)
    arch: Mapped[dict[str, Any]] = mapped_column()
    parent_model_id: Mapped[str | None] = mapped_column(ForeignKey("models.model_id"))
    dataset_id: Mapped[str | None] = mapped_column(ForeignKey("datasets.dataset_id"))
    training_run_id: Mapped[str | None] = mapped_column(ForeignKey("training_runs.run_id"))
    checkpoint_uri: Mapped[str | None] = mapped_column(String)  # checkpoint manifest id / store key
    role: Mapped[str] = mapped_column(String, default="candidate")
    metrics: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Model | None] = relationship(remote_side=[model_id], lazy="raise")

    __table_args__ = (
        CheckConstraint(_in("role", MODEL_ROLES), name="role"),
        Index(None, "config_key", "created_at"),
        Index(None, "config_key", "role"),
        Index(None, "parent_model_id"),
        Index(None, "dataset_id"),
        Index(None, "training_run_id"),
    )


class Pointer(Base):
    """The current value of a named pointer (``champion/square8_2p`` -> model id)."""

    __tablename__ = "pointers"

    name: Mapped[str] = mapped_column(String, primary_key=True)
    target: Mapped[str] = mapped_column(String)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointerHistory(Base):
    """Every move of a pointer, in order (the promotion history)."""

    __tablename__ = "pointer_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String)
    old_target: Mapped[str | None] = mapped_column(String)
    new_target: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String)  # promotion id, "manual:<who>", ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "name", "id"),)


class Promotion(Base):
    """One SPRT decision: a candidate against the champion of its config."""

    __tablename__ = "promotions"

    promotion_id: Mapped[str] = mapped_column(String, primary_key=True)
    config_key: Mapped[str] = mapped_column(String)
    candidate_model_id: Mapped[str] = mapped_column(ForeignKey("models.model_id"))
    champion_model_id: Mapped[str | None] = mapped_column(ForeignKey("models.model_id"))
    decision: Mapped[str] = mapped_column(String)
    llr: Mapped[float] = mapped_column(Float)
    lower_bound: Mapped[float] = mapped_column(Float)
    upper_bound: Mapped[float] = mapped_column(Float)
    elo0: Mapped[float] = mapped_column(Float)
    elo1: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float | None] = mapped_column(Float)
    beta: Mapped[float | None] = mapped_column(Float)
    games: Mapped[int] = mapped_column(Integer)
    wins: Mapped[int] = mapped_column(Integer)
    draws: Mapped[int] = mapped_column(Integer)
    losses: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column()  # match source/run ids, pentanomial counts, ...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint(_in("decision", PROMOTION_DECISIONS), name="decision"),
        Index(None, "config_key", "created_at"),
        Index(None, "candidate_model_id"),
        Index(None, "champion_model_id"),
    )


# -- evaluation: matches and ratings --------------------------------------------------------------------

class PlayerSpec(Base):
    """A player as rated: spec_id = sha256 of the canonical JSON of its spec."""

    __tablename__ = "player_specs"

    spec_id: Mapped[str] = mapped_column(String, primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column()  # model identity + engine kind + search budget
    label: Mapped[str] = mapped_column(String)
    model_id: Mapped[str | None] = mapped_column(String)  # the model it plays, if any (no FK: may be foreign)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index(None, "model_id"),)


class Match(Base):
    """One game between rated players; append-only, idempotent by the producer's match_id."""

    __tablename__ = "matches"

    match_id: Mapped[str] = mapped_column(String, primary_key=True)
    config_key: Mapped[str] = mapped_column(String)
    source: Mapped[str] = mapped_column(String)  # gauntlet / promotion / tournament
    run_id: Mapped[str | None] = mapped_column(String)  # the producing run (flow run id, gauntlet id)
    game_id: Mapped[str | None] = mapped_column(String)  # the game record, when one was kept
    details: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    players: Mapped[list[MatchPlayer]] = relationship(order_by="MatchPlayer.seat", lazy="raise")

    __table_args__ = (Index(None, "config_key", "created_at"), Index(None, "source", "run_id"))


class MatchPlayer(Base):
    """One seat of a match: who sat there and how they finished."""

    __tablename__ = "match_players"

    match_id: Mapped[str] = mapped_column(ForeignKey("matches.match_id", ondelete="CASCADE"), primary_key=True)
    seat: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based
    player_spec_id: Mapped[str] = mapped_column(ForeignKey("player_specs.spec_id"))
    rank: Mapped[int] = mapped_column(Integer)  # 1 = best; ties share a rank
    score: Mapped[float] = mapped_column(Float)  # e.g. 1 / 0.5 / 0

    __table_args__ = (Index(None, "player_spec_id"),)


class Rating(Base):
    """A snapshot of one player's computed rating (the rating trend over time)."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    config_key: Mapped[str] = mapped_column(String)
    player_spec_id: Mapped[str] = mapped_column(ForeignKey("player_specs.spec_id"))
    rating: Mapped[float] = mapped_column(Float)
    stderr: Mapped[float | None] = mapped_column(Float)
    games: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column()
    generation: Mapped[int | None] = mapped_column(Integer)  # loop generation, when computed by the loop

    __table_args__ = (
        UniqueConstraint("config_key", "player_spec_id", "computed_at"),
        Index(None, "config_key", "computed_at"),
        Index(None, "player_spec_id"),
    )
