"""The promotion stage: the champion pointer moved on accept and back by rollback; a decision read back."""

from __future__ import annotations

import dataclasses

import pytest

from engine.db import pointer_history
from engine.loop import (
    StageError,
    champion,
    generation,
    promotion_result,
    rollback,
    run_export,
    run_promotion_stage,
    run_selfplay,
    run_training,
)


def test_promotion_moves_the_pointer_and_rollback_moves_it_back(easy_ctx):
    ctx = easy_ctx
    g1 = generation(ctx, "square8_2p", seed=2)
    assert g1.promotion.promoted and g1.promotion.decision == "accept", g1.promotion.reason
    assert champion(ctx, "square8_2p")[0] == g1.training.model_id
    sp = run_selfplay(ctx, "square8_2p", 4, seed=77)
    assert sp.engine == "gumbel" and sp.model_id == g1.training.model_id
    from engine.data import read_records

    shard = ctx.store.get_manifest(sp.manifest_id).entries[0]
    recs = list(read_records(ctx.store.open(shard.sha256)))
    assert all(p["evaluator"]["model_id"] == g1.training.model_id and p["generation"] == 1
               and p["temperature"]["kind"] == "step" for r in recs for p in r.players)
    # temperature 1 for the first plies: some recorded choices are not the search's own top move
    assert all(d.chosen < d.legal_count for r in recs for d in r.decisions)
    ex = run_export(ctx, "square8_2p")
    tr = run_training(ctx, "square8_2p", ex.dataset_id)
    assert tr.init == f"champion:{g1.training.model_id}"
    pr = run_promotion_stage(ctx, "square8_2p", tr.model_id, seed=3)
    assert pr.promoted and pr.champion_id == g1.training.model_id
    # the first champion's own test (against random) named as the run of a test against today's
    # champion: refused, instead of counting games of other players into the SPRT
    with pytest.raises(StageError, match="played by other players .* the champion changed"):
        run_promotion_stage(ctx, "square8_2p", g1.training.model_id, run_id=g1.promotion.run_id)
    mv = rollback(ctx, "square8_2p")
    assert mv.new_target == g1.training.model_id and champion(ctx, "square8_2p")[0] == g1.training.model_id
    with ctx.db.session(write=False) as s:
        assert [h.new_target for h in pointer_history(s, "champion/square8_2p")] == \
            [g1.training.model_id, tr.model_id, g1.training.model_id]
    with pytest.raises(StageError, match="already the champion"):
        run_promotion_stage(ctx, "square8_2p", g1.training.model_id)


def test_a_model_not_in_the_registry_is_refused(ctx):
    with pytest.raises(StageError, match="not in the registry"):
        run_promotion_stage(ctx, "hex8_2p", "0" * 64)


def test_the_decision_reads_back_as_the_stage_returned_it(trained_candidate):
    ctx, _, tr = trained_candidate
    assert promotion_result(ctx, "no-such-run") is None
    pr = run_promotion_stage(ctx, "square8_2p", tr.model_id, run_id="promotion-readback", seed=1)
    back = promotion_result(ctx, "promotion-readback")
    assert back == dataclasses.replace(pr, seconds=0.0)
