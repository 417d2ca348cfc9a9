"""One generation through the stage functions (a local store + SQLite, or S3 + PostgreSQL), and each
stage rerun."""

from __future__ import annotations

from engine.config import config_from_dict
from engine.db import current_champion, list_models, matches_for
from engine.loop import (
    generation,
    loop_status,
    open_context,
    run_export,
    run_gauntlet_stage,
    run_selfplay,
    run_training,
)
from tests.loop.helpers import SMALL


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
