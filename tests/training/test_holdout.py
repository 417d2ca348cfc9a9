"""A validation split for a dataset that has none: whole games held out, deterministic, reused."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.samples import load_npz_chunk
from engine.training.holdout import NoValidationData, choose_games, ensure_validation


def _games(paths):
    return [set(load_npz_chunk(p).game_hash.tolist()) for p in paths]


def test_a_dataset_with_validation_is_left_alone(dataset, tmp_path):
    s = ensure_validation(dataset.train, dataset.val, tmp_path / "h")
    assert list(s.train) == dataset.train and list(s.val) == dataset.val and s.held_out_games == 0
    assert s.val_samples > 0 and not (tmp_path / "h").exists()


def test_whole_games_are_held_out(dataset, tmp_path):
    s = ensure_validation(dataset.train, [], tmp_path / "h", fraction=0.2)
    train_games = set().union(*_games(s.train))
    val_games = set().union(*_games(s.val))
    assert s.held_out_games == len(val_games) >= 1 and not train_games & val_games  # no game on both sides
    before = sum(len(load_npz_chunk(p)) for p in dataset.train)
    n_train = sum(len(load_npz_chunk(p)) for p in s.train)
    assert s.val_samples == before - n_train and s.val_samples >= 0.2 * before
    assert train_games | val_games == set().union(*_games(dataset.train))
    # deterministic, and a second call (a resumed run) reuses the files
    again = ensure_validation(dataset.train, [], tmp_path / "h", fraction=0.2)
    assert again == s
    other = ensure_validation(dataset.train, [], tmp_path / "h2", fraction=0.2)
    assert [p.read_bytes() for p in other.val] == [p.read_bytes() for p in s.val]


def test_choose_games():
    assert choose_games({5: 10, 1: 3, 9: 7}, 0.05) == {1}  # at least one game, lowest hash first
    assert choose_games({5: 10, 1: 3, 9: 7}, 0.5) == {1, 5}
    assert choose_games({5: 10, 1: 3}, 1.0) == {1}  # never every game


def test_a_single_game_cannot_be_split(dataset, tmp_path):
    b = load_npz_chunk(dataset.train[0])
    one = b.subset(np.flatnonzero(b.game_hash == b.game_hash[0]))
    from engine.data.samples import write_npz

    write_npz(tmp_path / "train-00000.npz", one.arrays())
    with pytest.raises(NoValidationData, match="0 validation samples and 1 game") as e:
        ensure_validation([tmp_path / "train-00000.npz"], [], tmp_path / "h")
    assert "\n" not in str(e.value) and isinstance(e.value, ValueError)  # a permanent, one-line error
