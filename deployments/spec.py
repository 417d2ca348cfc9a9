"""The desired state of a Prefect server for the pipeline, as plain data (no API calls here).

``build_plan(cfg)`` returns the work pools, their queues (with priorities), the global concurrency
limits, the deployments (with schedules and concurrency options) and the automations that
``ringrift deploy`` (``deployments.apply``) reconciles on a server and ``prefect.yaml`` mirrors.

Deployments (``flow/name``):

==============================  ======  ===========  =============================================
deployment                      pool    queue        notes
==============================  ======  ===========  =============================================
``selfplay/<config>``           cpu     selfplay     engine auto; scheduled for the active profile
``selfplay/<config>-gpu``       gpu     selfplay     engine gumbel (network selfplay), by hand
``export/default``              cpu     training     parameter config_key
``train/<config>``              gpu     training     one at a time per config (enqueue)
``gauntlet/default``            cpu     evaluation   parameters config_key, model_id
``promote/default``             cpu     promotion    one at a time, new ones cancelled
``sync/default``                cpu     maintenance  every ``sync_interval_seconds``
``prune/default``               cpu     maintenance  ``prune_cron``, deletes (dry_run false)
``health/default``              cpu     maintenance  every ``health_interval_seconds``
``analysis/default``            cpu     maintenance  every ``evaluation_interval_seconds``
``master-loop/<profile>``       cpu     maintenance  mode deployments; optional schedule
==============================  ======  ===========  =============================================
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.settings import FLOW_TIMEOUTS_ENV, OrchestrationSettings, orchestration_settings

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
WORKDIR_ENV = "RINGRIFT_FORGE_DIR"
CONTAINER_WORKDIR = "/opt/ringrift-forge"  # where the image has the project (templates/*.json)
TAG = "ringrift"
ALL_CONFIGS = tuple(f"{b}_{n}p" for b in ("square8", "hex8", "square19", "hexagonal") for n in (2, 3, 4))

ENTRYPOINTS = {
    "selfplay": "flows/selfplay.py:selfplay_flow",
    "export": "flows/export.py:export_flow",
    "train": "flows/train.py:train_flow",
    "gauntlet": "flows/gauntlet.py:gauntlet_flow",
    "promote": "flows/promote.py:promote_flow",
    "sync": "flows/sync.py:sync_flow",
    "prune": "flows/prune.py:prune_flow",
    "health": "flows/health.py:health_flow",
    "analysis": "flows/analysis.py:analysis_flow",
    "master-loop": "flows/master_loop.py:master_loop_flow",
}


def slug(config_key: str) -> str:
    return config_key.replace("_", "-")


@dataclass(frozen=True)
class PoolSpec:
    name: str
    type: str
    description: str
    base_job_template: dict


@dataclass(frozen=True)
class QueueSpec:
    pool: str
    name: str
    priority: int
    description: str


@dataclass(frozen=True)
class LimitSpec:
    """A global concurrency limit (``prefect.concurrency.sync.concurrency`` in the tasks)."""

    name: str
    limit: int


@dataclass(frozen=True)
class ScheduleSpec:
    slug: str
    interval_seconds: int | None = None
    cron: str | None = None
    active: bool = True


@dataclass(frozen=True)
class DeploymentSpec:
    flow: str
    name: str
    pool: str
    queue: str
    description: str
    parameters: dict = field(default_factory=dict)
    schedules: tuple[ScheduleSpec, ...] = ()
    concurrency_limit: int | None = None
    collision_strategy: str = "ENQUEUE"  # or CANCEL_NEW
    tags: tuple[str, ...] = (TAG,)
    # job variables of its runs: the flow timeout from orchestration.timeouts (build_plan)
    job_variables: dict = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"

    @property
    def entrypoint(self) -> str:
        return ENTRYPOINTS[self.flow]


@dataclass(frozen=True)
class AutomationSpec:
    """An automation; actions name deployments (``flow/name``), resolved to ids when applied."""

    name: str
    description: str
    trigger: dict  # an EventTrigger as JSON
    actions: tuple[dict, ...]


@dataclass(frozen=True)
class Plan:
    pools: tuple[PoolSpec, ...]
    queues: tuple[QueueSpec, ...]
    limits: tuple[LimitSpec, ...]
    deployments: tuple[DeploymentSpec, ...]
    automations: tuple[AutomationSpec, ...]
    workdir: str  # the project folder of process workers (a host path)
    container_workdir: str = CONTAINER_WORKDIR  # ... and inside the image of kubernetes/docker workers

    def deployment(self, full_name: str) -> DeploymentSpec:
        for d in self.deployments:
            if d.full_name == full_name:
                return d
        raise KeyError(full_name)

    def workdir_of(self, pool: str) -> str:
        kind = next((p.type for p in self.pools if p.name == pool), "process")
        return self.workdir if kind == "process" else self.container_workdir

    def pull_steps(self, pool: str) -> list[dict]:
        return [{"prefect.deployments.steps.set_working_directory": {"directory": self.workdir_of(pool)}}]


# -- work pools ------------------------------------------------------------------------------------

def process_template(workdir: str) -> dict:
    """Prefect's process-worker template with the pipeline's defaults: heartbeats on (the zombie
    automation needs them) and the project folder as the working directory."""
    from prefect.workers.process import ProcessWorker

    t = copy.deepcopy(ProcessWorker.get_default_base_job_template())
    props = t["variables"]["properties"]
    props["env"]["default"] = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
    props["working_dir"]["default"] = workdir
    return t


def job_template(kind: str, workdir: str, gpu: bool, env: dict | None = None) -> dict:
    """The base job template of a pool of worker type ``kind``. ``workdir``: the project folder of
    a process worker's host (container templates keep the image's, CONTAINER_WORKDIR); ``env``:
    extra default environment of every flow run (e.g. RINGRIFT_CONFIG_PATH,
    PREFECT_DEFAULT_RESULT_STORAGE_BLOCK)."""
    t = _job_template(kind, workdir, gpu)
    if env:
        t["variables"]["properties"]["env"]["default"] = {**t["variables"]["properties"]["env"].get("default", {}),
                                                          **env}
    return t


def _job_template(kind: str, workdir: str, gpu: bool) -> dict:
    if kind == "process":
        return process_template(workdir)
    if kind in ("kubernetes", "docker"):
        t = json.loads((TEMPLATES / f"gpu-{kind}.json").read_text())
        if not gpu:  # the same template without the GPU request
            if kind == "kubernetes":
                c = t["job_configuration"]["job_manifest"]["spec"]["template"]["spec"]
                c.pop("tolerations", None)
                res = c["containers"][0]["resources"]
                for part in res.values():
                    part.pop("nvidia.com/gpu", None)
            else:
                t["job_configuration"]["container_create_kwargs"].pop("device_requests", None)
            t["variables"]["properties"].pop("gpu_count", None)
            t["variables"]["properties"]["env"]["default"] = {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}
        return t
    raise ValueError(f"unknown work pool type {kind!r} (process, kubernetes, docker)")


# -- the plan --------------------------------------------------------------------------------------

def default_workdir() -> str:
    return os.environ.get(WORKDIR_ENV) or str(ROOT)


def build_plan(cfg: Any = None, *, profile: str | None = None, workdir: str | None = None,
               cpu_pool_type: str | None = None, gpu_pool_type: str | None = None,
               settings: OrchestrationSettings | None = None, job_env: dict | None = None) -> Plan:
    """The desired server state for ``cfg`` (default: ``load_config()``); ``job_env``: default
    environment of every flow run on the pools."""
    if cfg is None:
        from engine.config import load_config

        cfg = load_config()
    st = settings or orchestration_settings(cfg)
    profile = profile or cfg.loop.profile
    active = set(cfg.loop.configs(profile))
    workdir = workdir or default_workdir()
    cpu, gpu = st.cpu_pool, st.gpu_pool
    cpu_type, gpu_type = cpu_pool_type or st.cpu_pool_type, gpu_pool_type or st.gpu_pool_type

    pools = (
        PoolSpec(cpu, cpu_type, "RingRift CPU work: heuristic selfplay, export, gauntlet and promotion "
                                "bookkeeping, sync, prune, health, the master loop",
                 job_template(cpu_type, workdir, gpu=False, env=job_env)),
        PoolSpec(gpu, gpu_type, "RingRift GPU work: training and network selfplay; one worker per GPU "
                                "(CUDA_VISIBLE_DEVICES=i prefect worker start --pool gpu --limit 1)",
                 job_template(gpu_type, workdir, gpu=True, env=job_env)),
    )
    qdesc = {"promotion": "SPRT promotions (served first)", "evaluation": "gauntlets",
             "training": "exports and trainings", "maintenance": "sync, prune, health, analysis, master loop",
             "selfplay": "selfplay batches (served last)"}
    queues = tuple(QueueSpec(p.name, q, int(pr), qdesc.get(q, q)) for p in pools
                   for q, pr in sorted(st.queue_priorities.items(), key=lambda kv: kv[1]))
    limits = (LimitSpec("ringrift-promotion", 1),) + tuple(LimitSpec(f"ringrift-train-{c}", 1) for c in ALL_CONFIGS)

    thr = int(cfg.loop.train_threshold_games)
    sp_games = int(st.selfplay_games or thr)

    def every(name: str, seconds: int, on: bool = True) -> tuple[ScheduleSpec, ...]:
        return (ScheduleSpec(name, interval_seconds=int(seconds), active=on),) if seconds else ()

    deps: list[DeploymentSpec] = []
    for c in ALL_CONFIGS:
        deps.append(DeploymentSpec(
            "selfplay", slug(c), cpu, "selfplay",
            f"Selfplay of {c} (engine auto: the champion network, the heuristic until there is one); "
            f"emits ringrift.games.committed", {"config_key": c, "engine": "auto", "games": sp_games},
            every("selfplay", st.selfplay_interval_seconds, c in active), tags=(TAG, "selfplay", c)))
        deps.append(DeploymentSpec(
            "selfplay", slug(c) + "-gpu", gpu, "selfplay", f"Network selfplay of {c} on a GPU (Gumbel search)",
            {"config_key": c, "engine": "gumbel", "games": sp_games}, tags=(TAG, "selfplay", c, "gpu")))
        deps.append(DeploymentSpec(
            "train", slug(c), gpu, "training",
            f"Export + training of a {c} candidate when the games since the last training reach the "
            f"threshold ({thr}); one at a time; emits ringrift.candidate.trained", {"config_key": c},
            concurrency_limit=1, collision_strategy="ENQUEUE", tags=(TAG, "train", c, "gpu")))
    deps += [
        DeploymentSpec("export", "default", cpu, "training", "Export a config's window to an NPZ dataset",
                       {"config_key": "square8_2p"}, tags=(TAG, "export")),
        DeploymentSpec("gauntlet", "default", cpu, "evaluation",
                       "A candidate against the ladder; emits ringrift.gauntlet.finished",
                       {"config_key": "square8_2p"}, tags=(TAG, "gauntlet")),
        DeploymentSpec("promote", "default", cpu, "promotion",
                       "SPRT promotion of a candidate; one at a time, a new one while one runs is cancelled",
                       {"config_key": "square8_2p"}, concurrency_limit=1, collision_strategy="CANCEL_NEW",
                       tags=(TAG, "promote")),
        DeploymentSpec("sync", "default", cpu, "maintenance", "Mirror the champions into this host's cache",
                       {}, every("sync", st.sync_interval_seconds), tags=(TAG, "sync")),
        DeploymentSpec("prune", "default", cpu, "maintenance", "Delete unreferenced artifacts (after a grace period)",
                       {"dry_run": False},
                       (ScheduleSpec("prune", cron=st.prune_cron),) if st.prune_cron else (), tags=(TAG, "prune")),
        DeploymentSpec("health", "default", cpu, "maintenance", "Health checks of config, store, database, API",
                       {}, every("health", st.health_interval_seconds), tags=(TAG, "health")),
        DeploymentSpec("analysis", "default", cpu, "maintenance", "Status and ratings table per config",
                       {"profile": profile}, every("analysis", st.evaluation_interval_seconds), tags=(TAG, "analysis")),
    ]
    for p in cfg.loop.profiles:
        deps.append(DeploymentSpec(
            "master-loop", p, cpu, "maintenance",
            f"One generation of the {p} profile, every stage dispatched to its deployment",
            {"profile": p, "mode": "deployments"},
            every("master-loop", st.master_loop_interval_seconds, p == profile), concurrency_limit=1,
            collision_strategy="CANCEL_NEW", tags=(TAG, "master-loop")))

    deps = [dataclasses.replace(d, job_variables=flow_job_variables(d.flow, st)) for d in deps]
    autos = list(chain_automations(ALL_CONFIGS, st)) + list(crash_automations(st))
    return Plan(pools, queues, limits, tuple(deps), tuple(autos), workdir)


def flow_job_variables(flow: str, st: OrchestrationSettings) -> dict:
    """The job variables that give a deployment's runs their flow timeout from the config's table:
    the worker builds the flow from its decorator, which reads them (``tasks.settings.flow_timeout``)."""
    return {"env": {FLOW_TIMEOUTS_ENV: json.dumps({flow: st.flow_timeout(flow)})}}


def chain_automations(configs, st: OrchestrationSettings):
    """games committed (threshold reached) -> train/<config>; candidate trained -> gauntlet;
    gauntlet finished -> promote. Only events with ``ringrift.chain: auto`` start a stage."""
    for c in sorted(configs):
        yield AutomationSpec(
            f"ringrift-train-on-threshold-{slug(c)}",
            f"Start train/{slug(c)} when a selfplay run of {c} reached the training threshold",
            {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
             "expect": ["ringrift.games.committed"],
             "match": {"prefect.resource.id": f"ringrift.config.{c}", "ringrift.threshold": "reached",
                       "ringrift.chain": "auto"}},
            ({"type": "run-deployment", "deployment": f"train/{slug(c)}",
              "parameters": {"config_key": c}},))
    yield AutomationSpec(
        "ringrift-gauntlet-on-candidate", "Start gauntlet/default for every newly trained candidate",
        {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
         "expect": ["ringrift.candidate.trained"],
         "match": {"prefect.resource.id": "ringrift.model.*", "ringrift.chain": "auto"}},
        ({"type": "run-deployment", "deployment": "gauntlet/default",
          "parameters": {"config_key": "{{ event.resource['ringrift.config'] }}",
                         "model_id": "{{ event.payload.model_id }}"}},))
    yield AutomationSpec(
        "ringrift-promote-on-gauntlet", "Start promote/default when a candidate's gauntlet finished",
        {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
         "expect": ["ringrift.gauntlet.finished"],
         "match": {"prefect.resource.id": "ringrift.model.*", "ringrift.chain": "auto"}},
        ({"type": "run-deployment", "deployment": "promote/default",
          "parameters": {"config_key": "{{ event.resource['ringrift.config'] }}",
                         "model_id": "{{ event.payload.model_id }}"}},))


CRASH_RETRY_MARK = "[ringrift crash retry]"


def crash_automations(st: OrchestrationSettings):
    """A running pipeline flow run without a heartbeat for ``zombie_seconds`` is marked Crashed;
    a crashed pipeline flow run is rescheduled (its finished tasks come from the cache). The
    flows stop a run rescheduled more than ``crash_retries`` times (``flows._common``)."""
    tag = {"prefect.resource.role": "tag", "prefect.resource.id": f"prefect.tag.{TAG}"}
    final = ["prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
             "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"]
    yield AutomationSpec(
        "ringrift-zombie-runs",
        f"Mark a ringrift flow run Crashed when no heartbeat came for {st.zombie_seconds} s (a dead worker)",
        {"type": "event", "posture": "Proactive", "threshold": 1, "within": int(st.zombie_seconds),
         "after": ["prefect.flow-run.heartbeat"], "expect": final, "for_each": ["prefect.resource.id"],
         "match": {"prefect.resource.id": "prefect.flow-run.*"}, "match_related": tag},
        ({"type": "change-flow-run-state", "state": "CRASHED",
          "message": f"no heartbeat for {st.zombie_seconds} s: marked crashed (zombie run)"},))
    yield AutomationSpec(
        "ringrift-retry-crashed",
        f"Reschedule a crashed ringrift flow run (at most {st.crash_retries} times; finished tasks are cached)",
        {"type": "event", "posture": "Reactive", "threshold": 1, "within": 0,
         "expect": ["prefect.flow-run.Crashed"], "match": {"prefect.resource.id": "prefect.flow-run.*"},
         "match_related": tag},
        ({"type": "change-flow-run-state", "state": "SCHEDULED", "name": "AwaitingRetry",
          "message": f"{CRASH_RETRY_MARK} rescheduled after a crash"},))
