"""The long scenarios of the integration tests, run once and checked by several tests.

``generation_with_a_killed_worker``: one generation of square8 2p through real workers, chained by
the automations of ``ringrift deploy`` (selfplay -> train -> gauntlet -> promote), with the GPU-pool
worker killed with SIGKILL in the middle of the training (after the export, once the training
run is in the database): the zombie automation marks the run
Crashed, the crash automation reschedules it, a new worker finishes it, the chain goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

from .processes import wait_for

STAGE_TIMEOUT = 900.0  # seconds per wait: a loaded 2-core machine, flow runs that import torch


def deployment_runs(name: str) -> list:
    """Flow runs of deployment ``name`` (``flow/deployment``), oldest first."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
    from prefect.client.schemas.sorting import FlowRunSort

    from ops.gateway import prefect_client

    with prefect_client() as c:
        did = c.read_deployment_by_name(name).id
        return c.read_flow_runs(flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[did])),
                                sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=200)


def run_states(flow_run_id) -> list[str]:
    """The names of a flow run's states, in order (Scheduled, Pending, Running, Crashed, ...)."""
    from ops.gateway import prefect_client

    with prefect_client() as c:
        return [s.name for s in sorted(c.read_flow_run_states(flow_run_id), key=lambda s: s.timestamp)]


def read_run(flow_run_id):
    from ops.gateway import prefect_client

    with prefect_client() as c:
        return c.read_flow_run(flow_run_id)


def final_run(name: str, what: str, logs) -> object:
    """Wait for the first run of deployment ``name`` to be final; it must be Completed."""
    def done():
        runs = deployment_runs(name)
        return runs[0] if runs and runs[0].state and runs[0].state.is_final() else None

    fr = wait_for(done, timeout=STAGE_TIMEOUT, what=f"{what} to finish\n{logs()}")
    assert fr.state.is_completed(), f"{name} ended {fr.state.name}: {fr.state.message}\n{logs()}"
    return fr


def training_status(p, ck: str = "square8_2p") -> str | None:
    """The status of the pipeline's training run of ``ck`` (None before there is one)."""
    from engine.db import list_training_runs

    ctx = p.open()
    try:
        with ctx.db.session(write=False) as s:
            runs = list_training_runs(s, ck)
    finally:
        ctx.close()
    return runs[0].status if runs else None


@dataclass
class GenerationRun:
    pipeline: object
    selfplay: object
    train: object
    gauntlet: object
    promote: object
    killed_pids: list[int]
    train_states: list[str]


def generation_with_a_killed_worker(p) -> GenerationRun:
    """``p``: a deployed pipeline (conftest.Pipeline) on a server whose settings are active."""
    p.worker("cpu", "it-cpu", limit=2)
    gpu = p.worker("gpu", "it-gpu-1", limit=1, RINGRIFT_DEVICE="cpu")
    r = p.run("deployment", "run", "selfplay/square8-2p", "--param", "games=8", "--param", "seed=5")
    assert r.returncode == 0, r.stdout + r.stderr

    def training_running():
        runs = deployment_runs("train/square8-2p")
        return runs[0] if runs and runs[0].state and runs[0].state.is_running() else None

    train = wait_for(training_running, timeout=STAGE_TIMEOUT, what=f"a running train/square8-2p run\n{p.logs()}")
    # the hardest moment: the export is done (its games count as used) and the training has begun
    status = wait_for(lambda: training_status(p), timeout=STAGE_TIMEOUT, every=0.5,
                      what=f"the training run in the database\n{p.logs()}")
    killed = gpu.kill9()
    assert status == "running" and not read_run(train.id).state.is_final(), \
        f"the training ended ({status}) before the worker could be killed"
    gpu.proc.wait(timeout=30)

    def rescheduled():
        states = run_states(train.id)
        return states if "Crashed" in states and read_run(train.id).state.is_scheduled() else None

    wait_for(rescheduled, timeout=STAGE_TIMEOUT, what="the zombie run marked Crashed and rescheduled")
    p.worker("gpu", "it-gpu-2", limit=1, RINGRIFT_DEVICE="cpu")
    promote = final_run("promote/default", "the promotion started by the chain", p.logs)
    train = final_run("train/square8-2p", "the retried training", p.logs)
    return GenerationRun(p, deployment_runs("selfplay/square8-2p")[0], train,
                         final_run("gauntlet/default", "the gauntlet", p.logs), promote, killed, run_states(train.id))
