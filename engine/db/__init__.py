"""The pipeline's one SQL database: SQLAlchemy 2 models, Alembic migrations, repository functions.

    from engine.db import database_from_config, insert_games, GameRow
    db = database_from_config()                  # ForgeConfig.database_url; migrates to head
    with db.session() as s:                      # one transaction: commit on success, rollback on error
        inserted, skipped = insert_games(s, rows)

SQLite (WAL) by default, PostgreSQL on a cluster; the schema, the migration workflow and who
writes and reads each table are in docs/DATABASE.md. The API takes and returns frozen dataclasses
(``engine.db.rows``); the ORM classes (``engine.db.models``) stay inside this package.
"""

from .database import (
                       Database,
                       DatabaseError,
                       alembic_config,
                       create_forge_engine,
                       database_from_config,
                       head_revision,
                       open_database,
                       upgrade,
                       upgrade_sql,
)
from .games import (
                       count_games,
                       games_since,
                       get_game,
                       get_shard,
                       insert_games,
                       quarantine_line,
                       quarantined,
                       record_shard,
                       set_game_status,
                       shards_since,
)
from .matches import (
                       UnknownPlayerSpec,
                       count_matches,
                       default_label,
                       get_player_spec,
                       latest_ratings,
                       list_player_specs,
                       matches_for,
                       rating_history,
                       record_match,
                       record_matches,
                       save_ratings,
                       spec_model_id,
                       upsert_player_spec,
)
from .registry import (
                       PointerConflict,
                       champion_pointer,
                       current_champion,
                       get_model,
                       get_pointer,
                       get_promotion,
                       lineage,
                       list_models,
                       list_promotions,
                       pointer_history,
                       record_pointer_move,
                       record_promotion,
                       register_model,
                       set_champion,
                       set_model_role,
                       update_model_metrics,
)
from .rows import (
                       DatasetRow,
                       GameRow,
                       MatchRow,
                       MatchSeat,
                       ModelRow,
                       PlayerSpecRow,
                       PointerMove,
                       PromotionRow,
                       QuarantineRow,
                       RatingRow,
                       ShardRow,
                       TrainingRunRow,
                       canonical_json,
                       config_key_for,
                       model_id_for,
                       player_spec_id,
)
from .training import (
                       abandon_training_runs,
                       claim_training_run,
                       finish_training_run,
                       get_dataset,
                       get_training_run,
                       list_datasets,
                       list_training_runs,
                       record_dataset,
                       start_training_run,
)
from .types import utcnow

__all__ = [
    # database
    "Database", "DatabaseError", "alembic_config", "create_forge_engine", "database_from_config", "head_revision",
    "open_database", "upgrade", "upgrade_sql",
    # rows
    "DatasetRow", "GameRow", "MatchRow", "MatchSeat", "ModelRow", "PlayerSpecRow", "PointerMove", "PromotionRow",
    "QuarantineRow", "RatingRow", "ShardRow", "TrainingRunRow", "canonical_json", "config_key_for", "model_id_for",
    "player_spec_id", "utcnow",
    # games
    "count_games", "games_since", "get_game", "get_shard", "insert_games", "quarantine_line", "quarantined",
    "record_shard", "set_game_status", "shards_since",
    # training
    "abandon_training_runs", "claim_training_run", "finish_training_run", "get_dataset", "get_training_run",
    "list_datasets", "list_training_runs",
    "record_dataset", "start_training_run",
    # registry
    "PointerConflict", "champion_pointer", "current_champion", "get_model", "get_pointer", "get_promotion",
    "lineage", "list_models", "list_promotions", "pointer_history", "record_pointer_move", "record_promotion",
    "register_model", "set_champion", "set_model_role", "update_model_metrics",
    # matches
    "UnknownPlayerSpec", "count_matches", "default_label", "get_player_spec", "latest_ratings", "list_player_specs",
    "matches_for", "rating_history", "record_match", "record_matches", "save_ratings", "spec_model_id",
    "upsert_player_spec",
]
