"""The pipeline on a real Prefect server (PostgreSQL) with real worker processes, the store on
moto's S3 server and the records in PostgreSQL: the master-loop deployment with one CPU worker of
limit 1 (no deadlock), and one generation chained by the automations with a worker killed -9 in
the middle of the training (zombie -> crashed -> rescheduled -> completed, nothing duplicated)."""

from __future__ import annotations

import pytest

from .processes import wait_for
from .scenarios import STAGE_TIMEOUT, deployment_runs, run_states


def _counts(p, ck: str = "square8_2p") -> dict:
    from engine.db import (
        champion_pointer,
        count_games,
        current_champion,
        list_datasets,
        list_models,
        list_promotions,
        list_training_runs,
        pointer_history,
    )

    ctx = p.open()
    try:
        with ctx.db.session(write=False) as s:
            return {"games": count_games(s, ck), "datasets": len(list_datasets(s, ck)),
                    "models": [(m.model_id, m.role) for m in list_models(s, ck)],
                    "trainings": len(list_training_runs(s, ck)), "promotions": list_promotions(s, ck),
                    "champion": current_champion(s, ck),
                    "pointer_moves": pointer_history(s, champion_pointer(ck)),
                    "batches": sorted(n for n in ctx.store.list_pointers() if n.startswith(f"batches/{ck}/"))}
    finally:
        ctx.close()


@pytest.mark.slow
def test_the_master_loop_deployment_completes_with_one_cpu_worker_of_limit_1(pg_server, make_pipeline):
    """Issue 12, part 4: master-loop/<profile> runs on the cpu pool and its stages' deployments are
    on the same pool (and on the gpu pool, unserved here): it runs those stages as its own subflows
    instead of waiting for a slot it holds itself."""
    p = make_pipeline(pg_server)
    with pg_server.settings():
        w = p.worker("cpu", "it-cpu-only", limit=1)
        r = p.run("deployment", "run", "master-loop/minimal", "--param", "seed=11")
        assert r.returncode == 0, r.stdout + r.stderr

        def final():
            runs = deployment_runs("master-loop/minimal")
            return runs[0] if runs and runs[0].state and runs[0].state.is_final() else None

        fr = wait_for(final, timeout=STAGE_TIMEOUT, what=f"the master loop to finish\n{w.log_text()[-4000:]}")
        assert fr.state.is_completed(), f"{fr.state.name}: {fr.state.message}\n{w.log_text()[-4000:]}"
        assert fr.work_pool_name == "cpu"
        # its stages ran as subflows of it, not as runs of their deployments (none was created)
        for name in ("selfplay/square8-2p", "train/square8-2p", "promote/default"):
            assert [r for r in deployment_runs(name) if r.created >= fr.created] == [], name
        log = p.run("flow-run", "logs", str(fr.id))
        assert log.returncode == 0 and "run in this process" in log.stdout, log.stdout[-3000:]
    c = _counts(p)
    assert c["games"] == 8 and len(c["batches"]) == 2
    assert c["datasets"] == 1 and c["trainings"] == 1 and len(c["models"]) == 1 and len(c["promotions"]) == 1
    promo = c["promotions"][0]
    if promo.decision == "promote":
        assert c["champion"] == c["models"][0][0] and len(c["pointer_moves"]) == 1


@pytest.mark.slow
def test_a_generation_runs_through_the_workers_chained_by_the_automations(generation):
    g = generation
    assert [r.state.name for r in (g.selfplay, g.train, g.gauntlet, g.promote)] == ["Completed"] * 4
    # exactly one run per stage: the chain started each stage once
    with g.pipeline.server.settings():
        for name in ("selfplay/square8-2p", "train/square8-2p", "gauntlet/default", "promote/default"):
            assert len(deployment_runs(name)) == 1, name
    assert g.train.parameters == {"config_key": "square8_2p"}
    assert g.gauntlet.parameters["model_id"] == g.promote.parameters["model_id"]
    c = _counts(g.pipeline)
    assert c["games"] == 8 and len(c["batches"]) == 2
    assert c["datasets"] == 1 and c["trainings"] == 1
    (model, role), = c["models"]
    assert model == g.promote.parameters["model_id"]
    (promo,) = c["promotions"]
    assert promo.candidate_model_id == model
    # TINY's loose SPRT accepts a candidate that is not hopeless against random
    assert promo.decision == "promote" and role == "champion" and c["champion"] == model
    assert [m.new_target for m in c["pointer_moves"]] == [model]


@pytest.mark.slow
def test_a_worker_killed_mid_training_is_crashed_rescheduled_and_completed_once(generation):
    g = generation
    assert len(g.killed_pids) >= 2, "the worker and its flow run process were killed"
    states = g.train_states
    assert "Crashed" in states and states[-1] == "Completed", states
    crashed = states.index("Crashed")
    assert "Running" in states[:crashed] and "Running" in states[crashed:], states
    with g.pipeline.server.settings():
        assert run_states(g.train.id) == states
    c = _counts(g.pipeline)
    # the retry under the same flow run id resumed: one dataset, one training run, one model
    assert (c["games"], c["datasets"], c["trainings"], len(c["models"]), len(c["pointer_moves"])) == (8, 1, 1, 1, 1)
