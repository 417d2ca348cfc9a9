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

from prefect import flow

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
    from prefect.runtime import flow_run

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

    summary: dict[str, dict] = {c: {"config_key": c} for c in cks}
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
            remote = [a for a in allocs if where.get(f"selfplay/{deployment_slug(a.config_key)}") != "here"]
            runs = [dispatch.start(f"selfplay/{deployment_slug(a.config_key)}", params[a.config_key])
                    for a in remote]
            for a in allocs:
                if a not in remote:
                    _stage(f"selfplay/{deployment_slug(a.config_key)}", params[a.config_key], where)
                    summary[a.config_key]["selfplay_games"] = a.games
            for a, fr in zip(remote, dispatch.wait(runs)):
                dispatch.check(fr, f"selfplay/{deployment_slug(a.config_key)}")
                summary[a.config_key]["selfplay_games"] = a.games
        else:
            from .selfplay import selfplay_flow, selfplay_stage

            for a in allocs:
                fn = selfplay_stage if mode == "legacy" else selfplay_flow
                r = fn(config_key=a.config_key, games=a.games, seed=_generation_seed(seed, a.config_key, cfg),
                       chain=False, resume=True)
                summary[a.config_key]["selfplay_games"] = r["games"]
    # -- sync
    if "sync" in sts:
        if mode == "deployments":
            _stage("sync/default", {}, where)
        elif mode == "legacy":
            configured(sync_champions, "sync", cfg)()
        else:
            from .sync import sync_flow

            sync_flow()
    # -- per config: export -> train -> gauntlet -> promotion
    later = [s for s in ("export", "train", "gauntlet", "promotion") if s in sts]
    if later:
        after = {s.config_key: s for s in loop_snapshot(cks)}
        for ck in cks:
            row = summary[ck]
            since = after[ck].games_since_training
            if ck in pending:
                row["resumed"] = f"dataset {pending[ck][:12]} (the generation stopped after its export)"
            elif since < thr and not force_train:
                row["skipped"] = f"{since} games since the last training < threshold {thr}"
                log.info("%s: %s", ck, row["skipped"])
                continue
            try:
                _later_stages(ck, later, mode, row, me, force_train, cfg, pending.get(ck), where)
            except Exception as e:  # noqa: BLE001 - one config's failure must not stop the others
                row["failed"] = f"{type(e).__name__}: {redact_exception(e)}"
                log.error("%s: generation failed: %s", ck, row["failed"])
    if "analysis" in sts:
        if mode == "legacy":
            artifacts.status_table(loop_snapshot(cks), key=profile)
        else:
            from .analysis import analysis_flow

            analysis_flow(profile=profile)
    rows = list(summary.values())
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
    from engine.loop.recover import pending_dataset, reconcile_batches

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
    from engine.loop import champion
    from engine.loop.identity import generation_seed

    ch = champion(forge_context(cfg), ck)
    return generation_seed(ck, ch[0] if ch else None)


def _stage(name: str, parameters: dict, where: dict[str, str]):
    """A stage of the deployments mode: its flow as a subflow here when ``where`` says so
    (``dispatch.placement``), else a flow run of its deployment, waited for."""
    if where.get(name) == "here":
        from flows import load_flow  # absolute: a worker loads this file by its path

        return load_flow(name.split("/")[0])(**parameters)
    return dispatch.run(name, parameters)


def _later_stages(ck: str, later: list[str], mode: str, row: dict, me: str, force: bool, cfg,
                  pending: str | None = None, where: dict[str, str] | None = None) -> None:
    log = run_logger()
    model_id = None
    if mode == "deployments":
        from engine.db import get_promotion, get_training_run

        ctx = forge_context(cfg)
        if "train" in later:
            trid = _rid(me, ck, "train")
            _stage(f"train/{deployment_slug(ck)}", {"config_key": ck, "run_id": trid, "force": True, "chain": False},
                   where or {})
            with ctx.db.session(write=False) as s:
                tr = get_training_run(s, trid)
            model_id = (tr.metrics or {}).get("model_id") if tr is not None else None
            if model_id is None:
                row["skipped"] = "no candidate trained (export refused or below threshold; see the train run)"
                return
            row["model_id"] = model_id
        elif "export" in later:
            _stage("export/default", {"config_key": ck}, where or {})
        if model_id and "gauntlet" in later:
            _stage("gauntlet/default", {"config_key": ck, "model_id": model_id,
                                        "run_id": _rid(me, ck, "gauntlet"), "chain": False}, where or {})
            row["gauntlet"] = "done"
        if model_id and "promotion" in later:
            prid = _rid(me, ck, "promotion")
            _stage("promote/default", {"config_key": ck, "model_id": model_id, "run_id": prid}, where or {})
            with ctx.db.session(write=False) as s:
                p = get_promotion(s, prid)
            if p is not None:
                row["promotion"] = p.decision
        return

    from .export import export_flow, export_stage
    from .gauntlet import gauntlet_flow, gauntlet_stage
    from .promote import promote_flow, promote_stage
    from .train import train_flow, train_stage

    legacy = mode == "legacy"
    dataset_id = pending
    if pending is not None:
        row["dataset_id"] = pending
    elif "export" in later or "train" in later:
        if legacy:
            ex = export_stage(ck, cfg)
            ok, dataset_id, reason, samples = ex.ok, ex.dataset_id, ex.reason, ex.samples
        else:
            ex = export_flow(config_key=ck)
            ok, dataset_id, reason, samples = ex["ok"], ex["dataset_id"], ex["reason"], ex["samples"]
        if not ok:
            row["skipped"] = f"export refused by the data-quality gates: {reason}"
            log.warning("%s: %s", ck, row["skipped"])
            return
        row["dataset_id"] = dataset_id
        row["samples"] = samples
    if "train" in later:
        tr = (train_stage if legacy else train_flow)(config_key=ck, dataset_id=dataset_id, chain=False)
        model_id = tr["model_id"]
        row["model_id"] = model_id
        row["train_steps"] = tr["steps"]
    if model_id and "gauntlet" in later:
        ga = (gauntlet_stage if legacy else gauntlet_flow)(config_key=ck, model_id=model_id, chain=False)
        row["gauntlet_games"] = ga["games"]
    if model_id and "promotion" in later:
        pr = (promote_stage if legacy else promote_flow)(config_key=ck, model_id=model_id)
        row["promotion"] = pr["decision"]
        row["promoted"] = pr["promoted"]
        row["reason"] = pr["reason"]


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


__all__ = ["MODES", "master_loop_flow", "plan", "resolve_mode", "summary_text"]
