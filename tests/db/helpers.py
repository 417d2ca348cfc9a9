"""Builders of rows for the database tests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from engine.db import DatasetRow, GameRow, ModelRow, ShardRow, model_id_for

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """``T0`` plus some minutes (aware UTC)."""
    return T0 + timedelta(minutes=minutes)


def game(game_id: str, *, shard_id: str | None = None, line_no: int | None = None, board: str = "square8",
         players: int = 2, created_at: datetime | None = None, **kw) -> GameRow:
    return GameRow(game_id=game_id, board=board, num_players=players,
                   players=tuple({"kind": "gumbel", "model": "m0", "simulations": 32} for _ in range(players)),
                   ranking=tuple(range(1, players + 1)), num_moves=120, num_decisions=80,
                   engine_version="ringrift-forge 0.1.0", encoder_version="enc-v1", winner=1,
                   victory_reason="ring_elimination", seed=7, rules={"swap_rule": False, "max_moves": 600},
                   shard_id=shard_id, line_no=line_no, duration_s=1.5, created_at=created_at, **kw)


def shard(shard_id: str, *, config_key: str = "square8_2p", num_games: int = 3, created_at=None) -> ShardRow:
    return ShardRow(shard_id=shard_id, uri=f"s3://forge/shards/{shard_id}.jsonl.zst", config_key=config_key,
                    num_games=num_games, bytes=4096, producer="host-a/flow-1", created_at=created_at)


def model(tag: str, *, parent: str | None = None, config_key: str = "square8_2p", created_at=None, **kw) -> ModelRow:
    w = hashlib.sha256(tag.encode()).hexdigest()
    arch_hash, enc = "arch-" + config_key, "enc-v1"
    return ModelRow(model_id=model_id_for(w, arch_hash, enc), weights_sha256=w, arch_hash=arch_hash,
                    encoder_version=enc, config_key=config_key, arch={"channels": 32, "blocks": 2},
                    parent_model_id=parent, checkpoint_uri=f"models/{tag}", created_at=created_at, **kw)


def dataset(dataset_id: str, *, config_key: str = "square8_2p", created_at=None) -> DatasetRow:
    return DatasetRow(dataset_id=dataset_id, config_key=config_key, encoder_version="enc-v1", num_samples=96_000,
                      num_games=1_200, window={"total": 200_000, "window": 96_000, "alpha": 0.75},
                      splits={"train": {"samples": 86_400}, "val": {"samples": 9_600}},
                      lineage={"shards": ["s1", "s2"]}, manifest_uri=f"datasets/{dataset_id}/manifest.json",
                      created_at=created_at)
