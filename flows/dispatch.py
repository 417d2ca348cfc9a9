"""Running stages through their deployments (the master loop's ``deployments`` mode).

The coordinator starts flow runs of the deployments (``selfplay/<config>``, ``train/<config>``,
``gauntlet/default``, ``promote/default``, ``sync/default``) on the work pools and waits for them.
It passes explicit run ids, and reads what a stage produced from the database (the source of
truth) rather than from Prefect results, so it needs no access to the workers' result storage.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tasks.common import run_logger


class DispatchError(RuntimeError):
    """A stage's deployment is missing, or its flow run did not complete."""


def missing_deployments(names: Iterable[str]) -> list[str]:
    """The names (``flow/deployment``) the Prefect server does not know."""
    from prefect.exceptions import ObjectNotFound

    from ops.gateway import prefect_client

    out = []
    with prefect_client() as c:
        for n in names:
            try:
                c.read_deployment_by_name(n)
            except ObjectNotFound:
                out.append(n)
    return out


def placement(names: Iterable[str], *, local_allowed: bool) -> dict[str, str]:
    """Where each stage deployment's run should happen: ``"pool"`` (a flow run of the deployment,
    waited for) or ``"here"`` (its flow as a subflow in this process), with the reason.

    A stage runs here when waiting for it could never end: its deployment is on the pool this
    flow run itself occupies (with one worker of limit 1 the child would wait for the parent's
    slot while the parent waits for the child: a deadlock), or its pool has no online worker.
    A coordinator (``local_allowed`` false) always dispatches."""
    from prefect.runtime import flow_run

    from ops.gateway import prefect_client

    names = list(names)
    if not local_allowed:
        return {n: "pool" for n in names}
    out: dict[str, str] = {}
    with prefect_client() as c:
        own = None
        if flow_run.id:
            own = c.read_flow_run(flow_run.id).work_pool_name
        online: dict[str, bool] = {}
        for n in names:
            pool = c.read_deployment_by_name(n).work_pool_name
            if pool and pool not in online:
                online[pool] = any(str(getattr(w.status, "value", w.status)).upper() == "ONLINE"
                                   for w in c.read_workers_for_work_pool(pool))
            if pool is not None and pool == own:
                out[n] = "here"
                run_logger().info("%s: run in this process (its pool %r is the one this run occupies)", n, pool)
            elif pool is not None and not online.get(pool):
                out[n] = "here"
                run_logger().info("%s: run in this process (no online worker in pool %r)", n, pool)
            else:
                out[n] = "pool"
    return out


def start(name: str, parameters: dict, *, tags: Iterable[str] = ()):
    """Create a flow run of deployment ``name`` (linked to the calling flow run) without waiting."""
    from prefect.deployments import run_deployment

    fr = run_deployment(name, parameters=parameters, timeout=0, as_subflow=True, tags=list(tags))
    run_logger().info("started %s: flow run %s (%s)", name, fr.name, fr.id)
    return fr


def wait(flow_runs: list, *, poll: float = 5.0, timeout: float | None = None) -> list:
    """Wait until every flow run is final; returns them re-read (final states)."""
    from ops.gateway import prefect_client

    t0 = time.monotonic()
    pending = {fr.id: fr for fr in flow_runs}
    done: dict = {}
    with prefect_client() as c:
        while pending:
            for fid in list(pending):
                fr = c.read_flow_run(fid)
                if fr.state is not None and fr.state.is_final():
                    done[fid] = fr
                    del pending[fid]
            if pending:
                if timeout is not None and time.monotonic() - t0 > timeout:
                    raise DispatchError(f"{len(pending)} stage runs still not finished after {timeout:.0f} s")
                time.sleep(poll)
    return [done[fr.id] for fr in flow_runs]


def run(name: str, parameters: dict, *, poll: float = 5.0, timeout: float | None = None):
    """Start a flow run of ``name`` and wait for it; a run that does not complete is an error."""
    (fr,) = wait([start(name, parameters)], poll=poll, timeout=timeout)
    check(fr, name)
    return fr


def check(fr, name: str) -> None:
    if fr.state is None or not fr.state.is_completed():
        st = fr.state.name if fr.state else "unknown"
        raise DispatchError(f"{name}: flow run {fr.name} ({fr.id}) ended {st}: "
                            f"{(fr.state.message or '') if fr.state else ''}")
