"""The selfplay stage: its errors, a published batch read back, and its player built from a spec."""

from __future__ import annotations

import dataclasses

import pytest

from engine.loop import StageError, run_selfplay, selfplay_result
from engine.loop.stages import ScheduledGumbel, search_spec, selfplay_spec
from engine.players import HeuristicEvaluator, make_player, play_match
from engine.training import TemperatureScheduler


def test_gumbel_without_a_champion_is_refused(ctx):
    with pytest.raises(StageError, match="needs a champion network"):
        run_selfplay(ctx, "hex8_2p", 2, engine="gumbel")


def test_a_published_batch_reads_back(ctx):
    assert selfplay_result(ctx, "square8_2p", "no-such-batch") is None
    r = run_selfplay(ctx, "square8_2p", 2, seed=5)
    back = selfplay_result(ctx, "square8_2p", r.batch_id)
    assert back == dataclasses.replace(r, inserted=0, quarantined=0, reused=True, seconds=0.0)


def test_the_selfplay_player_is_the_models_search_spec_at_a_scheduled_temperature(ctx):
    spec = selfplay_spec(ctx, "m1")
    assert spec.spec_id == search_spec(ctx, "m1", "candidate").spec_id  # the gauntlet's player of the model
    assert (spec.kind, spec.simulations, spec.max_considered, spec.name) == ("gumbel", 4, 4, "gumbel")
    assert selfplay_spec(ctx, "m1", simulations=8).simulations == 8
    ev = HeuristicEvaluator()
    sched = TemperatureScheduler(ctx.cfg.selfplay.temperature)

    def built(seed: int):
        return make_player(spec, seed, lambda _model_id: ev, player_class=ScheduledGumbel, scheduler=sched,
                           generation=2)

    def direct(seed: int):  # how run_selfplay built its players before they came from specs
        return ScheduledGumbel(ev, simulations=4, max_considered=4, seed=seed, scheduler=sched, generation=2)

    a, b = built(7), direct(7)
    assert a.spec() == b.spec() and a.spec()["generation"] == 2 and a.spec()["temperature"] == sched.to_json()
    ra = play_match("square8", 2, [built(7), built(8)], seed=0, max_moves=30)
    rb = play_match("square8", 2, [direct(7), direct(8)], seed=0, max_moves=30)
    assert ra.moves == rb.moves and ra.decisions > 0


def test_generation_zero_plays_the_configured_bootstrap(tmp_path):
    # selfplay.bootstrap decides generation 0's games: their count, the profile, the target kind
    from engine.data import read_shard
    from engine.loop.artifacts import fetch_object
    from tests.loop.helpers import SMALL, make_ctx

    ctx = make_ctx(tmp_path, selfplay={**SMALL.get("selfplay", {}),
                                       "bootstrap": {"games": 3, "plies": 4, "target": "choice"}})
    try:
        r = run_selfplay(ctx, "square8_2p", 1, seed=1)
        assert (r.engine, r.games) == ("heuristic", 3)
        recs = [rec for _, rec in read_shard(fetch_object(ctx.store, r.shard_id, ctx.cache_dir, "s.jsonl.zst"))]
        assert {p["profile"] for rec in recs for p in rec.players} == {"heuristic-v2"}
        assert all(max(d.policy) == 1.0 for rec in recs for d in rec.decisions)
    finally:
        ctx.close()
