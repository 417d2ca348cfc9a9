"""Fixtures of the pipeline (Prefect) tests.

* ``prefect_server``: ONE Prefect test server per test session (per xdist worker):
  ``prefect_test_harness`` (~10-15 s to start; it evaluates automations, it does not schedule),
  with task results persisted to a session folder (so cache hits across runs are real).
* ``forge``: a pipeline of the test (a tiny config file in ``tmp_path``, pointed to by
  ``$RINGRIFT_CONFIG_PATH``): local store + SQLite by default, or S3 (moto) + PostgreSQL.
* ``s3_server`` / ``pg_url``: a moto S3 server on 127.0.0.1 and a fresh PostgreSQL database,
  copied from tests/storage/conftest.py and tests/db/conftest.py (those conftests are not
  importable from here: this folder has no ``__init__.py``, so that it does not shadow the
  project's ``flows`` package).

This folder is not a package on purpose; its test files have unique basenames (test_pipeline_*).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.tiny_config import TINY

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

FORGE_ENV = ("RINGRIFT_CONFIG_PATH", "RINGRIFT_HOME", "RINGRIFT_STORE_URL", "RINGRIFT_DB_URL", "RINGRIFT_CACHE_DIR",
             "RINGRIFT_S3_ENDPOINT_URL", "RINGRIFT_PROFILE", "RINGRIFT_DISABLE_LOCAL_TASKS",
             "RINGRIFT_UNIFIED_LOOP_LEGACY", "RINGRIFT_SKIP_SHADOW_CONTRACTS", "RINGRIFT_TRACE_DEBUG")


@dataclass
class PrefectServer:
    api_url: str
    results: Path

    def env(self) -> dict[str, str]:
        """Environment for a subprocess that must talk to this server."""
        return {"PREFECT_API_URL": self.api_url, "PREFECT_LOCAL_STORAGE_PATH": str(self.results),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> Iterator[PrefectServer]:
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    results = tmp_path_factory.mktemp("prefect-results")
    with prefect_test_harness(server_startup_timeout=60):
        with temporary_settings({PREFECT_LOCAL_STORAGE_PATH: results}):
            yield PrefectServer(PREFECT_API_URL.value(), results)


@dataclass
class Forge:
    """A test pipeline: its config file and its config."""

    config_path: Path
    home: Path

    @property
    def cfg(self):
        from tasks.common import forge_config

        return forge_config()

    @property
    def ctx(self):
        from tasks.common import forge_context

        return forge_context()

    def env(self) -> dict[str, str]:
        return {"RINGRIFT_CONFIG_PATH": str(self.config_path)}


def write_config(path: Path, home: Path, **sections) -> Path:
    data = {"home": str(home), **{k: dict(v) for k, v in TINY.items()}}
    for k, v in sections.items():
        data[k] = {**data.get(k, {}), **v} if isinstance(v, dict) else v
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def make_forge(tmp_path, monkeypatch):
    """``make_forge(**sections)``: a fresh pipeline with the TINY config (plus overrides)."""
    import torch

    from tasks.common import close_contexts

    for k in FORGE_ENV:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("RINGRIFT_PROGRESS", "0")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 2 cores, 2 xdist workers: one torch thread each
    counter = iter(range(100))

    def make(**sections) -> Forge:
        n = next(counter)
        home = tmp_path / f"forge{n}"
        home.mkdir()
        p = write_config(tmp_path / f"forge{n}.yaml", home, **sections)
        monkeypatch.setenv("RINGRIFT_CONFIG_PATH", str(p))
        close_contexts()
        return Forge(p, home)

    yield make
    close_contexts()
    torch.set_num_threads(threads)


@pytest.fixture
def forge(make_forge) -> Forge:
    return make_forge()


@pytest.fixture
def fast_retries(monkeypatch):
    """Retry delays of 0 s (the flows read the stage options when they run)."""
    from tasks.settings import DEFAULT_RUNTIME, StageRuntime

    for k, v in list(DEFAULT_RUNTIME.items()):
        monkeypatch.setitem(DEFAULT_RUNTIME, k, StageRuntime(v.retries, (0,), v.timeout_seconds))


# -- S3 (moto) and PostgreSQL, as in tests/storage and tests/db ------------------------------------

# The S3 server (moto) and the PostgreSQL server fixtures are those of the storage and database tests.
from tests.db.conftest import pg_admin  # noqa: E402,F401
from tests.storage.conftest import aws_env, s3_server  # noqa: E402,F401


@pytest.fixture(scope="session")
def pg_url(pg_admin) -> Iterator[str]:  # noqa: F811
    """A fresh PostgreSQL database of this session (dropped at the end); skips without a server."""
    from sqlalchemy import text

    name = f"forge_flows_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield pg_admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        from tasks.common import close_contexts

        close_contexts()
        with pg_admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- Prefect queries --------------------------------------------------------------------------------

def flow_runs(**filters) -> list:
    """Flow runs of the test server (newest first); filters: deployment_id, flow_name, ids."""
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterId,
    )
    from prefect.client.schemas.sorting import FlowRunSort

    from ops.gateway import prefect_client

    fr_filter = FlowRunFilter()
    if "deployment_id" in filters:
        fr_filter.deployment_id = FlowRunFilterDeploymentId(any_=[filters["deployment_id"]])
    if "ids" in filters:
        fr_filter.id = FlowRunFilterId(any_=list(filters["ids"]))
    flow_filter = FlowFilter(name=FlowFilterName(any_=[filters["flow_name"]])) if "flow_name" in filters else None
    with prefect_client() as c:
        return c.read_flow_runs(flow_filter=flow_filter, flow_run_filter=fr_filter, limit=200,
                                sort=FlowRunSort.EXPECTED_START_TIME_DESC)


def task_runs_of(flow_run_id) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import TaskRunSort

    from ops.gateway import prefect_client

    with prefect_client() as c:
        return c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])), limit=200,
                                sort=TaskRunSort.EXPECTED_START_TIME_DESC)


def retry_flow_run(flow, flow_run_id):
    """What ``prefect flow-run retry ID --entrypoint ...`` does, in this process: the run goes
    back to Scheduled and runs again (same flow run id, its finished tasks come from the cache)."""
    from prefect.flow_engine import run_flow
    from prefect.states import Scheduled

    from ops.gateway import prefect_client

    with prefect_client() as c:
        c.set_flow_run_state(flow_run_id, Scheduled(message="retried by the test"), force=True)
        fr = c.read_flow_run(flow_run_id)
    return run_flow(flow, flow_run=fr, parameters=fr.parameters, return_type="state")


@pytest.fixture(scope="session")
def deployed(prefect_server):
    """``ringrift deploy``'s plan (of the default config) applied once to the session's server;
    returns (plan, first report)."""
    from deployments.apply import apply_plan
    from deployments.spec import build_plan
    from engine.config import config_from_dict

    plan = build_plan(config_from_dict({}, env={}), workdir="/opt/ringrift-forge")
    return plan, apply_plan(plan)


def deployment_id(name: str):
    from ops.gateway import prefect_client

    with prefect_client() as c:
        return c.read_deployment_by_name(name).id


def wait_for(fn, timeout: float = 30.0, every: float = 0.5):
    """Poll ``fn`` until it returns something truthy (or time out with the last value)."""
    import time

    t0 = time.monotonic()
    while True:
        v = fn()
        if v or time.monotonic() - t0 > timeout:
            return v
        time.sleep(every)
