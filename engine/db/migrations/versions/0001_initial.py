"""Initial schema: games, shards, quarantine, datasets, training runs, models, pointers, promotions,
player specs, matches, ratings.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _str(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _float(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Float(), nullable=nullable)


def _json(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.JSON(), nullable=nullable)


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns), unique=False)


def upgrade() -> None:
    # -- selfplay data
    op.create_table(
        "shards",
        _str("shard_id"), _str("uri"), _str("config_key"), _int("num_games"), _int("num_quarantined"),
        sa.Column("bytes", sa.BigInteger(), nullable=False), _str("producer", True), _ts("created_at"),
        sa.PrimaryKeyConstraint("shard_id", name=op.f("pk_shards")),
    )
    _index("shards", "config_key", "created_at")

    op.create_table(
        "games",
        _str("game_id"), _str("board"), _int("num_players"), _str("config_key"), _json("rules"),
        sa.Column("seed", sa.BigInteger(), nullable=True), _json("players"), _int("winner", True), _json("ranking"),
        _str("victory_reason", True), _int("num_moves"), _int("num_decisions"), _str("engine_version"),
        _str("encoder_version"), _str("generator_model_id", True), _str("shard_id", True), _int("line_no", True),
        _str("status"), _float("duration_s", True), _ts("created_at"), _ts("ingested_at"),
        sa.CheckConstraint("status IN ('ok', 'quarantined')", name=op.f("ck_games_status")),
        sa.ForeignKeyConstraint(["shard_id"], ["shards.shard_id"], name=op.f("fk_games_shard_id_shards")),
        sa.PrimaryKeyConstraint("game_id", name=op.f("pk_games")),
    )
    _index("games", "config_key", "created_at")
    _index("games", "config_key", "ingested_at")
    _index("games", "shard_id")
    _index("games", "generator_model_id")

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), _str("source"), _int("line_no"),
        _str("game_id", True), sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=True), _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("source", "line_no", name=op.f("uq_quarantine_source_line_no")),
    )
    _index("quarantine", "created_at")

    # -- training
    op.create_table(
        "datasets",
        _str("dataset_id"), _str("config_key"), _str("encoder_version"),
        sa.Column("num_samples", sa.BigInteger(), nullable=False), _int("num_games"), _json("window"),
        _json("splits"), _str("manifest_uri", True), _json("lineage"), _ts("created_at"),
        sa.PrimaryKeyConstraint("dataset_id", name=op.f("pk_datasets")),
    )
    _index("datasets", "config_key", "created_at")

    op.create_table(
        "training_runs",
        _str("run_id"), _str("config_key"), _str("init_from"), _str("dataset_id", True), _json("hyperparameters"),
        _str("status"), _ts("started_at"), _ts("finished_at", True), _json("metrics", True), _str("host", True),
        sa.CheckConstraint("status IN ('running', 'finished', 'failed', 'cancelled')",
                           name=op.f("ck_training_runs_status")),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.dataset_id"],
                                name=op.f("fk_training_runs_dataset_id_datasets")),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_training_runs")),
    )
    _index("training_runs", "config_key", "started_at")
    _index("training_runs", "dataset_id")

    op.create_table(
        "models",
        _str("model_id"), _str("weights_sha256"), _str("arch_hash"), _str("encoder_version"), _str("config_key"),
        _json("arch"), _str("parent_model_id", True), _str("dataset_id", True), _str("training_run_id", True),
        _str("checkpoint_uri", True), _str("role"), _json("metrics", True), _ts("created_at"),
        sa.CheckConstraint("role IN ('candidate', 'champion', 'retired', 'rejected')", name=op.f("ck_models_role")),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.dataset_id"], name=op.f("fk_models_dataset_id_datasets")),
        sa.ForeignKeyConstraint(["parent_model_id"], ["models.model_id"],
                                name=op.f("fk_models_parent_model_id_models")),
        sa.ForeignKeyConstraint(["training_run_id"], ["training_runs.run_id"],
                                name=op.f("fk_models_training_run_id_training_runs")),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_models")),
    )
    _index("models", "config_key", "created_at")
    _index("models", "config_key", "role")
    _index("models", "parent_model_id")
    _index("models", "dataset_id")
    _index("models", "training_run_id")

    # -- promotion
    op.create_table(
        "pointers",
        _str("name"), _str("target"), _ts("updated_at"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_pointers")),
    )

    op.create_table(
        "pointer_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), _str("name"), _str("old_target", True),
        _str("new_target"), sa.Column("reason", sa.Text(), nullable=False), _str("decided_by", True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pointer_history")),
    )
    _index("pointer_history", "name", "id")

    op.create_table(
        "promotions",
        _str("promotion_id"), _str("config_key"), _str("candidate_model_id"), _str("champion_model_id", True),
        _str("decision"), _float("llr"), _float("lower_bound"), _float("upper_bound"), _float("elo0"),
        _float("elo1"), _float("alpha", True), _float("beta", True), _int("games"), _int("wins"), _int("draws"),
        _int("losses"), _json("details", True), _ts("created_at"),
        sa.CheckConstraint("decision IN ('promote', 'reject', 'inconclusive')", name=op.f("ck_promotions_decision")),
        sa.ForeignKeyConstraint(["candidate_model_id"], ["models.model_id"],
                                name=op.f("fk_promotions_candidate_model_id_models")),
        sa.ForeignKeyConstraint(["champion_model_id"], ["models.model_id"],
                                name=op.f("fk_promotions_champion_model_id_models")),
        sa.PrimaryKeyConstraint("promotion_id", name=op.f("pk_promotions")),
    )
    _index("promotions", "config_key", "created_at")
    _index("promotions", "candidate_model_id")
    _index("promotions", "champion_model_id")

    # -- evaluation
    op.create_table(
        "player_specs",
        _str("spec_id"), _json("spec"), _str("label"), _str("model_id", True), _ts("created_at"),
        sa.PrimaryKeyConstraint("spec_id", name=op.f("pk_player_specs")),
    )
    _index("player_specs", "model_id")

    op.create_table(
        "matches",
        _str("match_id"), _str("config_key"), _str("source"), _str("run_id", True), _str("game_id", True),
        _json("details", True), _ts("created_at"),
        sa.PrimaryKeyConstraint("match_id", name=op.f("pk_matches")),
    )
    _index("matches", "config_key", "created_at")
    _index("matches", "source", "run_id")

    op.create_table(
        "match_players",
        _str("match_id"), _int("seat"), _str("player_spec_id"), _int("rank"), _float("score"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.match_id"], name=op.f("fk_match_players_match_id_matches"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["player_spec_id"], ["player_specs.spec_id"],
                                name=op.f("fk_match_players_player_spec_id_player_specs")),
        sa.PrimaryKeyConstraint("match_id", "seat", name=op.f("pk_match_players")),
    )
    _index("match_players", "player_spec_id")

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False), _str("config_key"),
        _str("player_spec_id"), _float("rating"), _float("stderr", True), _int("games"), _ts("computed_at"),
        _int("generation", True),
        sa.ForeignKeyConstraint(["player_spec_id"], ["player_specs.spec_id"],
                                name=op.f("fk_ratings_player_spec_id_player_specs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint("config_key", "player_spec_id", "computed_at",
                            name=op.f("uq_ratings_config_key_player_spec_id_computed_at")),
    )
    _index("ratings", "config_key", "computed_at")
    _index("ratings", "player_spec_id")


def downgrade() -> None:
    for table in ("ratings", "match_players", "matches", "player_specs", "promotions", "pointer_history", "pointers",
                  "models", "training_runs", "datasets", "quarantine", "games", "shards"):
        op.drop_table(table)
