"""The ``sync`` flow: mirror the champions (and what they reference) into this host's cache."""

from __future__ import annotations

from prefect import flow

from tasks.common import configured
from tasks.maintenance import sync_champions
from tasks.settings import flow_timeout


@flow(name="sync", flow_run_name="sync", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("sync"))
def sync_flow(remote_url: str | None = None) -> dict:
    """One sync of the shared store's champions into ``storage.cache_dir`` (``remote_url``:
    another store to mirror from; default the configured one)."""
    return configured(sync_champions, "sync")(remote_url)
