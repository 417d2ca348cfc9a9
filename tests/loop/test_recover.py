"""Where a killed generation stopped: batches published but not ingested, the next batch of a
plan, the dataset of an unfinished generation."""

from __future__ import annotations

import pytest

import engine.loop.stages.selfplay
from engine.db import count_games, finish_training_run, list_training_runs
from engine.loop import run_export, run_promotion_stage, run_selfplay, run_training
from engine.loop.identity import config_fingerprint, selfplay_batch_id
from engine.loop.recover import first_unpublished, pending_dataset, published_batches, reconcile_batches
from tests.loop.helpers import make_ctx


@pytest.fixture
def ctx(tmp_path):
    c = make_ctx(tmp_path, promotion={"min_games": 4, "max_games": 8, "batch_pairs": 2, "elo0": -1000.0,
                                  "elo1": -600.0})
    yield c
    c.close()


def _games(ctx) -> int:
    with ctx.db.session(write=False) as s:
        return count_games(s, "square8_2p", status=None)


def test_a_batch_published_but_not_ingested_is_ingested_by_the_rerun(ctx, monkeypatch):
    def crash(*a, **k):
        raise RuntimeError("killed between publishing and ingesting")

    monkeypatch.setattr(engine.loop.stages.selfplay, "aggregate_jsonl_to_db", crash)  # the stage's ingest
    with pytest.raises(RuntimeError, match="killed between"):
        run_selfplay(ctx, "square8_2p", 3, seed=2)
    monkeypatch.undo()
    assert len(published_batches(ctx, "square8_2p")) == 1 and _games(ctx) == 0
    assert reconcile_batches(ctx, "square8_2p") == 1 and _games(ctx) == 3
    assert reconcile_batches(ctx, "square8_2p") == 0 and _games(ctx) == 3


def test_a_plan_continues_at_its_first_unpublished_batch(ctx):
    fp = config_fingerprint(ctx.cfg, "selfplay")
    kw = dict(batch_games=2, seed=7, engine="heuristic", champion=None, simulations=ctx.cfg.selfplay.simulations,
              fingerprint=fp)
    assert first_unpublished(ctx, "square8_2p", **kw) == 0
    bid = selfplay_batch_id("square8_2p", index=0, games=2, seed=7, engine="heuristic", champion=None,
                            simulations=ctx.cfg.selfplay.simulations, fingerprint=fp)
    run_selfplay(ctx, "square8_2p", 2, seed=7000, batch_id=bid)
    assert first_unpublished(ctx, "square8_2p", **kw) == 1
    assert first_unpublished(ctx, "square8_2p", **(kw | {"seed": 8})) == 0


@pytest.mark.slow
def test_a_dataset_is_pending_until_its_candidate_is_decided(ctx):
    run_selfplay(ctx, "square8_2p", 6, seed=3000)
    assert pending_dataset(ctx, "square8_2p") is None  # no dataset yet
    ex = run_export(ctx, "square8_2p")
    assert pending_dataset(ctx, "square8_2p") == ex.dataset_id
    tr = run_training(ctx, "square8_2p", ex.dataset_id)
    assert pending_dataset(ctx, "square8_2p") == ex.dataset_id  # trained, not decided
    again = run_training(ctx, "square8_2p", ex.dataset_id)  # a rerun finds the finished run
    assert again.run_id == tr.run_id and again.model_id == tr.model_id and again.init.startswith("reused")
    pr = run_promotion_stage(ctx, "square8_2p", tr.model_id)
    assert pending_dataset(ctx, "square8_2p") is None
    assert run_promotion_stage(ctx, "square8_2p", tr.model_id).decision == pr.decision  # decided once
    with ctx.db.session(write=False) as s:
        assert [r.status for r in list_training_runs(s, "square8_2p")] == ["finished"]


def test_a_failed_training_ends_the_pending_generation(ctx):
    run_selfplay(ctx, "square8_2p", 6, seed=3000)
    ex = run_export(ctx, "square8_2p")
    from engine.db import TrainingRunRow, start_training_run

    with ctx.db.session() as s:
        start_training_run(s, TrainingRunRow(run_id="r1", config_key="square8_2p", init_from="scratch",
                                             dataset_id=ex.dataset_id))
        finish_training_run(s, "r1", status="failed", metrics={"error": "nan"})
    assert pending_dataset(ctx, "square8_2p") is None
