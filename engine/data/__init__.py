"""Training data: game records and shards, the parity gate, quality gates, the training window, and
the NPZ export / loader (pure code: no database or artifact store; see docs/DATA.md).

    recs = generate_games("square8", 2, ["heuristic", "heuristic"], games=10, seed=0)
    write_shard(recs, "shards/games-000.jsonl.zst")
    report = export_replay_dataset(["shards/games-000.jsonl.zst"], "exports/e1", board="square8", num_players=2)
    batch = augment(load_npz_chunk(chunk_paths("exports/e1", "train")[0]), np.random.default_rng(0))
"""

from .augment import apply_symmetries, augment, inexact_samples
from .bootstrap import ExploringHeuristic, bootstrap_games
from .export import ExportError, ExportReport, default_chunk_samples, export_replay_dataset, split_of
from .gates import GateConfig, GateReport, GateResult, WindowStats, evaluate_gates
from .parity import ParityResult, check_parity
from .records import (
                      RECORD_SCHEMA_VERSION,
                      Decision,
                      GameRecord,
                      Outcome,
                      RecordConfig,
                      RecordError,
                      engine_version,
                      game_id_for,
                      model_identity,
                      outcome_values,
                      record_from_match,
)
from .samples import (
                      FIELDS,
                      NPZ_FORMAT,
                      NPZ_FORMAT_VERSION,
                      PLANE_SCALE,
                      SampleBatch,
                      chunk_paths,
                      game_hash,
                      iter_chunks,
                      load_manifest,
                      load_npz_chunk,
                      verify_export,
)
from .selfplay import generate_games
from .shards import detect_compression, read_records, read_shard, write_shard
from .window import data_window, reuse_budget, select_window, training_budget

__all__ = [
    "Decision", "ExploringHeuristic", "ExportError", "ExportReport", "FIELDS", "GameRecord", "GateConfig",
    "GateReport", "GateResult", "NPZ_FORMAT", "NPZ_FORMAT_VERSION", "Outcome", "PLANE_SCALE", "ParityResult",
    "RECORD_SCHEMA_VERSION", "RecordConfig", "RecordError", "SampleBatch", "WindowStats", "apply_symmetries",
    "augment", "bootstrap_games", "check_parity", "chunk_paths", "data_window", "default_chunk_samples",
    "detect_compression", "engine_version", "evaluate_gates", "export_replay_dataset", "game_hash", "game_id_for",
    "generate_games", "inexact_samples", "iter_chunks", "load_manifest", "load_npz_chunk", "model_identity",
    "outcome_values", "read_records", "read_shard", "record_from_match", "reuse_budget", "select_window",
    "split_of", "training_budget", "verify_export", "write_shard",
]
