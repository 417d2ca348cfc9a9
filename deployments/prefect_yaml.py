"""``prefect.yaml`` (repo root) rendered from the plan of ``deployments.spec``.

The file is generated (``ringrift deploy --write-prefect-yaml``) and checked in; a test keeps it
in sync with the plan of the default config. It serves ``prefect deploy --all`` for those who
prefer Prefect's own command: the same deployments, with the stage chain as deployment triggers.
``ringrift deploy`` is the complete path (it also creates the pools, queues, concurrency limits
and the crash/zombie automations, which prefect.yaml cannot express). Use one path or the other:
both together would chain every stage twice.
"""

from __future__ import annotations

from pathlib import Path

from .spec import ROOT, WORKDIR_ENV, AutomationSpec, Plan, slug

HEADER = """\
# Prefect deployments of RingRift Forge -- GENERATED from deployments/spec.py by
#   ringrift deploy --write-prefect-yaml
# Do not edit by hand (tests/deployments checks it is in sync with the plan).
#
# Recommended:  ringrift deploy            (pools, queues, limits, deployments, automations)
# Alternative:  ringrift deploy --only pools,queues,limits
#               RINGRIFT_FORGE_DIR=/opt/ringrift-forge prefect deploy --all
#               (the stage chain then comes from the `triggers` below; the crash/zombie automations
#               only from `ringrift deploy --only automations`, which also creates the chain ones:
#               use one path for the chain, not both).
# Workers run flows from the project folder $RINGRIFT_FORGE_DIR (same path on every host).
"""


def _trigger_for(a: AutomationSpec) -> dict:
    t = dict(a.trigger)
    act = a.actions[0]
    out = {"type": "event", "enabled": True, "match": t["match"], "expect": list(t["expect"]),
           "posture": t.get("posture", "Reactive"), "threshold": t.get("threshold", 1),
           "within": t.get("within", 0)}
    if act.get("parameters"):
        out["parameters"] = act["parameters"]
    return out


def render(plan: Plan) -> str:
    import yaml

    triggers: dict[str, list] = {}
    for a in plan.automations:
        for act in a.actions:
            if act.get("type") == "run-deployment":
                triggers.setdefault(act["deployment"], []).append(_trigger_for(a))
    deps = []
    for d in plan.deployments:
        e = {"name": d.name, "entrypoint": d.entrypoint, "description": d.description, "tags": list(d.tags),
             "parameters": dict(d.parameters), "enforce_parameter_schema": True,
             "work_pool": {"name": d.pool, "work_queue_name": d.queue,
                           "job_variables": dict(d.job_variables)}}
        if d.schedules:
            e["schedules"] = [({"interval": s.interval_seconds} if s.interval_seconds else {"cron": s.cron})
                              | {"slug": s.slug, "active": s.active} for s in d.schedules]
        if d.concurrency_limit:
            e["concurrency_limit"] = {"limit": d.concurrency_limit, "collision_strategy": d.collision_strategy}
        if d.full_name in triggers:
            e["triggers"] = triggers[d.full_name]
        deps.append(e)
    doc = {"name": "ringrift-forge", "prefect-version": "3.8.8", "build": None, "push": None,
           "pull": [{"prefect.deployments.steps.set_working_directory":
                     {"directory": "{{ $" + WORKDIR_ENV + " }}"}}],
           "deployments": deps}
    return HEADER + yaml.safe_dump(doc, sort_keys=False, width=110, allow_unicode=True)


def default_path() -> Path:
    return ROOT / "prefect.yaml"


def write(plan: Plan, path: Path | None = None) -> Path:
    p = path or default_path()
    p.write_text(render(plan))
    return p


__all__ = ["default_path", "render", "slug", "write"]
