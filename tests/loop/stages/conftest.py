"""The stage tests' config (small games, a tiny network, a short SPRT) and contexts over a local
store + SQLite; ``trained`` is one candidate (selfplay, export, training) shared by the tests
that evaluate a model."""

from __future__ import annotations

import pytest

from engine.config import config_from_dict
from engine.loop import open_context, run_export, run_selfplay, run_training

SMALL = {"selfplay": {"games_per_batch": 6, "simulations": 4, "max_considered": 4, "max_moves": 600},
         "training": {"batch_size": 64, "epochs": 1, "checkpoint_every": 50, "warmup_steps": 2},
         "network": {"sizes": {"tiny": {"channels": 8, "blocks": 1, "se_ratio": 2, "policy_channels": 8,
                                        "value_hidden": 16}}},
         "export": {"window": {"min_window": 2000}, "gates": {"min_games": 2}, "val_fraction": 0.3},
         "gauntlet": {"games_per_opponent": 2, "ladder_simulations": [4], "include_heuristic": False},
         "promotion": {"min_games": 4, "max_games": 12, "batch_pairs": 2, "elo1": 400.0}}


def make_ctx(path, **over):
    return open_context(config_from_dict({"home": str(path / "home"), **SMALL, **over}, env={}))


@pytest.fixture
def ctx(tmp_path):
    c = make_ctx(tmp_path)
    yield c
    c.close()


@pytest.fixture
def easy_ctx(tmp_path):
    """Hypotheses so loose that any candidate that is not hopeless is accepted (H1: at least -600 Elo)."""
    c = make_ctx(tmp_path, promotion={**SMALL["promotion"], "elo0": -1000.0, "elo1": -600.0, "max_games": 100})
    yield c
    c.close()


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """``(ctx, export result, training result)``: one candidate of square8_2p, no champion yet."""
    c = make_ctx(tmp_path_factory.mktemp("trained"))
    run_selfplay(c, "square8_2p", seed=3)  # 6 games that put some in the validation split
    ex = run_export(c, "square8_2p")
    tr = run_training(c, "square8_2p", ex.dataset_id)
    yield c, ex, tr
    c.close()
