"""The export stage: its error without games, and a recorded dataset read back."""

from __future__ import annotations

import pytest

from engine.loop import StageError, dataset_result, run_export


def test_no_games_is_an_error(ctx):
    with pytest.raises(StageError, match="no games in the database"):
        run_export(ctx, "hex8_2p")


def test_a_recorded_dataset_reads_back_as_its_export(trained_candidate):
    ctx, ex, _ = trained_candidate
    back = dataset_result(ctx, ex.dataset_id)
    assert (back.ok, back.dataset_id, back.samples, back.games) == (True, ex.dataset_id, ex.samples, ex.games)
    with pytest.raises(StageError, match="not in the database"):
        dataset_result(ctx, "0" * 64)
