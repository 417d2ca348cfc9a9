"""The ``master-loop`` flow: one generation for every config of a profile.

    selfplay (allocated by need) -> sync -> export -> train -> gauntlet -> promotion

The profile (``loop.profile``: minimal / standard / full) decides the configs
(``loop.profiles``) and the stages (``orchestration.profile_stages``). Three ways to run a stage:

* ``inprocess`` (default on a host that runs work): each stage is a subflow of this flow run,
  its tasks cached and retried;
* ``legacy`` (``RINGRIFT_UNIFIED_LOOP_LEGACY=1``): the whole generation as one flow run whose
  stages are plain tasks of it (no subflows, no deployments) — the simple single-machine mode;
* ``deployments`` (default on a coordinator, ``RINGRIFT_DISABLE_LOCAL_TASKS=1``): each stage is a
  flow run of its deployment on the work pools (``ringrift deploy`` creates them).

The allocation rule is in ``flows.allocation``. Stages after selfplay run for a config only when
its games since the last training reach ``loop.train_threshold_games`` (or ``force_train``).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from prefect import flow
from prefect.runtime import flow_run

from engine.loop import (
    GenerationResult,
    StageSkipped,
    champion,
    dataset_result,
    gauntlet_result,
    promotion_result,
    selfplay_result,
    training_result,
)
from engine.loop.identity import generation_seed
from engine.loop.recover import pending_dataset, reconcile_batches
from engine.redact import redact_exception
from tasks import artifacts
from tasks.common import (
    DISABLE_LOCAL_ENV,
    LEGACY_ENV,
    configured,
    env_flag,
    forge_context,
    local_tasks_disabled,
    run_logger,
)
from tasks.maintenance import loop_snapshot, sync_champions
from tasks.settings import STAGES, flow_timeout, orchestration_settings

from . import dispatch
from ._common import check_config_key, current_flow_run_id, deployment_slug, forge_config, guard_crash_retries, run_seed
from .allocation import allocate_selfplay, format_allocation
from .analysis import analysis_flow
from .export import export_flow, export_stage
from .gauntlet import gauntlet_flow, gauntlet_stage
from .promote import promote_flow, promote_stage
from .selfplay import selfplay_flow, selfplay_plan, selfplay_stage
from .sync import sync_flow
from .train import train_flow, train_stage

MODES = ("auto", "inprocess", "legacy", "deployments")


def resolve_mode(mode: str = "auto") -> str:
    """``auto`` -> legacy when ``RINGRIFT_UNIFIED_LOOP_LEGACY`` is set, deployments on a
    coordinator (``RINGRIFT_DISABLE_LOCAL_TASKS``), else inprocess."""
    if mode not in MODES:
        raise ValueError(f"unknown master-loop mode {mode!r} ({', '.join(MODES)})")
    if env_flag(LEGACY_ENV) and mode in ("auto", "legacy"):
        mode = "legacy"
    elif mode == "auto":
        mode = "deployments" if local_tasks_disabled() else "inprocess"
    if mode in ("inprocess", "legacy") and local_tasks_disabled():
        raise ValueError(f"{DISABLE_LOCAL_ENV} is set (coordinator): this host runs no stage itself; "
                         "use mode deployments")
    return mode


def plan(profile: str | None = None, configs: list[str] | None = None, stages: list[str] | None = None,
         cfg=None) -> tuple[str, list[str], list[str]]:
    """The profile, its configs and its stages (explicit lists win)."""
    cfg = cfg or forge_config()
    profile = profile or cfg.loop.profile
    cks = [check_config_key(c) for c in (configs or cfg.loop.configs(profile))]
    sts = list(stages or orchestration_settings(cfg).stages(profile))
    bad = [s for s in sts if s not in STAGES]
    if bad:
        raise ValueError(f"unknown stage {bad[0]!r} (stages: {', '.join(STAGES)})")
    return profile, cks, [s for s in STAGES if s in sts]


def _rid(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:16]


def _run_name() -> str:
    p = flow_run.parameters or {}
    return f"master-loop-{p.get('profile') or forge_config().loop.profile}"


@flow(name="master-loop", flow_run_name=_run_name, persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("master-loop"))
def master_loop_flow(profile: str | None = None, games: int | None = None, configs: list[str] | None = None,
                     stages: list[str] | None = None, mode: str = "auto", seed: int | None = None,
                     force_train: bool = False) -> dict:
    """One generation for each config of ``profile`` (default ``loop.profile``). ``games``: the
    selfplay budget of the generation across configs (default: each config gets what it lacks to
    reach the training threshold); ``configs`` / ``stages`` override the profile's; ``mode``:
    auto, inprocess, legacy, deployments (module docstring)."""
    cfg = forge_config()
    log = run_logger()
    guard_crash_retries()
    mode = resolve_mode(mode)
    profile, cks, sts = plan(profile, configs, stages, cfg)
    st = orchestration_settings(cfg)
    thr = int(cfg.loop.train_threshold_games)
    me = current_flow_run_id() or "local"
    log.info("master loop, profile %s, mode %s: configs %s, stages %s", profile, mode, ", ".join(cks), " -> ".join(sts))
    if mode == "deployments":
        names = [f"selfplay/{deployment_slug(c)}" for c in cks if "selfplay" in sts]
        names += [f"train/{deployment_slug(c)}" for c in cks if "train" in sts]
        names += [n for s, n in (("gauntlet", "gauntlet/default"), ("promotion", "promote/default"),
                                 ("sync", "sync/default")) if s in sts]
        names += ["export/default"] if "export" in sts and "train" not in sts else []
        missing = dispatch.missing_deployments(names)
        if missing:
            raise dispatch.DispatchError(f"deployments missing on the Prefect server: {', '.join(missing)} "
                                         "(run `ringrift deploy`)")
        # stages whose pool is this run's own (or has no worker) run here: waiting could deadlock
        where = dispatch.placement(names, local_allowed=not local_tasks_disabled())
    else:
        where = {}

    # what each config's stages gave (the same dataclasses in every mode), and notes for the summary
    gens = {c: GenerationResult(c, (), None, None, None, None) for c in cks}
    notes: dict[str, dict[str, str]] = {c: {} for c in cks}
    pending: dict[str, str] = {}
    if mode != "deployments":  # a rerun after a crash continues the generation where it stopped
        pending = _resume_state(cks, cfg, log)
    # -- selfplay, allocated by need
    if "selfplay" in sts and [c for c in cks if c not in pending]:
        statuses = loop_snapshot([c for c in cks if c not in pending])
        if games is None and mode != "deployments":
            # enough fresh games already (a rerun after the generation's selfplay ended): go on to training
            statuses = [x for x in statuses if x.games_since_training < thr]
        allocs = allocate_selfplay(statuses, threshold=thr, batch_games=int(cfg.selfplay.games_per_batch),
                                   budget_games=games, bootstrap_weight=st.bootstrap_weight,
                                   improving_weight=st.improving_weight, steady_weight=st.steady_weight)
        text = format_allocation(allocs)
        log.info("selfplay allocation:\n%s", text)
        artifacts.markdown("allocation", profile, "# Selfplay allocation\n\n```\n" + text + "\n```\n\n"
                           "Rule: docs/PIPELINE.md, \"Selfplay allocation\".", f"Selfplay allocation ({profile})")
        if mode == "deployments":
            params = {a.config_key: {"config_key": a.config_key, "games": a.games,
                                     "seed": run_seed(seed, "selfplay", a.config_key), "chain": False}
                      for a in allocs}
            # the batches each run will publish (the plan its flow makes), read back when it has ended
            plans = {ck: selfplay_plan(ck, p["games"], seed=p["seed"], cfg=cfg) for ck, p in params.items()}
            remote = [a for a in allocs if where.get(f"selfplay/{deployment_slug(a.config_key)}") != "here"]
            runs = [dispatch.start(f"selfplay/{deployment_slug(a.config_key)}", params[a.config_key])
                    for a in remote]
            for a in allocs:
                if a not in remote:
                    _stage(f"selfplay/{deployment_slug(a.config_key)}", params[a.config_key], where)
            for a, fr in zip(remote, dispatch.wait(runs)):
                dispatch.check(fr, f"selfplay/{deployment_slug(a.config_key)}")
            for a in allocs:
                gens[a.config_key] = replace(gens[a.config_key],
                                             selfplay=_published_batches(a.config_key, plans[a.config_key], cfg, log))
        else:
            for a in allocs:
                fn = selfplay_stage if mode == "legacy" else selfplay_flow
                r = fn(config_key=a.config_key, games=a.games, seed=_generation_seed(seed, a.config_key, cfg),
                       chain=False, resume=True)
                gens[a.config_key] = replace(gens[a.config_key], selfplay=r.batches)
    # -- sync
    if "sync" in sts:
        if mode == "deployments":
            _stage("sync/default", {}, where)
        elif mode == "legacy":
            configured(sync_champions, "sync", cfg)()
        else:
            sync_flow()
    # -- per config: export -> train -> gauntlet -> promotion
    later = [s for s in ("export", "train", "gauntlet", "promotion") if s in sts]
    if later:
        after = {s.config_key: s for s in loop_snapshot(cks)}
        for ck in cks:
            since = after[ck].games_since_training
            if ck in pending:
                notes[ck]["resumed"] = f"dataset {pending[ck][:12]} (the generation stopped after its export)"
            elif since < thr and not force_train:
                gens[ck] = replace(gens[ck], stopped=f"{since} games since the last training < threshold {thr}")
                log.info("%s: %s", ck, gens[ck].stopped)
                continue
            try:
                _later_stages(gens, ck, later, mode, me, cfg, pending.get(ck), where)
            except Exception as e:  # noqa: BLE001 - one config's failure must not stop the others
                notes[ck]["failed"] = f"{type(e).__name__}: {redact_exception(e)}"
                log.error("%s: generation failed: %s", ck, notes[ck]["failed"])
    if "analysis" in sts:
        if mode == "legacy":
            artifacts.status_table(loop_snapshot(cks), key=profile)
        else:
            analysis_flow(profile=profile)
    rows = [summary_row(gens[c], notes[c]) for c in cks]
    artifacts.table("generation", profile, [{k: (str(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()}
                                            for r in rows], f"One generation, profile {profile}")
    failed = [r for r in rows if "failed" in r]
    if failed:  # the run fails (a retry resumes: finished stages come from the cache)
        raise RuntimeError(f"{len(failed)} of {len(rows)} configs failed: "
                           + "; ".join(f"{r['config_key']}: {r['failed']}" for r in failed))
    return {"profile": profile, "mode": mode, "stages": sts, "configs": rows}


def _resume_state(cks: list[str], cfg, log) -> dict[str, str]:
    """Before a generation: ingest batches published but not ingested (a crash between the two),
    and find the configs whose last generation stopped after its export (-> their dataset)."""
    ctx = forge_context(cfg)
    out = {}
    for ck in cks:
        n = reconcile_batches(ctx, ck)
        if n:
            log.warning("%s: %d published selfplay batches were not in the database (a crash): ingested", ck, n)
        did = pending_dataset(ctx, ck)
        if did is not None:
            log.warning("%s: the last generation stopped after exporting dataset %s: continuing it", ck, did[:12])
            out[ck] = did
    return out


def _generation_seed(seed: int | None, ck: str, cfg) -> int:
    """The selfplay seed: the given one, else one fixed by the config and its champion, so a rerun
    after a crash continues the same batches (``resume``) instead of playing new ones."""
    if seed is not None:
        return int(seed)
    ch = champion(forge_context(cfg), ck)
    return generation_seed(ck, ch[0] if ch else None)


def _stage(name: str, parameters: dict, where: dict[str, str]):
    """A stage of the deployments mode: its flow as a subflow here when ``where`` says so
    (``dispatch.placement``), else a flow run of its deployment, waited for."""
    if where.get(name) == "here":
        from flows import load_flow  # absolute: a worker loads this file by its path

        return load_flow(name.split("/")[0])(**parameters)
    return dispatch.run(name, parameters)


def _published_batches(ck: str, plan: list[tuple[int, int, str]], cfg, log) -> tuple:
    """The ``SelfplayResult``s of a deployment's selfplay run, read back from the store by the batch
    ids of its plan (a batch not found is logged: the worker's selfplay config differs from this one's)."""
    ctx = forge_context(cfg)
    found = [(bid, selfplay_result(ctx, ck, bid)) for _, _, bid in plan]
    missing = [bid for bid, r in found if r is None]
    if missing:
        log.warning("%s: %d of %d planned selfplay batches are not in the store (first %s): does the worker's "
                    "selfplay config differ from this host's?", ck, len(missing), len(plan), missing[0][:12])
    return tuple(r for _, r in found if r is not None)


def _later_stages(gens: dict[str, GenerationResult], ck: str, later: list[str], mode: str, me: str, cfg,
                  pending: str | None = None, where: dict[str, str] | None = None) -> None:
    """export -> train -> gauntlet -> promotion of one config; ``gens[ck]`` gets what each stage
    gave as soon as it gives it (a later stage's failure keeps the earlier ones in the summary)."""
    def keep(**stages) -> GenerationResult:
        gens[ck] = replace(gens[ck], **stages)
        return gens[ck]

    if mode == "deployments":
        _later_stages_deployed(keep, ck, later, me, cfg, where or {})
        return
    legacy = mode == "legacy"
    if pending is not None:
        keep(export=dataset_result(forge_context(cfg), pending))
    elif "export" in later or "train" in later:
        ex = keep(export=export_stage(ck, cfg) if legacy else export_flow(config_key=ck)).export
        if not ex.ok:
            keep(stopped=f"export refused by the data-quality gates: {ex.reason}")
            run_logger().warning("%s: %s", ck, gens[ck].stopped)
            return
    if "train" in later:
        tr = (train_stage if legacy else train_flow)(config_key=ck, dataset_id=gens[ck].export.dataset_id,
                                                     chain=False)
        if isinstance(tr, StageSkipped):
            keep(stopped=tr.reason)
            return
        keep(training=tr)
    model_id = gens[ck].training.model_id if gens[ck].training is not None else None
    if model_id and "gauntlet" in later:
        keep(gauntlet=(gauntlet_stage if legacy else gauntlet_flow)(config_key=ck, model_id=model_id, chain=False))
    if model_id and "promotion" in later:
        keep(promotion=(promote_stage if legacy else promote_flow)(config_key=ck, model_id=model_id))


def _later_stages_deployed(keep, ck: str, later: list[str], me: str, cfg, where: dict[str, str]) -> None:
    """The later stages as flow runs of their deployments, given explicit run ids; each result is
    read back from the database by its id (the workers' Prefect results may be out of reach)."""
    ctx = forge_context(cfg)
    model_id = None
    if "train" in later:
        trid = _rid(me, ck, "train")
        _stage(f"train/{deployment_slug(ck)}", {"config_key": ck, "run_id": trid, "force": True, "chain": False},
               where)
        tr = training_result(ctx, trid)
        if tr is None:
            keep(stopped="no candidate trained (export refused or below threshold; see the train run)")
            return
        keep(export=dataset_result(ctx, tr.dataset_id) if tr.dataset_id else None, training=tr)
        model_id = tr.model_id
    elif "export" in later:
        _stage("export/default", {"config_key": ck}, where)  # its dataset has no id given here to read it back by
    if model_id and "gauntlet" in later:
        gid = _rid(me, ck, "gauntlet")
        _stage("gauntlet/default", {"config_key": ck, "model_id": model_id, "run_id": gid, "chain": False}, where)
        keep(gauntlet=gauntlet_result(ctx, ck, model_id, gid))
    if model_id and "promotion" in later:
        prid = _rid(me, ck, "promotion")
        _stage("promote/default", {"config_key": ck, "model_id": model_id, "run_id": prid}, where)
        keep(promotion=promotion_result(ctx, prid))


def summary_row(gen: GenerationResult, notes: dict[str, str] | None = None) -> dict:
    """A config's generation as one flat row (the flow's result and its table artifact in Prefect's
    UI): the figures of each stage that ran, why it stopped, and ``notes`` (resumed, failed)."""
    row: dict = {"config_key": gen.config_key}
    if gen.selfplay:
        row["selfplay_games"] = sum(b.games for b in gen.selfplay)
    if gen.export is not None and gen.export.ok:
        row["dataset_id"] = gen.export.dataset_id
        row["samples"] = gen.export.samples
    if gen.training is not None:
        row["model_id"] = gen.training.model_id
        row["train_steps"] = gen.training.steps
    if gen.gauntlet is not None:
        row["gauntlet_games"] = gen.gauntlet.games
    if gen.promotion is not None:
        row["promotion"] = gen.promotion.decision
        row["promoted"] = gen.promotion.promoted
        row["reason"] = gen.promotion.reason
    if gen.stopped:
        row["skipped"] = gen.stopped
    row.update(notes or {})
    return row


def summary_text(result: dict) -> str:
    """The master loop's result as lines for a terminal."""
    lines = [f"generation: profile {result['profile']}, mode {result['mode']}, stages {' -> '.join(result['stages'])}"]
    for r in result["configs"]:
        parts = [f"{r.get('selfplay_games', 0)} games"]
        if r.get("resumed"):
            parts.append(f"resumed {r['resumed']}")
        if r.get("dataset_id"):
            parts.append(f"dataset {r['dataset_id'][:12]} ({(r.get('samples') or {}).get('train', '?')} train samples)")
        if r.get("model_id"):
            parts.append(f"candidate {r['model_id'][:12]}")
        if "promotion" in r:
            parts.append(f"promotion: {r['promotion']}" + (f" ({r['reason']})" if r.get("reason") else ""))
        if "skipped" in r:
            parts.append(f"stopped: {r['skipped']}")
        if "failed" in r:
            parts.append(f"FAILED: {r['failed']}")
        lines.append(f"  {r['config_key']}: " + "; ".join(parts))
    return "\n".join(lines)


__all__ = ["MODES", "master_loop_flow", "plan", "resolve_mode", "summary_row", "summary_text"]
