"""One generation through the stage functions on a local store + SQLite, and each stage rerun."""

from __future__ import annotations

import pytest

from engine.config import config_from_dict
from engine.db import current_champion, list_models, matches_for, pointer_history
from engine.loop import (
    StageError,
    champion,
    generation,
    loop_status,
    open_context,
    rollback,
    run_export,
    run_gauntlet_stage,
    run_promotion_stage,
    run_prune,
    run_selfplay,
    run_sync,
    run_training,
)

SMALL = {"selfplay": {"games_per_batch": 6, "simulations": 4, "max_considered": 4, "max_moves": 600},
         "training": {"batch_size": 64, "epochs": 1, "checkpoint_every": 50, "warmup_steps": 2},
         "network": {"sizes": {"tiny": {"channels": 8, "blocks": 1, "se_ratio": 2, "policy_channels": 8,
                                        "value_hidden": 16}}},
         "export": {"window": {"min_window": 2000}, "gates": {"min_games": 2}, "val_fraction": 0.3},
         "gauntlet": {"games_per_opponent": 2, "ladder_simulations": [4], "include_heuristic": False},
         "promotion": {"min_games": 4, "max_games": 12, "batch_pairs": 2, "elo1": 400.0}}


def _ctx(tmp_path, **over):
    return open_context(config_from_dict({"home": str(tmp_path / "home"), **SMALL, **over}, env={}))


@pytest.fixture
def ctx(tmp_path):
    c = _ctx(tmp_path)
    yield c
    c.close()


@pytest.fixture
def easy_ctx(tmp_path):
    """Hypotheses so loose that any candidate that is not hopeless is accepted (H1: at least -600 Elo)."""
    c = _ctx(tmp_path, promotion={**SMALL["promotion"], "elo0": -1000.0, "elo1": -600.0, "max_games": 100})
    yield c
    c.close()


def test_one_generation_and_reruns(ctx):
    r = generation(ctx, "square8_2p", seed=3)  # a seed whose 6 games put some in the validation split
    assert r.selfplay[0].games == 6 and r.selfplay[0].engine == "heuristic" and r.selfplay[0].inserted == 6
    assert r.export.ok and r.export.samples["train"] > 0 and r.export.games == 6
    assert r.training.init == "scratch" and r.training.steps >= 1
    assert r.training.calibration is not None and 0 <= r.training.calibration["ece"] <= 2
    assert (ctx.cfg.home_path / "calibration.jsonl").exists()
    assert r.gauntlet.games > 0 and r.gauntlet.new_matches == r.gauntlet.games
    p = r.promotion
    assert p.decision in ("accept", "reject", "inconclusive") and p.games >= 4 and p.reason
    with ctx.db.session(write=False) as s:
        assert len(matches_for(s, "square8_2p")) >= r.gauntlet.games + p.games
        models = list_models(s, "square8_2p")
        assert [m.model_id for m in models] == [r.training.model_id]
        assert (current_champion(s, "square8_2p") == r.training.model_id) == p.promoted
    # reruns: nothing new
    again = run_selfplay(ctx, "square8_2p", batch_id=r.selfplay[0].batch_id)
    assert again.reused and again.inserted == 0 and again.shard_id == r.selfplay[0].shard_id
    ex = run_export(ctx, "square8_2p")
    assert ex.dataset_id == r.export.dataset_id
    tr = run_training(ctx, "square8_2p", ex.dataset_id, run_id=r.training.run_id)
    assert tr.model_id == r.training.model_id
    # the gauntlet again: every game is in the match log, none is played again
    gn = run_gauntlet_stage(ctx, "square8_2p", r.training.model_id, run_id=r.gauntlet.run_id)
    assert gn.new_matches == 0 and gn.games == r.gauntlet.games and gn.rows == r.gauntlet.rows
    st = {s.config_key: s for s in loop_status(ctx, ["square8_2p"])}["square8_2p"]
    assert st.games == 6 and st.last_dataset == ex.dataset_id and st.games_since_training == 0


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
    mv = rollback(ctx, "square8_2p")
    assert mv.new_target == g1.training.model_id and champion(ctx, "square8_2p")[0] == g1.training.model_id
    with ctx.db.session(write=False) as s:
        assert [h.new_target for h in pointer_history(s, "champion/square8_2p")] == \
            [g1.training.model_id, tr.model_id, g1.training.model_id]
    with pytest.raises(StageError, match="already the champion"):
        run_promotion_stage(ctx, "square8_2p", g1.training.model_id)


def test_errors_say_why(ctx):
    with pytest.raises(StageError, match="no games in the database"):
        run_export(ctx, "hex8_2p")
    with pytest.raises(StageError, match="needs a champion network"):
        run_selfplay(ctx, "hex8_2p", 2, engine="gumbel")
    with pytest.raises(StageError, match="not in the registry"):
        run_promotion_stage(ctx, "hex8_2p", "0" * 64)


def test_sync_and_prune(ctx):
    run_selfplay(ctx, "square8_2p", 2, seed=5)
    rep = run_sync(ctx)
    assert rep.errors == () or not rep.errors
    pr = run_prune(ctx, dry_run=True, grace_seconds=0)
    assert pr.dry_run


def test_one_generation_on_s3_and_postgresql(tmp_path, s3_server, aws_env, pg_empty_url):
    """The same generation with artifacts in S3 (moto's server) and records in PostgreSQL."""
    c = open_context(config_from_dict({
        "home": str(tmp_path / "home"), **SMALL,
        "storage": {"url": f"s3://{s3_server.bucket}/loop-{tmp_path.name}", "s3_endpoint_url": s3_server.endpoint},
        "database": {"url": pg_empty_url}}, env={}))
    try:
        assert c.db.dialect == "postgresql" and c.store.url.startswith("s3://")
        r = generation(c, "square8_2p", seed=4)
        assert r.export.ok and r.training.model_id and r.promotion.games > 0
        man = c.store.get_manifest(r.export.dataset_id)
        assert man.kind == "dataset" and all(c.store.has(e.sha256) for e in man.entries)
        with c.db.session(write=False) as s:
            assert [m.model_id for m in list_models(s, "square8_2p")] == [r.training.model_id]
        assert run_selfplay(c, "square8_2p", batch_id=r.selfplay[0].batch_id).reused
    finally:
        c.close()


def test_promotion_row_matches_its_match_rows_and_status_shows_the_rating(easy_ctx):
    """The promotion row's game count is the number of match rows written for it (it said 40 with 64
    rows: the games after the SPRT decided were stored too), and master-loop --status's rating
    column has the champion's Elo once match rows exist (it stayed '-': no rating was ever saved)."""
    from engine.db import list_promotions

    ctx = easy_ctx
    assert loop_status(ctx, ["square8_2p"])[0].rating is None  # nothing played yet
    g = generation(ctx, "square8_2p", seed=5)
    assert g.promotion.promoted, g.promotion.reason
    with ctx.db.session(write=False) as s:
        (row,) = list_promotions(s, "square8_2p", limit=5)
        rows = matches_for(s, "square8_2p", source="promotion", run_id=g.promotion.run_id)
    assert row.games == len(rows) == g.promotion.games
    assert row.wins + row.draws + row.losses == row.games
    st = loop_status(ctx, ["square8_2p"])[0]
    assert st.champion == g.training.model_id
    assert st.rating is not None and st.rating > -600  # relative to random at 0; the SPRT accepted >= -600
