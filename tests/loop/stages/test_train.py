"""The train stage: the candidate names its dataset, and a finished run reads back (a rerun's answer)."""

from __future__ import annotations

from engine.loop import run_training, training_result


def test_a_finished_run_reads_back_and_a_rerun_returns_it(trained_candidate):
    ctx, ex, tr = trained_candidate
    assert tr.init == "scratch" and tr.dataset_id == ex.dataset_id
    back = training_result(ctx, tr.run_id)
    assert (back.run_id, back.model_id, back.manifest_id, back.steps, back.stopped, back.dataset_id) == \
        (tr.run_id, tr.model_id, tr.manifest_id, tr.steps, tr.stopped, ex.dataset_id)
    assert back.init == "reused:scratch" and training_result(ctx, "no-such-run") is None
    again = run_training(ctx, "square8_2p", ex.dataset_id, run_id=tr.run_id)
    assert again.model_id == tr.model_id and again.init == "reused:scratch"
