"""``ringrift deploy`` against the Prefect test server: everything created, twice = no change,
and `prefect deployment run 'selfplay/square8-2p' --param games=200` does what it says."""

from __future__ import annotations

import pytest
from conftest import deployment_id, flow_runs


def _server_state():
    import asyncio

    from ops.gateway import async_prefect_client

    async def read():
        async with async_prefect_client() as c:
            from prefect.client.schemas.filters import WorkQueueFilter
            from prefect.client.schemas.sorting import AutomationSort, DeploymentSort

            deps = await c.read_deployments(limit=200, sort=DeploymentSort.NAME_ASC)
            autos = await c.read_automations(sort=AutomationSort.NAME_ASC, limit=200)
            pools = {p.name: p for p in await c.read_work_pools(limit=50)}
            queues = {(p, q.name): q for p in ("cpu", "gpu")
                      for q in await c.read_work_queues(work_pool_name=p, work_queue_filter=WorkQueueFilter(),
                                                        limit=50, offset=0)}
            limits = await c.read_global_concurrency_limits(limit=200)
        return deps, autos, pools, queues, limits

    return asyncio.run(read())


def test_deploy_creates_everything_and_a_second_run_changes_nothing(deployed):
    from deployments.apply import apply_plan

    plan, first = deployed
    assert first.count("conflict") == 0
    before = _server_state()
    again = apply_plan(plan)
    assert not again.changed, again.format()
    assert again.count("unchanged") == len(again.changes) == len(first.changes)
    after = _server_state()
    deps0, deps1 = ({d.id: d.updated for d in s[0]} for s in (before, after))
    assert deps0 == deps1  # no deployment written
    assert {a.id: a.model_dump(mode="json") for a in before[1]} == {a.id: a.model_dump(mode="json") for a in after[1]}

    deps, autos, pools, queues, limits = after
    names = {f"{d.entrypoint.split('/')[1].split('.')[0]}:{d.name}" for d in deps}
    assert len([d for d in deps if "ringrift" in d.tags]) == len(plan.deployments) == 46
    for n in ("selfplay:square8-2p", "selfplay:hexagonal-4p-gpu", "train:square19-3p", "promote:default",
              "gauntlet:default", "master_loop:standard", "sync:default", "prune:default"):
        assert n in names
    assert pools["cpu"].type == "process" and pools["gpu"].type == "process"
    assert pools["cpu"].base_job_template["variables"]["properties"]["env"]["default"][
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
    assert queues[("cpu", "promotion")].priority < queues[("cpu", "evaluation")].priority < \
        queues[("cpu", "selfplay")].priority
    assert {lim.name for lim in limits} >= {"ringrift-promotion", "ringrift-train-square8_2p"}
    assert {a.name for a in autos} >= {"ringrift-train-on-threshold-square8-2p", "ringrift-gauntlet-on-candidate",
                                       "ringrift-promote-on-gauntlet", "ringrift-zombie-runs", "ringrift-retry-crashed"}
    by = {(d.entrypoint, d.name): d for d in deps}
    promote = by[("flows/promote.py:promote_flow", "default")]
    assert promote.global_concurrency_limit.limit == 1
    assert promote.concurrency_options.collision_strategy.value == "CANCEL_NEW"
    train = by[("flows/train.py:train_flow", "square8-2p")]
    assert train.work_pool_name == "gpu" and train.work_queue_name == "training"
    assert train.global_concurrency_limit.limit == 1
    sp = by[("flows/selfplay.py:selfplay_flow", "square8-2p")]
    assert sp.schedules and sp.schedules[0].active  # the active profile's selfplay is scheduled
    assert not by[("flows/selfplay.py:selfplay_flow", "hex8-4p")].schedules[0].active
    assert by[("flows/sync.py:sync_flow", "default")].schedules[0].schedule.interval.total_seconds() == 300
    assert sp.pull_steps == [{"prefect.deployments.steps.set_working_directory":
                              {"directory": "/opt/ringrift-forge"}}]


def test_a_changed_plan_is_updated_in_place(deployed):
    import dataclasses

    from deployments.apply import apply_plan

    plan, _ = deployed
    d = plan.deployment("health/default")
    changed = dataclasses.replace(plan, deployments=(dataclasses.replace(d, description="changed"),),
                                  pools=(), queues=(), limits=(), automations=())
    rep = apply_plan(changed)
    assert [(c.name, c.action) for c in rep.changes] == [("health/default", "updated")]
    rep = apply_plan(dataclasses.replace(changed, deployments=(d,)))
    assert [(c.name, c.action, c.detail) for c in rep.changes] == [("health/default", "updated", "description")]


def test_deployment_run_with_a_parameter(deployed):
    from prefect.deployments import run_deployment

    fr = run_deployment("selfplay/square8-2p", parameters={"games": 200}, timeout=0, as_subflow=False)
    assert fr.parameters == {"config_key": "square8_2p", "engine": "auto", "games": 200}
    assert fr.state.is_scheduled()
    with pytest.raises(Exception, match="games"):  # the parameter schema is enforced
        run_deployment("selfplay/square8-2p", parameters={"games": "many"}, timeout=0, as_subflow=False)
    assert deployment_id("selfplay/square8-2p") == fr.deployment_id
    assert any(r.id == fr.id for r in flow_runs(deployment_id=fr.deployment_id))


def test_the_deploy_command_twice(deployed, capsys, monkeypatch):
    import argparse

    from ringrift import deploy

    p = argparse.ArgumentParser()
    deploy.add_arguments(p)
    monkeypatch.setenv("RINGRIFT_CONFIG_PATH", str(__import__("engine.config", fromlist=["x"]).DEFAULT_CONFIG_PATH))
    assert deploy.run(p.parse_args(["--workdir", "/opt/ringrift-forge", "--dry-run"])) == 0
    out = capsys.readouterr().out
    assert "nothing to change" in out
