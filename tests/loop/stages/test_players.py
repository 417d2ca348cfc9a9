"""The loop's players: a model's search spec from the selfplay config, and the store's model loader."""

from __future__ import annotations

from engine.loop.stages import model_loader, search_spec


def test_search_spec_uses_the_selfplay_budget(ctx):
    s = search_spec(ctx, "m1", "champion-m1")
    assert (s.kind, s.model_id, s.simulations, s.max_considered, s.name) == ("gumbel", "m1", 4, 4, "champion-m1")
    assert search_spec(ctx, "m1", "", simulations=9).simulations == 9


def test_model_loader_gives_the_registered_models_evaluator(trained_candidate):
    ctx, _, tr = trained_candidate
    ev = model_loader(ctx, device="cpu")(tr.model_id)
    assert ev.model_id == tr.model_id
