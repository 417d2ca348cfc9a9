"""Fixtures of the ops tests: the analysis tests' pipeline history (embedded default and cluster
set-up) and one Prefect test server for the session."""

from __future__ import annotations

import os
import socket

import pytest

from tests.analysis.conftest import _clean_env, aws, cluster_history, history  # noqa: F401
from tests.db.conftest import _url, pg_admin, pg_database  # noqa: F401
from tests.storage.conftest import s3_server  # noqa: F401

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_server():
    """ONE Prefect test server for the session (``prefect_test_harness``, ~10 s to start); yields
    its API URL (``PREFECT_API_URL`` points at it while the session runs)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):  # generous: a loaded machine starts it slowly
        yield PREFECT_API_URL.value()


@pytest.fixture
def closed_api_url() -> str:
    """A Prefect API URL on a local port nothing listens on (taken free, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"
