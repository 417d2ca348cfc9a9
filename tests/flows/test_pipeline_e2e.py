"""One generation of square8 2p, end to end, against the Prefect test server, with the artifacts
in S3 (moto's server on 127.0.0.1) and the records in PostgreSQL; and the legacy single-flow mode."""

from __future__ import annotations

import uuid

import pytest
from conftest import flow_runs


def _artifacts(keys: list[str]) -> dict[str, list]:
    """Artifacts by key, newest first (a raw filter request: this client version sends nulls
    for unset filters, which the server rejects)."""
    from prefect.client.schemas.objects import Artifact

    from ops.gateway import prefect_client

    with prefect_client() as c:
        r = c._client.post("/artifacts/filter", json={"artifacts": {"key": {"any_": keys}}, "limit": 200, "offset": 0,
                                                       "sort": "CREATED_DESC"})
    out: dict[str, list] = {}
    for a in (Artifact.model_validate(x) for x in r.json()):
        out.setdefault(a.key, []).append(a)
    return out


@pytest.mark.slow
def test_one_generation_on_s3_and_postgresql(prefect_server, make_forge, s3_server, aws_env, pg_url):
    from engine.db import (
        count_games,
        current_champion,
        get_promotion,
        list_datasets,
        list_models,
        list_promotions,
        matches_for,
    )
    from flows.master_loop import master_loop_flow, summary_text

    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    forge = make_forge(storage={"url": f"s3://{s3_server.bucket}/{prefix}", "s3_endpoint_url": s3_server.endpoint},
                       database={"url": pg_url})
    state = master_loop_flow(profile="minimal", stages=["selfplay", "sync", "export", "train", "gauntlet",
                                                         "promotion"], seed=3, return_state=True)
    assert state.is_completed(), state.message
    res = state.result()
    print(summary_text(res))
    (row,) = res["configs"]
    assert row["config_key"] == "square8_2p" and row["selfplay_games"] == 8
    model = row["model_id"]
    assert row["promoted"] is True and row["promotion"] == "accept", row

    ctx = forge.ctx
    assert ctx.store.url.startswith("s3://") and "postgresql" in ctx.db.engine.url.drivername
    # the store: the champion pointer -> the model manifest; the dataset; the selfplay batches
    ptr = ctx.store.read_pointer("champion/square8_2p")
    assert ptr is not None and ctx.store.get_manifest(ptr.target).metadata["model_id"] == model
    assert ctx.store.get_manifest(row["dataset_id"]).kind == "dataset"
    batches = [p for p in ctx.store.list_pointers() if p.startswith("batches/square8_2p/")]
    assert len(batches) == 2  # 8 games in batches of 4
    # the records
    with ctx.db.session(write=False) as s:
        assert count_games(s, "square8_2p") == 8
        assert [d.dataset_id for d in list_datasets(s, "square8_2p")] == [row["dataset_id"]]
        models = list_models(s, "square8_2p")
        assert [(m.model_id, m.role) for m in models] == [(model, "champion")]
        assert current_champion(s, "square8_2p") == model
        (promo,) = list_promotions(s, "square8_2p")
        assert promo.decision == "promote" and promo.candidate_model_id == model
        assert get_promotion(s, promo.promotion_id) is not None
        assert len(matches_for(s, "square8_2p")) >= promo.games + row["gauntlet_games"]
    # the Prefect side: the stage subflows and the artifacts
    fid = state.state_details.flow_run_id
    subflows = [r for name in ("selfplay", "sync", "export", "train", "gauntlet", "promote")
                for r in flow_runs(flow_name=name) if r.parent_task_run_id is not None]
    assert {r.state.name for r in subflows} <= {"Completed"}
    keys = ["gauntlet-square8-2p", "promotion-square8-2p", "gates-square8-2p", "training-square8-2p",
            "selfplay-square8-2p", "allocation-minimal", "generation-minimal"]
    arts = _artifacts(keys)
    assert set(arts) == set(keys)
    newest = {k: v[0] for k, v in arts.items()}
    assert "llr" in newest["promotion-square8-2p"].data.lower() and "PROMOTED" in newest["promotion-square8-2p"].data
    assert "random" in newest["gauntlet-square8-2p"].data
    assert newest["generation-minimal"].flow_run_id == fid


def test_the_legacy_mode_runs_a_generation_as_one_flow_run(prefect_server, forge, monkeypatch):
    from flows.master_loop import master_loop_flow

    monkeypatch.setenv("RINGRIFT_UNIFIED_LOOP_LEGACY", "1")
    before = {r.id for r in flow_runs(flow_name="selfplay")}
    state = master_loop_flow(stages=["selfplay", "export", "train", "promotion"], seed=4, return_state=True)
    assert state.is_completed(), state.message
    res = state.result()
    assert res["mode"] == "legacy"
    (row,) = res["configs"]
    assert row["promotion"] in ("accept", "reject", "inconclusive") and row["model_id"]
    assert {r.id for r in flow_runs(flow_name="selfplay")} == before  # no subflow


def test_the_deployments_mode_dispatches_every_stage(prefect_server, forge, monkeypatch):
    """The coordinator's path, with the deployment runs executed in this process (a stand-in for
    the workers): parameters, run ids, and the outcome read back from the database."""
    import uuid
    from types import SimpleNamespace

    from prefect.states import Completed

    from flows import dispatch, load_flow
    from flows.master_loop import master_loop_flow

    started: list[tuple[str, dict]] = []

    def start(name, parameters, *, tags=()):
        started.append((name, dict(parameters)))
        result = load_flow(name.split("/")[0])(**parameters)
        return SimpleNamespace(id=uuid.uuid4(), name=name, state=Completed(), result=result)

    monkeypatch.setattr(dispatch, "missing_deployments", lambda names: [])
    monkeypatch.setattr(dispatch, "placement", lambda names, **kw: {n: "pool" for n in names})
    monkeypatch.setattr(dispatch, "start", start)
    monkeypatch.setattr(dispatch, "wait", lambda runs, **kw: list(runs))
    state = master_loop_flow(mode="deployments", stages=["selfplay", "train", "gauntlet", "promotion"], seed=8,
                             return_state=True)
    assert state.is_completed(), state.message
    (row,) = state.result()["configs"]
    assert [n for n, _ in started] == ["selfplay/square8-2p", "train/square8-2p", "gauntlet/default",
                                       "promote/default"]
    params = dict(started)
    assert params["selfplay/square8-2p"]["chain"] is False and params["selfplay/square8-2p"]["games"] == 8
    assert params["train/square8-2p"]["chain"] is False
    assert row["model_id"] and params["promote/default"]["model_id"] == row["model_id"]
    assert row["promotion"] in ("accept", "reject", "inconclusive")  # as in the other modes
    # each stage's result read back by its ids: the batches, the dataset, the gauntlet's games
    assert row["selfplay_games"] == 8 and row["dataset_id"] and row["train_steps"] >= 1 and row["gauntlet_games"] > 0
