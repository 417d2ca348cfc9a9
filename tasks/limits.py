"""The global concurrency limits the stages hold (one training per config, one promotion at a time).

On a cluster ``ringrift deploy`` creates the limits; a task only takes a slot. In local mode (no
``PREFECT_API_URL``: Prefect's ephemeral server on ``~/.prefect``) nobody deploys, and Prefect
warned on every run ``Concurrency limits [...] do not exist - skipping acquisition``: here the
limit is created on first use (1 slot, idempotent, safe against a concurrent creator), so local
runs sharing that database are kept apart as on the cluster, and nothing is warned about.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

_created: set[tuple[str, str]] = set()
_lock = threading.Lock()


def local_mode() -> bool:
    """No Prefect server is configured: the flows run against Prefect's ephemeral server."""
    from prefect.settings import PREFECT_API_URL

    return not PREFECT_API_URL.value()


def ensure_limit(name: str, limit: int = 1) -> None:
    """Create the global concurrency limit ``name`` unless the server has it (kept as it is then)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    key = (str(PREFECT_API_URL.value() or "ephemeral"), name)
    with _lock:
        if key in _created:
            return
    with get_client(sync_client=True) as client:
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
    """Hold one slot of ``name`` (created first in local mode, see the module doc)."""
    from prefect.concurrency.sync import concurrency

    if local_mode():
        ensure_limit(name, limit)
    with concurrency(name, occupy=1, strict=False):
        yield
