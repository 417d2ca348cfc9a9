"""The global concurrency limits the stages hold (one training per config, one promotion at a time).

On a cluster ``ringrift deploy`` creates the limits; a task only takes a slot. In local mode (no
``PREFECT_API_URL``: Prefect's ephemeral server on ``~/.prefect``) nobody deploys, and Prefect
warned on every run ``Concurrency limits [...] do not exist - skipping acquisition``: here a slot
is a lock file instead (``_file_slot``: it survives no kill -9, unlike an ephemeral server's
lease), so local runs sharing that Prefect home are kept apart as on the cluster, and nothing is
warned about.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

# A slot's lease on the server; its holder renews it well before it ends. A worker killed with
# SIGKILL renews nothing, and the retried run waits until the server takes the slot back: Prefect's
# default of 300 s kept a crash-retried training waiting 5 minutes, 60 s is before the zombie
# automation (orchestration.zombie_seconds, 180 s) has even rescheduled the run.
LEASE_SECONDS = 60.0

_created: set[tuple[str, str]] = set()
_lock = threading.Lock()


def local_mode() -> bool:
    """No Prefect server is configured: the flows run against Prefect's ephemeral server."""
    from prefect.settings import PREFECT_API_URL

    return not PREFECT_API_URL.value()


def ensure_limit(name: str, limit: int = 1) -> None:
    """Create the global concurrency limit ``name`` unless the server has it (kept as it is then)."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    from ops.gateway import prefect_client

    key = (str(PREFECT_API_URL.value() or "ephemeral"), name)
    with _lock:
        if key in _created:
            return
    with prefect_client() as client:
        try:
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit))
            except ObjectAlreadyExists:  # another process created it first
                pass
    with _lock:
        _created.add(key)


@contextlib.contextmanager
def stage_limit(name: str, limit: int = 1) -> Iterator[None]:
    """Hold one slot of ``name``: a Prefect global concurrency slot against a server, a lock file in
    local mode (see ``_file_slot``)."""
    from prefect.concurrency.sync import concurrency

    if local_mode():
        with _file_slot(name, limit):
            yield
        return
    with concurrency(name, occupy=1, strict=False, lease_duration=LEASE_SECONDS):
        yield


@contextlib.contextmanager
def _file_slot(name: str, limit: int) -> Iterator[None]:
    """One of ``limit`` ``fcntl`` lock files under ``$PREFECT_HOME/ringrift-limits``. In local mode a
    Prefect slot's lease lives in the memory of the process's own ephemeral server, so a process
    killed with SIGKILL left its slot taken for good and the rerun waited forever; the kernel
    releases a lock file with its process."""
    import fcntl
    import os
    import time
    from pathlib import Path

    from prefect.settings import PREFECT_HOME

    folder = Path(PREFECT_HOME.value()).expanduser() / "ringrift-limits"
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for i in range(max(1, int(limit))):
            fd = os.open(folder / f"{name}.{i}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        time.sleep(1.0)
