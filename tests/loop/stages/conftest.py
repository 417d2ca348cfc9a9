"""Contexts for the stage tests (``tests/loop/helpers.py``: small games, a tiny network, a short
SPRT); ``trained_candidate`` is one candidate (selfplay, export, training) shared by the tests that
evaluate or read back a model."""

from __future__ import annotations

import pytest

from engine.loop import run_export, run_selfplay, run_training
from tests.loop.helpers import SMALL, make_ctx


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
def trained_candidate(tmp_path_factory):
    """``(ctx, export result, training result)``: one candidate of square8_2p, no champion yet."""
    c = make_ctx(tmp_path_factory.mktemp("trained"))
    run_selfplay(c, "square8_2p", seed=3)  # 6 games that put some in the validation split
    ex = run_export(c, "square8_2p")
    tr = run_training(c, "square8_2p", ex.dataset_id)
    yield c, ex, tr
    c.close()
