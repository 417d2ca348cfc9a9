"""A small real dataset for the training tests: heuristic games exported to NPZ chunks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from engine.config import TrainingConfig
from engine.data import export_replay_dataset, generate_games, write_shard
from engine.nn.network import NetworkArch


@dataclasses.dataclass(frozen=True)
class Dataset:
    train: list[Path]
    val: list[Path]
    samples: int


def make_dataset(root: Path, games: int = 12, seed: int = 0, board: str = "square8", players: int = 2) -> Dataset:
    root.mkdir(parents=True, exist_ok=True)
    recs = generate_games(board, players, ["heuristic"] * players, games, seed=seed)
    write_shard(recs, root / "games.jsonl.zst")
    rep = export_replay_dataset([root / "games.jsonl.zst"], root / "export", board=board, num_players=players,
                                chunk_samples=96, gates=None, val_fraction=0.15, overwrite=True)
    assert rep.ok, rep
    ex = root / "export"
    return Dataset([ex / c["name"] for c in rep.chunks["train"]], [ex / c["name"] for c in rep.chunks["val"]],
                   rep.total_samples)


@pytest.fixture(scope="session")
def dataset(tmp_path_factory) -> Dataset:
    return make_dataset(tmp_path_factory.mktemp("training-data"))


def tiny_arch() -> NetworkArch:
    return NetworkArch.for_config("square8", 2, channels=8, blocks=1, se_ratio=2, policy_channels=8, value_hidden=16)


def small_cfg(**kw) -> TrainingConfig:
    base = dict(batch_size=32, lr=3e-3, warmup_steps=3, epochs=2, checkpoint_every=4, early_stop_patience=0,
                shuffle_chunks=2, augment=True, seed=1, reuse=0.0)  # epochs-based unless a test sets reuse
    return TrainingConfig(**(base | kw))
