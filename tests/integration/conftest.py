"""Fixtures of the integration tests: a real ``prefect server start`` process with its services
(scheduler, triggers, ...) on SQLite and on PostgreSQL, real ``prefect worker start`` processes,
pipelines on moto's S3 server + PostgreSQL, and ``ringrift deploy`` against the server.

One server per backend per session (a start costs 10-40 s on a loaded machine); every test makes
its own pipeline (its own S3 prefix and PostgreSQL database) and its own workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tests.db.conftest import pg_admin  # noqa: F401 - fixture
from tests.storage.conftest import AWS_ENV, s3_server  # noqa: F401 - fixture
from tests.tiny_config import TINY as BASE

from .processes import ServerProcess, WorkerProcess, cli, start_server, start_worker

# A generation in seconds (tiny network, 8 games, a one-rung ladder, a short SPRT), every
# schedule off (runs start only by the test or the automations), crash detection in a minute
# (Prefect's flow-run heartbeats come every 30 s at the most often).
TINY = {
    **BASE,
    "loop": {**BASE["loop"], "profile": "minimal"},
    "orchestration": {"selfplay_interval_seconds": 0, "sync_interval_seconds": 0, "evaluation_interval_seconds": 0,
                      "health_interval_seconds": 0, "prune_cron": "", "master_loop_interval_seconds": 0,
                      "heartbeat_seconds": 30, "zombie_seconds": 60, "crash_retries": 2},
}


def _pg_database(pg_admin, prefix: str) -> tuple[str, str]:  # noqa: F811
    from sqlalchemy import text

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return name, pg_admin.url.set(database=name).render_as_string(hide_password=False)


def _drop(pg_admin, name: str) -> None:  # noqa: F811
    from sqlalchemy import text

    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory) -> Iterator[ServerProcess]:
    srv = start_server(tmp_path_factory.mktemp("prefect-sqlite"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory, pg_admin) -> Iterator[ServerProcess]:  # noqa: F811
    name, url = _pg_database(pg_admin, "prefect_it")
    srv = start_server(tmp_path_factory.mktemp("prefect-pg"), url.replace("postgresql+psycopg", "postgresql+asyncpg"))
    yield srv
    srv.stop()
    _drop(pg_admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request) -> ServerProcess:
    return request.getfixturevalue("sqlite_server" if request.param == "sqlite" else "pg_server")


@dataclass
class Pipeline:
    """A pipeline of a test: config file (S3 on moto + PostgreSQL), the environment of its
    processes, and the workers started for it (stopped at the end of the test)."""

    server: ServerProcess
    config_path: Path
    dir: Path
    dbname: str = ""
    workers: list[WorkerProcess] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {"RINGRIFT_CONFIG_PATH": str(self.config_path), **AWS_ENV,
                "PREFECT_LOCAL_STORAGE_PATH": str(self.dir / "prefect-results")}

    def worker(self, pool: str, name: str, *, limit: int | None = None, **env: str) -> WorkerProcess:
        w = start_worker(self.server, pool, name, self.dir, limit=limit, env={**self.env(), **env})
        self.workers.append(w)
        return w

    def run(self, *args: str, program: str = "prefect", timeout: float = 300.0):
        return cli(self.server, *args, env=self.env(), timeout=timeout, program=program)

    def open(self):
        """The pipeline's store and database, opened in this process (close it)."""
        from engine.config import load_config
        from engine.loop import open_context

        return open_context(load_config(self.config_path))

    def logs(self) -> str:
        return "\n".join(f"--- {w.name}\n{w.log_text()[-4000:]}" for w in self.workers)


def new_pipeline(server: ServerProcess, d: Path, s3, pg_admin, **sections) -> Pipeline:  # noqa: F811
    """A fresh pipeline in folder ``d`` (its own S3 prefix and PostgreSQL database), with
    ``ringrift deploy`` applied to ``server`` from its config."""
    d.mkdir(parents=True)
    dbname, dburl = _pg_database(pg_admin, "forge_it")
    data = {"home": str(d / "home"), **{k: dict(v) for k, v in TINY.items()},
            "storage": {"url": f"s3://{s3.bucket}/it-{uuid.uuid4().hex[:8]}", "s3_endpoint_url": s3.endpoint},
            "database": {"url": dburl}}
    for k, v in sections.items():
        data[k] = {**data.get(k, {}), **v}
    cfg = d / "forge.yaml"
    cfg.write_text(yaml.safe_dump(data))
    p = Pipeline(server, cfg, d, dbname=dbname)
    r = p.run("deploy", program="ringrift", timeout=600)
    assert r.returncode == 0, f"ringrift deploy failed:\n{r.stdout[-2000:]}\n{r.stderr[-3000:]}"
    return p


def close_pipeline(p: Pipeline, pg_admin) -> None:  # noqa: F811
    for w in p.workers:
        w.stop()
    _drop(pg_admin, p.dbname)


@pytest.fixture(scope="session")
def aws_session_env() -> Iterator[None]:
    """The fake S3 credentials of moto in this process (it reads the pipelines' stores too)."""
    with pytest.MonkeyPatch.context() as mp:
        for k, v in AWS_ENV.items():
            mp.setenv(k, v)
        yield


@pytest.fixture
def make_pipeline(tmp_path, s3_server, pg_admin, aws_session_env) -> Iterator:  # noqa: F811
    """``make_pipeline(server, **sections)``: a fresh pipeline deployed on ``server``; its
    workers are stopped and its database dropped after the test."""
    made: list[Pipeline] = []

    def make(server: ServerProcess, **sections) -> Pipeline:
        made.append(new_pipeline(server, tmp_path / f"pipeline{len(made)}", s3_server, pg_admin, **sections))
        return made[-1]

    yield make
    for p in made:
        close_pipeline(p, pg_admin)


@pytest.fixture(scope="session")
def generation(pg_server, tmp_path_factory, s3_server, pg_admin, aws_session_env):  # noqa: F811
    """``scenarios.generation_with_a_killed_worker`` on the PostgreSQL-backed server, once per session."""
    from .scenarios import generation_with_a_killed_worker

    p = new_pipeline(pg_server, tmp_path_factory.mktemp("generation") / "p", s3_server, pg_admin,
                     training={"max_steps": 300, "epochs": 50, "early_stop_patience": 0})
    try:
        with pg_server.settings():
            yield generation_with_a_killed_worker(p)
    finally:
        close_pipeline(p, pg_admin)
