"""Fixtures of the storage tests: a moto S3 server per test session (per xdist worker), and the
``store`` fixture parametrised over the three backends so every behaviour runs on file, memory and S3.

Isolation under ``pytest -n 2``: each worker starts its own moto server on a free port (port 0),
creates its own bucket (random name), and every test gets a fresh random prefix / memory name /
tmp folder. Credentials are fake, distinctive values (so tests can assert they never leak), set in
the environment only while a test (or the bucket creation) runs.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from engine.storage import ArtifactStore, open_store

FAKE_ACCESS_KEY = "AKIAFORGETEST0000001"
FAKE_SECRET = "forge-test-secret-must-never-be-logged"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}
BACKENDS = ("file", "memory", "s3")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    bucket: str


@dataclass(frozen=True)
class StoreTarget:
    """Where a test store lives: its URL and the S3 endpoint (``None`` off S3)."""

    kind: str
    url: str
    endpoint: str | None = None

    def open(self) -> ArtifactStore:
        return open_store(self.url, s3_endpoint_url=self.endpoint)


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip fsync in local stores (power-loss durability, untestable here; ~7 ms per write on this
    disk). Atomicity does not depend on it, and the kill -9 test runs its writer without this patch."""
    from engine.storage.local import LocalBackend

    monkeypatch.setattr(LocalBackend, "durable", False)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        bucket = f"forge-test-{uuid.uuid4().hex[:16]}"
        with pytest.MonkeyPatch.context() as mp:
            for k, v in AWS_ENV.items():
                mp.setenv(k, v)
            boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        yield S3Server(endpoint, bucket)
    finally:
        server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for k, v in AWS_ENV.items():
        monkeypatch.setenv(k, v)
    return dict(AWS_ENV)


@pytest.fixture
def new_target(request, tmp_path, aws_env) -> Callable[[str], StoreTarget]:
    """A factory of fresh, empty store locations of a given kind (``file``, ``memory``, ``s3``)."""
    counter = iter(range(10**6))

    def make(kind: str) -> StoreTarget:
        tag = f"{uuid.uuid4().hex[:12]}-{next(counter)}"
        if kind == "file":
            return StoreTarget(kind, f"file://{tmp_path}/store-{tag}")
        if kind == "memory":
            return StoreTarget(kind, f"memory://test-{tag}")
        if kind == "s3":
            srv: S3Server = request.getfixturevalue("s3_server")
            return StoreTarget(kind, f"s3://{srv.bucket}/t-{tag}", srv.endpoint)
        raise ValueError(kind)

    return make


@pytest.fixture(params=BACKENDS)
def target(request, new_target) -> StoreTarget:
    return new_target(request.param)


@pytest.fixture
def store(target) -> ArtifactStore:
    return target.open()


def clobber(store: ArtifactStore, key: str, data: bytes) -> None:
    """Overwrite a key behind the store's back (simulated bit rot / a foreign writer)."""
    store.backend.fs.pipe_file(store.backend.path(key), data)
