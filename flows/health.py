"""The ``health`` flow: is the pipeline's plumbing up (config, store, database, Prefect API)?"""

from __future__ import annotations

from prefect import flow

from tasks import artifacts
from tasks.common import configured
from tasks.maintenance import health_checks
from tasks.settings import flow_timeout


@flow(name="health", flow_run_name="health", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("health"))
def health_flow() -> list[dict]:
    """Run the health checks; a table artifact; the run fails when a check fails."""
    rows = configured(health_checks, "health")()
    artifacts.table("health", "pipeline", rows, "Health checks")
    bad = [r for r in rows if not r.get("ok")]
    if bad:
        raise RuntimeError("health: " + "; ".join(f"{r['check']}: {r.get('detail')}" for r in bad))
    return rows
