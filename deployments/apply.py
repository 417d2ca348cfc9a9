"""``ringrift deploy``: reconcile a Prefect server with the plan of ``deployments.spec``.

Idempotent: every object is read first and written only when it is missing or differs from the
plan, so a second run reports every object ``unchanged`` and writes nothing. What the plan does
not manage is left alone (a paused deployment stays paused, extra queues stay, a work pool whose
type differs is reported and not touched: a pool's type cannot change).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .spec import AutomationSpec, DeploymentSpec, Plan


@dataclass(frozen=True)
class Change:
    kind: str  # pool, queue, limit, deployment, automation
    name: str
    action: str  # created, updated, unchanged, conflict
    detail: str = ""


@dataclass(frozen=True)
class ApplyReport:
    changes: tuple[Change, ...]

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def changed(self) -> bool:
        return any(c.action in ("created", "updated") for c in self.changes)

    def format(self, verbose: bool = False) -> str:
        lines = []
        for c in self.changes:
            if verbose or c.action != "unchanged":
                lines.append(f"{c.action:<9} {c.kind:<10} {c.name}" + (f"  ({c.detail})" if c.detail else ""))
        kinds = sorted({c.kind for c in self.changes})
        lines.append("; ".join(f"{k}: " + ", ".join(f"{n} {a}" for a in ("created", "updated", "unchanged", "conflict")
                                                    if (n := sum(1 for c in self.changes
                                                                 if c.kind == k and c.action == a)))
                               for k in kinds))
        return "\n".join(lines)


def _strip(obj: Any) -> Any:
    """JSON-normal form without server-generated keys (ids), for comparisons."""
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in sorted(obj.items()) if k not in ("id",)}
    if isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, str) for v in obj):
            # lists of plain strings are sets in Prefect's schemas (event names, resource ids,
            # tags, for_each): client and server serialise them in their own hash order
            return sorted(obj)
        return [_strip(v) for v in obj]
    return obj


def _dump(v: Any) -> Any:
    """A pydantic model (or a list of them) as JSON data; anything else as it is."""
    if hasattr(v, "model_dump"):
        return v.model_dump(mode="json")
    if isinstance(v, list):
        return [x.model_dump(mode="json") if hasattr(x, "model_dump") else x for x in v]
    return v


def _json(obj: Any) -> Any:
    return json.loads(json.dumps(obj, default=str))


def _diff(want: dict, have: dict) -> list[str]:
    return [k for k in want if _strip(_json(want[k])) != _strip(_json(have.get(k)))]


# -- schedules, concurrency, automations as Prefect objects ---------------------------------------

def _schedule_objects(d: DeploymentSpec):
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    out = []
    for s in d.schedules:
        sched = IntervalSchedule(interval=timedelta(seconds=s.interval_seconds)) if s.interval_seconds \
            else CronSchedule(cron=s.cron)
        out.append(DeploymentScheduleCreate(schedule=sched, active=s.active, slug=s.slug))
    return out


def _schedule_key(slug: str | None, schedule: Any, active: bool) -> tuple:
    sj = schedule.model_dump(mode="json") if hasattr(schedule, "model_dump") else dict(schedule)
    if "interval" in sj:
        iv = sj["interval"]
        secs = iv if isinstance(iv, (int, float)) else timedelta_seconds(iv)
        return (slug, "interval", float(secs), bool(active))
    return (slug, "cron", sj.get("cron"), sj.get("timezone") or "UTC", bool(active))


def timedelta_seconds(v: Any) -> float:
    if isinstance(v, timedelta):
        return v.total_seconds()
    if isinstance(v, str):  # ISO 8601 duration from pydantic's JSON, e.g. "PT300S"
        from pydantic import TypeAdapter

        return TypeAdapter(timedelta).validate_python(v).total_seconds()
    return float(v)


def automation_core(a: AutomationSpec, deployment_ids: dict[str, Any]):
    """The ``AutomationCore`` of a spec, deployment names resolved to ids."""
    from prefect.events.actions import ActionTypes
    from prefect.events.schemas.automations import AutomationCore, TriggerTypes
    from pydantic import TypeAdapter

    trig = dict(a.trigger)
    trig["within"] = timedelta(seconds=int(trig.get("within", 0)))
    trigger = TypeAdapter(TriggerTypes).validate_python(trig)
    actions = []
    for act in a.actions:
        act = dict(act)
        if "deployment" in act:
            name = act.pop("deployment")
            act.update(source="selected", deployment_id=deployment_ids[name])
        actions.append(TypeAdapter(ActionTypes).validate_python(act))
    return AutomationCore(name=a.name, description=a.description, enabled=True, trigger=trigger, actions=actions,
                          tags=["ringrift"])


# -- apply ------------------------------------------------------------------------------------------

def apply_plan(plan: Plan, *, dry_run: bool = False) -> ApplyReport:
    """Reconcile the server at ``PREFECT_API_URL`` (or the ephemeral one) with ``plan``."""
    return asyncio.run(_apply(plan, dry_run))


async def _apply(plan: Plan, dry_run: bool) -> ApplyReport:
    from ops.gateway import async_prefect_client

    changes: list[Change] = []
    async with async_prefect_client() as client:
        await client.api_healthcheck()
        for p in plan.pools:
            changes.append(await _pool(client, p, dry_run))
        for q in plan.queues:
            changes.append(await _queue(client, q, dry_run))
        for lim in plan.limits:
            changes.append(await _limit(client, lim, dry_run))
        ids: dict[str, Any] = {}
        flow_ids: dict[str, Any] = {}
        for d in plan.deployments:
            ch, did = await _deployment(client, d, plan, flow_ids, dry_run)
            changes.append(ch)
            ids[d.full_name] = did
        for a in plan.automations:
            changes.append(await _automation(client, a, ids, dry_run))
    return ApplyReport(tuple(changes))


async def _pool(client, p, dry_run: bool) -> Change:
    from prefect.client.schemas.actions import WorkPoolCreate, WorkPoolUpdate
    from prefect.exceptions import ObjectNotFound

    try:
        have = await client.read_work_pool(p.name)
    except ObjectNotFound:
        if not dry_run:
            await client.create_work_pool(WorkPoolCreate(name=p.name, type=p.type, description=p.description,
                                                         base_job_template=p.base_job_template))
        return Change("pool", p.name, "created", p.type)
    if have.type != p.type:
        return Change("pool", p.name, "conflict", f"server has type {have.type!r}, plan {p.type!r}: not changed "
                                                  "(delete the pool to change its type)")
    diff = _diff({"description": p.description, "base_job_template": p.base_job_template},
                 {"description": have.description, "base_job_template": have.base_job_template})
    if not diff:
        return Change("pool", p.name, "unchanged")
    if not dry_run:
        await client.update_work_pool(p.name, WorkPoolUpdate(description=p.description,
                                                             base_job_template=p.base_job_template))
    return Change("pool", p.name, "updated", ", ".join(diff))


async def _queue(client, q, dry_run: bool) -> Change:
    from prefect.exceptions import ObjectNotFound

    name = f"{q.pool}/{q.name}"
    try:
        have = await client.read_work_queue_by_name(q.name, work_pool_name=q.pool)
    except ObjectNotFound:
        if not dry_run:
            await client.create_work_queue(q.name, description=q.description, priority=q.priority,
                                           work_pool_name=q.pool)
        return Change("queue", name, "created", f"priority {q.priority}")
    diff = _diff({"priority": q.priority, "description": q.description},
                 {"priority": have.priority, "description": have.description})
    if not diff:
        return Change("queue", name, "unchanged")
    if not dry_run:
        await client.update_work_queue(have.id, priority=q.priority, description=q.description)
    return Change("queue", name, "updated", ", ".join(diff))


async def _limit(client, lim, dry_run: bool) -> Change:
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    try:
        have = await client.read_global_concurrency_limit_by_name(lim.name)
    except ObjectNotFound:
        if not dry_run:
            await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=lim.name, limit=lim.limit))
        return Change("limit", lim.name, "created", f"limit {lim.limit}")
    if have.limit == lim.limit and have.active:
        return Change("limit", lim.name, "unchanged")
    if not dry_run:
        await client.update_global_concurrency_limit(lim.name, GlobalConcurrencyLimitUpdate(limit=lim.limit,
                                                                                            active=True))
    return Change("limit", lim.name, "updated", f"limit {have.limit} -> {lim.limit}")


def _flow_schema(flow_name: str) -> dict:
    from prefect.utilities.callables import parameter_schema

    from flows import load_flow

    return parameter_schema(load_flow(flow_name)).model_dump(exclude_unset=True)


async def _deployment(client, d: DeploymentSpec, plan: Plan, flow_ids: dict, dry_run: bool):
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions
    from prefect.exceptions import ObjectNotFound

    schema = _flow_schema(d.flow)
    want = {"entrypoint": d.entrypoint, "work_pool_name": d.pool, "work_queue_name": d.queue,
            "description": d.description, "parameters": d.parameters, "tags": sorted(d.tags),
            "pull_steps": plan.pull_steps(d.pool), "parameter_openapi_schema": schema,
            "enforce_parameter_schema": True, "job_variables": d.job_variables,
            "concurrency_limit": d.concurrency_limit,
            "collision_strategy": d.collision_strategy if d.concurrency_limit else None,
            "schedules": sorted(_schedule_key(s.slug, s.schedule, s.active) for s in _schedule_objects(d))}
    try:
        have = await client.read_deployment_by_name(d.full_name)
    except ObjectNotFound:
        have = None
    if have is not None:
        gcl = have.global_concurrency_limit
        got = {"entrypoint": have.entrypoint, "work_pool_name": have.work_pool_name,
               "work_queue_name": have.work_queue_name, "description": have.description,
               "parameters": have.parameters, "tags": sorted(have.tags), "pull_steps": have.pull_steps,
               "parameter_openapi_schema": have.parameter_openapi_schema,
               "enforce_parameter_schema": have.enforce_parameter_schema, "job_variables": have.job_variables or {},
               "concurrency_limit": gcl.limit if gcl is not None else None,
               "collision_strategy": (have.concurrency_options.collision_strategy.value
                                      if have.concurrency_options and gcl is not None else None),
               "schedules": sorted(_schedule_key(s.slug, s.schedule, s.active) for s in have.schedules)}
        diff = _diff(want, got)
        if not diff:
            return Change("deployment", d.full_name, "unchanged"), have.id
    if dry_run:
        return Change("deployment", d.full_name, "created" if have is None else "updated",
                      "" if have is None else ", ".join(diff)), None
    if d.flow not in flow_ids:
        flow_ids[d.flow] = await client.create_flow_from_name(d.flow)
    opts = ConcurrencyOptions(collision_strategy=ConcurrencyLimitStrategy(d.collision_strategy)) \
        if d.concurrency_limit else None
    did = await client.create_deployment(
        flow_ids[d.flow], d.name, entrypoint=d.entrypoint, work_pool_name=d.pool, work_queue_name=d.queue,
        description=d.description, parameters=d.parameters, tags=list(d.tags), pull_steps=plan.pull_steps(d.pool),
        parameter_openapi_schema=schema, enforce_parameter_schema=True, job_variables=d.job_variables,
        schedules=_schedule_objects(d),
        concurrency_limit=d.concurrency_limit, concurrency_options=opts,
        paused=None if have is not None else False)
    return Change("deployment", d.full_name, "created" if have is None else "updated",
                  "" if have is None else ", ".join(diff)), did


async def _automation(client, a: AutomationSpec, ids: dict, dry_run: bool) -> Change:
    if any(ids.get(act.get("deployment")) is None for act in a.actions if "deployment" in act):
        if not dry_run:
            raise RuntimeError(f"automation {a.name}: a deployment it starts is missing")
        # a dry run creates no deployment, so there are no ids to compare actions with: the
        # automation is "created" when the server has none of that name, else "updated"
        existing = await client.read_automations_by_name(a.name)
        return Change("automation", a.name, "updated" if existing else "created",
                      "after its deployments are created")
    core = automation_core(a, ids)
    existing = await client.read_automations_by_name(a.name)
    if not existing:
        if not dry_run:
            await client.create_automation(core)
        return Change("automation", a.name, "created")
    have = existing[0]
    fields = ("description", "enabled", "trigger", "actions", "actions_on_trigger", "actions_on_resolve", "tags")
    diff = _diff({k: _dump(getattr(core, k)) for k in fields}, {k: _dump(getattr(have, k)) for k in fields})
    if not diff and len(existing) == 1:
        return Change("automation", a.name, "unchanged")
    if not dry_run:
        await client.update_automation(have.id, core)
        for extra in existing[1:]:  # duplicates by name (created by hand): keep one
            await client.delete_automation(extra.id)
    return Change("automation", a.name, "updated", ", ".join(diff) or "duplicates removed")
