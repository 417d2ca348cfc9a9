"""``deployments.apply`` against a real, empty Prefect server (its own ``prefect_test_harness``):
a dry run reports every object "created" and writes nothing; applied, a dry run reports nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="module")
def empty_server():
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):  # generous: a loaded machine starts it slowly
        yield PREFECT_API_URL.value()


def _deploy(url: str, *args: str) -> dict:
    from engine.config import DEFAULT_CONFIG_PATH

    env = {**os.environ, "PREFECT_API_URL": url, "RINGRIFT_CONFIG_PATH": str(DEFAULT_CONFIG_PATH),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    cmd = [sys.executable, "-m", "ringrift", "deploy", "--workdir", "/opt/ringrift-forge", "--json", *args]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _objects(url: str) -> int:
    import asyncio

    from prefect.client.schemas.sorting import AutomationSort, DeploymentSort

    from ops.gateway import async_prefect_client

    async def count():  # explicit sorts and limits: the pinned server rejects null ones (issue 12, part 2)
        async with async_prefect_client() as c:
            return (len(await c.read_deployments(limit=200, sort=DeploymentSort.NAME_ASC))
                    + len(await c.read_automations(limit=200, sort=AutomationSort.NAME_ASC))
                    + len(await c.read_work_pools(limit=50)))

    return asyncio.run(count())


@pytest.mark.slow
def test_dry_run_on_an_empty_server_reports_everything_as_created(empty_server):
    assert _objects(empty_server) == 0
    dry = _deploy(empty_server, "--dry-run")
    actions = Counter((c["kind"], c["action"]) for c in dry["changes"])
    # it said "2 created, 14 updated" for the 16 automations
    assert actions[("automation", "created")] == 16 and actions[("automation", "updated")] == 0
    assert actions[("deployment", "created")] == 46
    assert {a for _, a in actions} == {"created"}, actions
    assert _objects(empty_server) == 0  # a dry run writes nothing
    real = _deploy(empty_server)
    assert Counter((c["kind"], c["action"]) for c in real["changes"]) == actions  # what it said it would do
    again = _deploy(empty_server, "--dry-run")
    assert not again["changed"] and {c["action"] for c in again["changes"]} == {"unchanged"}
