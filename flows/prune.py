"""The ``prune`` flow: delete what no pointer, recent dataset or recent candidate references."""

from __future__ import annotations

from prefect import flow

from tasks import artifacts
from tasks.common import configured
from tasks.maintenance import prune_store
from tasks.settings import flow_timeout


@flow(name="prune", flow_run_name="prune", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("prune"))
def prune_flow(dry_run: bool = True, grace_seconds: float | None = None) -> dict:
    """Prune the store (``dry_run``: only list what would go; the scheduled deployment deletes)."""
    rep = configured(prune_store, "prune")(dry_run, grace_seconds)
    artifacts.table("prune", "store", [rep | {"missing_manifests": len(rep["missing_manifests"])}],
                    "Prune of the artifact store" + (" (dry run)" if dry_run else ""))
    return rep
