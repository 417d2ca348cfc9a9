"""Fixtures of the analysis tests: a pipeline history on the embedded default (SQLite + a local
folder store), and the cluster set-up (PostgreSQL + moto S3) for the integration tests."""

from __future__ import annotations

import pytest

from tests.db.conftest import _url, pg_admin, pg_database  # noqa: F401
from tests.storage.conftest import AWS_ENV, s3_server  # noqa: F401

from .helpers import build_history, write_config

FORGE_ENV = ("RINGRIFT_CONFIG_PATH", "RINGRIFT_HOME", "RINGRIFT_STORE_URL", "RINGRIFT_DB_URL", "RINGRIFT_CACHE_DIR",
             "RINGRIFT_S3_ENDPOINT_URL", "RINGRIFT_PROFILE")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in FORGE_ENV:
        monkeypatch.delenv(k, raising=False)


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """SQLite + local store with three generations of games, two models, matches, champions."""
    from engine.config import load_config

    d = tmp_path_factory.mktemp("forge")
    p = write_config(d / "forge.yaml", d / "home")
    return build_history(load_config(p, env={}), p, d / "work")


@pytest.fixture(scope="session")
def cluster_history(tmp_path_factory, s3_server, pg_database):  # noqa: F811
    """The same history on PostgreSQL + S3 (moto): the integration set-up of the pipeline."""
    from engine.config import load_config

    d = tmp_path_factory.mktemp("cluster")
    p = write_config(d / "forge.yaml", d / "home", database={"url": _url(pg_database)},
                     storage={"url": f"s3://{s3_server.bucket}/forge", "s3_endpoint_url": s3_server.endpoint})
    with pytest.MonkeyPatch.context() as mp:
        for k, v in AWS_ENV.items():
            mp.setenv(k, v)
        return build_history(load_config(p, env={}), p, d / "work")


@pytest.fixture
def aws(monkeypatch):
    for k, v in AWS_ENV.items():
        monkeypatch.setenv(k, v)

