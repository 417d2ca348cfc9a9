"""Where the master loop's stages run in mode deployments (``flows.dispatch.placement``): on the
test server with ``ringrift deploy``'s plan; the real-worker case is tests/integration."""

from __future__ import annotations

NAMES = ["selfplay/square8-2p", "train/square8-2p", "promote/default"]


def test_a_coordinator_dispatches_every_stage(deployed):
    from flows.dispatch import placement

    assert placement(NAMES, local_allowed=False) == {n: "pool" for n in NAMES}


def test_a_pool_without_an_online_worker_runs_the_stage_here_and_one_with_a_worker_gets_it(deployed):
    from prefect import flow

    from flows.dispatch import placement
    from ops.gateway import prefect_client

    # outside any flow run this process occupies no pool
    with prefect_client() as c:
        for pool in ("cpu", "gpu"):
            online = [w for w in c.read_workers_for_work_pool(pool) if str(w.status.value).upper() == "ONLINE"]
            assert online == [], f"a stray worker in pool {pool}"
    assert placement(NAMES, local_allowed=True) == {n: "here" for n in NAMES}

    @flow(name="placement-probe")
    def probe():  # a flow run of this process occupies no work pool either
        return placement(NAMES, local_allowed=True)

    with prefect_client() as c:
        c.send_worker_heartbeat("gpu", "test-gpu-worker", heartbeat_interval_seconds=600)
        try:
            assert placement(NAMES, local_allowed=True) == {"selfplay/square8-2p": "here",
                                                             "train/square8-2p": "pool", "promote/default": "here"}
            assert probe()["train/square8-2p"] == "pool"
        finally:  # the session's server is shared: no stray worker for the other tests
            c._client.delete("/work_pools/gpu/workers/test-gpu-worker")
