"""The one timeout table (``orchestration.timeouts``): task options, the flow timeouts that
``ringrift deploy`` gives each deployment, and the watchdog's limits all come from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import FLOW_STAGES, ConfigError, OrchestrationConfig, config_from_dict

ROOT = Path(__file__).resolve().parents[2]


def test_a_changed_train_timeout_reaches_the_task_the_deployment_and_the_watchdog():
    from deployments.spec import build_plan
    from tasks.common import configured
    from tasks.settings import FLOW_TIMEOUTS_ENV
    from tasks.training import train_candidate

    cfg = config_from_dict({"orchestration": {"timeouts": {"train": 1000}}}, env={})
    orch = cfg.orchestration
    # the task, as the train flow calls it
    assert configured(train_candidate, "train", cfg).timeout_seconds == 1000
    assert configured(train_candidate, "train", config_from_dict({}, env={})).timeout_seconds == 12 * 3600
    # the deployment: its runs get the flow timeout in their environment...
    flow_seconds = int(orch.flow_timeout_factor * (orch.timeout("snapshot") + orch.timeout("export") + 1000))
    assert orch.flow_timeout("train") == flow_seconds
    dep = build_plan(cfg, workdir=str(ROOT)).deployment("train/square8-2p")
    env = dep.job_variables["env"]
    assert json.loads(env[FLOW_TIMEOUTS_ENV]) == {"train": flow_seconds}
    # ... and the flow object a worker builds from the entrypoint in that environment has it
    code = "from flows.train import train_flow; print(train_flow.timeout_seconds)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **env}, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.split()[-1]) == flow_seconds
    # the watchdog: never before the flow's own timeout
    assert orch.watchdog_limits()["train"] == flow_seconds + orch.watchdog_margin_seconds > flow_seconds


def test_every_deployment_carries_its_flows_timeout():
    from deployments.spec import build_plan
    from tasks.settings import FLOW_TIMEOUTS_ENV

    cfg = config_from_dict({"orchestration": {"timeouts": {"selfplay": 100}, "flow_timeout_factor": 2.0}}, env={})
    plan = build_plan(cfg, workdir=str(ROOT))
    assert {d.flow for d in plan.deployments} == set(FLOW_STAGES)
    for d in plan.deployments:
        got = json.loads(d.job_variables["env"][FLOW_TIMEOUTS_ENV])
        assert got == {d.flow: cfg.orchestration.flow_timeout(d.flow)}, d.full_name
    sp = cfg.orchestration
    assert sp.flow_timeout("selfplay") == 2 * (sp.timeout("contracts") + 100 + sp.timeout("ingest"))


def test_flow_timeout_from_the_environment_or_the_defaults():
    from tasks.settings import FLOW_TIMEOUTS_ENV, flow_timeout

    default = OrchestrationConfig().flow_timeout("gauntlet")
    assert flow_timeout("gauntlet", env={}) == default
    assert flow_timeout("gauntlet", env={FLOW_TIMEOUTS_ENV: '{"train": 5}'}) == default
    assert flow_timeout("gauntlet", env={FLOW_TIMEOUTS_ENV: '{"gauntlet": 77}'}) == 77
    for bad in ("{nope", '{"gauntlet": 0}', '{"gauntlet": "x"}', "[1]"):
        with pytest.raises(ValueError, match=FLOW_TIMEOUTS_ENV):
            flow_timeout("gauntlet", env={FLOW_TIMEOUTS_ENV: bad})
    with pytest.raises(ValueError, match="unknown flow 'nope'"):
        flow_timeout("nope", env={})


def test_the_table_is_validated_with_the_key_named():
    for data, match in (({"timeouts": {"trian": 5}}, r"orchestration\.timeouts\.trian: unknown stage"),
                        ({"timeouts": {"train": 0}}, r"orchestration\.timeouts\.train: must be a positive"),
                        ({"flow_timeout_factor": 0.5}, "flow_timeout_factor"),
                        ({"watchdog_margin_seconds": -1}, "watchdog_margin_seconds")):
        with pytest.raises(ConfigError, match=match):
            config_from_dict({"orchestration": data}, "f.yaml", env={})
    # a partial table keeps the other stages' defaults
    orch = config_from_dict({"orchestration": {"timeouts": {"train": 9}}}, env={}).orchestration
    assert orch.timeout("train") == 9 and orch.timeout("selfplay") == OrchestrationConfig().timeout("selfplay")
    assert orch.runtime("train").timeout_seconds == 9
