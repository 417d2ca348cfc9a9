"""The deployment plan, prefect.yaml and the job templates, without a server."""

from __future__ import annotations

import argparse
import importlib
import json
import re

import pytest

from deployments.spec import ALL_CONFIGS, ENTRYPOINTS, TEMPLATES, build_plan, job_template
from engine.config import DEFAULT_CONFIG_PATH, config_from_dict, load_config
from tasks.settings import OrchestrationSettings, orchestration_settings


@pytest.fixture(scope="module")
def plan():
    return build_plan(config_from_dict({}, env={}), workdir="/srv/forge")


def test_one_deployment_per_flow_and_per_config_where_it_matters(plan):
    names = [d.full_name for d in plan.deployments]
    assert len(names) == len(set(names)) == 46
    for c in ALL_CONFIGS:
        s = c.replace("_", "-")
        assert {f"selfplay/{s}", f"selfplay/{s}-gpu", f"train/{s}"} <= set(names)
    for flow in ENTRYPOINTS:
        assert any(d.flow == flow for d in plan.deployments), flow
    assert plan.deployment("selfplay/square8-2p").parameters["config_key"] == "square8_2p"


def test_pools_queues_priorities_and_limits(plan):
    assert [(p.name, p.type) for p in plan.pools] == [("cpu", "process"), ("gpu", "process")]
    prio = {(q.pool, q.name): q.priority for q in plan.queues}
    for pool in ("cpu", "gpu"):
        assert prio[(pool, "promotion")] < prio[(pool, "evaluation")] < prio[(pool, "selfplay")]
    assert plan.deployment("train/hex8-3p").pool == "gpu" and plan.deployment("selfplay/hex8-3p").pool == "cpu"
    assert plan.deployment("selfplay/hex8-3p-gpu").pool == "gpu"
    tr = plan.deployment("train/square8-2p")
    assert (tr.concurrency_limit, tr.collision_strategy) == (1, "ENQUEUE")
    pr = plan.deployment("promote/default")
    assert (pr.concurrency_limit, pr.collision_strategy) == (1, "CANCEL_NEW") and pr.queue == "promotion"
    assert {lim.name for lim in plan.limits} >= {"ringrift-promotion", *(f"ringrift-train-{c}" for c in ALL_CONFIGS)}


def test_schedules_come_from_the_settings():
    cfg = config_from_dict({"loop": {"profile": "standard"}}, env={})
    p = build_plan(cfg, settings=OrchestrationSettings(sync_interval_seconds=60, selfplay_interval_seconds=0,
                                                        master_loop_interval_seconds=3600, prune_cron=""))
    assert p.deployment("sync/default").schedules[0].interval_seconds == 60
    assert p.deployment("selfplay/square8-2p").schedules == () and p.deployment("prune/default").schedules == ()
    assert p.deployment("master-loop/standard").schedules[0].active
    assert not p.deployment("master-loop/full").schedules[0].active
    d = build_plan(config_from_dict({"loop": {"profile": "standard"}}, env={}))
    active = {x.name for x in d.deployments if x.flow == "selfplay" and x.schedules and x.schedules[0].active}
    assert active == {"square8-2p", "square8-3p", "square8-4p", "hex8-2p"}


def test_automations_chain_the_stages_and_handle_crashes(plan):
    autos = {a.name: a for a in plan.automations}
    names = {d.full_name for d in plan.deployments}
    for a in autos.values():
        for act in a.actions:
            assert act.get("deployment", "train/square8-2p") in names
    t = autos["ringrift-train-on-threshold-square8-2p"]
    assert t.trigger["expect"] == ["ringrift.games.committed"]
    assert t.trigger["match"]["ringrift.threshold"] == "reached" and t.trigger["match"]["ringrift.chain"] == "auto"
    g = autos["ringrift-gauntlet-on-candidate"]
    assert g.actions[0]["parameters"]["model_id"] == "{{ event.payload.model_id }}"
    assert autos["ringrift-zombie-runs"].trigger["posture"] == "Proactive"
    assert autos["ringrift-retry-crashed"].actions[0]["state"] == "SCHEDULED"


def test_automations_are_valid_prefect_objects(plan):
    from deployments.apply import automation_core

    ids = {d.full_name: "00000000-0000-0000-0000-000000000001" for d in plan.deployments}
    for a in plan.automations:
        core = automation_core(a, ids)
        assert core.name == a.name and core.actions


def test_prefect_yaml_is_in_sync_with_the_plan():
    from deployments import prefect_yaml

    want = prefect_yaml.render(build_plan(load_config(DEFAULT_CONFIG_PATH, env={})))
    assert prefect_yaml.default_path().read_text() == want, \
        "prefect.yaml is stale: run `ringrift deploy --write-prefect-yaml`"


def test_prefect_yaml_entrypoints_load_the_named_flows():
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    from deployments import prefect_yaml

    doc = yaml.safe_load(prefect_yaml.default_path().read_text())
    seen = set()
    for d in doc["deployments"]:
        seen.add(d["entrypoint"])
    for ep in seen:
        flow = load_flow_from_entrypoint(ep, use_placeholder_flow=False)
        assert flow.name in ENTRYPOINTS and ENTRYPOINTS[flow.name] == ep


@pytest.mark.parametrize("kind", ["kubernetes", "docker"])
def test_gpu_job_templates_request_a_gpu_and_declare_their_variables(kind):
    t = json.loads((TEMPLATES / f"gpu-{kind}.json").read_text())
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", json.dumps(t["job_configuration"])))
    assert used <= set(t["variables"]["properties"]), used - set(t["variables"]["properties"])
    text = json.dumps(t["job_configuration"])
    assert ("nvidia.com/gpu" in text) if kind == "kubernetes" else ("device_requests" in text)
    cpu = job_template(kind, "/srv/forge", gpu=False)
    assert "nvidia.com/gpu" not in json.dumps(cpu) and "device_requests" not in json.dumps(cpu)
    used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", json.dumps(cpu["job_configuration"])))
    assert used <= set(cpu["variables"]["properties"])


def test_the_process_template_turns_heartbeats_on(plan):
    t = job_template("process", "/srv/forge", gpu=True)
    assert t["variables"]["properties"]["env"]["default"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
    assert t["variables"]["properties"]["working_dir"]["default"] == "/srv/forge"
    with pytest.raises(ValueError, match="unknown work pool type"):
        job_template("ecs", "/srv", gpu=False)


def test_orchestration_settings_fall_back_to_defaults_and_read_a_section():
    cfg = config_from_dict({}, env={})
    assert orchestration_settings(cfg) == OrchestrationSettings()
    assert orchestration_settings(cfg).stages("minimal")[0] == "selfplay"

    class WithSection:
        orchestration = {"sync_interval_seconds": 30, "retries": {"train": 5}}

    st = orchestration_settings(WithSection())
    assert st.sync_interval_seconds == 30 and st.runtime("train").retries == 5
    assert st.runtime("selfplay").retries == OrchestrationSettings().runtime("selfplay").retries
    with pytest.raises(ValueError, match="unknown loop profile"):
        st.stages("huge")


@pytest.mark.parametrize("name", ["master_loop", "deploy", "selfplay", "export", "aggregate", "train", "gauntlet",
                                  "tournament", "promote", "rollback", "sync", "prune"])
def test_every_command_has_help(name, capsys):
    mod = importlib.import_module(f"ringrift.{name}")
    p = argparse.ArgumentParser(prog=f"ringrift {name}")
    mod.add_arguments(p)
    with pytest.raises(SystemExit) as e:
        p.parse_args(["--help"])
    assert e.value.code == 0 and "usage" in capsys.readouterr().out
    assert callable(mod.run)
