"""Events and automations on the Prefect test server: the stage chain and the crash handling."""

from __future__ import annotations

import time

from conftest import deployment_id, flow_runs, wait_for


def _runs_of(name: str, since: float = 0.0) -> list:
    did = deployment_id(name)
    return [r for r in flow_runs(deployment_id=did) if r.created.timestamp() >= since - 1]


def test_games_committed_over_the_threshold_starts_the_training(deployed, forge):
    from flows.selfplay import selfplay_flow

    t0 = time.time()
    # TINY threshold: 8 games. Below it (4 games, chain on) -> nothing; chain off -> nothing.
    below = selfplay_flow(config_key="hex8_2p", games=4, engine="heuristic", seed=1)
    assert not below.threshold_reached
    manual = selfplay_flow(config_key="square8_3p", games=8, engine="heuristic", seed=1, chain=False)
    assert manual.threshold_reached
    over = selfplay_flow(config_key="hex8_2p", games=4, engine="heuristic", seed=2)
    assert over.threshold_reached and over.games_since_training == 8
    runs = wait_for(lambda: _runs_of("train/hex8-2p", t0), timeout=30)
    assert len(runs) == 1, "exactly one training: the run that reached the threshold"
    assert runs[0].parameters == {"config_key": "hex8_2p"} and runs[0].state.is_scheduled()
    assert _runs_of("train/square8-3p", t0) == []  # chain=manual starts nothing


def test_a_trained_candidate_starts_the_gauntlet_and_a_finished_gauntlet_the_promotion(deployed):
    from prefect import flow

    from tasks import events

    model = "ab" * 32
    t0 = time.time()

    @flow(name="emit-test-events")
    def emit_both():
        events.candidate_trained("square8_4p", model_id=model, dataset_id="d" * 64, run_id="r1", steps=3,
                                 best_val=1.0)
        events.gauntlet_finished("square8_4p", model_id=model, run_id="g1", games=2, rows=[{"opponent": "random"}])
        events.candidate_trained("square8_4p", model_id="cd" * 32, dataset_id="d" * 64, run_id="r2", steps=3,
                                 best_val=1.0, chain=False)

    emit_both()
    ga = wait_for(lambda: _runs_of("gauntlet/default", t0), timeout=30)
    pr = wait_for(lambda: _runs_of("promote/default", t0), timeout=30)
    assert [r.parameters for r in ga] == [{"config_key": "square8_4p", "model_id": model}]
    assert [r.parameters for r in pr] == [{"config_key": "square8_4p", "model_id": model}]


def test_a_crashed_stage_run_is_rescheduled_once_more(deployed):
    """The crash automation reschedules a crashed ringrift run (the zombie automation marks a run
    without heartbeats Crashed; here the run is crashed directly)."""
    from prefect.deployments import run_deployment
    from prefect.states import Crashed, Running

    from deployments.spec import CRASH_RETRY_MARK
    from ops.gateway import prefect_client

    plan, _ = deployed
    zombie = next(a for a in plan.automations if a.name == "ringrift-zombie-runs")
    assert zombie.trigger["posture"] == "Proactive" and zombie.trigger["within"] > 0
    fr = run_deployment("health/default", timeout=0, as_subflow=False)
    with prefect_client() as c:
        c.set_flow_run_state(fr.id, Running(), force=True)
        c.set_flow_run_state(fr.id, Crashed(message="worker died"), force=True)

        def rescheduled():
            r = c.read_flow_run(fr.id)
            return r if r.state.is_scheduled() else None

        r = wait_for(rescheduled, timeout=30)
    assert r is not None, "the crashed run was not rescheduled"
    assert CRASH_RETRY_MARK in r.state.message and r.state.name == "AwaitingRetry"
