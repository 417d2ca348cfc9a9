"""`ringrift master-loop`: the self-improvement loop in the foreground, or its status.

    ringrift master-loop                          # one generation of loop.profile, in this process
    ringrift master-loop --profile standard --generations 0     # until Ctrl-C
    ringrift master-loop --legacy                 # the whole loop as one in-process flow (no subflows)
    ringrift master-loop --mode deployments       # dispatch every stage to the workers
    ringrift master-loop --status                 # one snapshot, starts nothing
    ringrift master-loop --watch                  # the snapshot every few seconds, starts nothing
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC

from . import _checks as checks
from ._pipeline import add_common, emit, setup, where

STAGE_NAMES = ("selfplay", "sync", "export", "train", "gauntlet", "promotion", "analysis")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=None,
                        help="loop profile: minimal, standard, full (default loop.profile / $RINGRIFT_PROFILE); "
                             "it decides the configs and the stages")
    parser.add_argument("--generations", type=checks.non_negative, default=1, metavar="N",
                        help="generations to run, one flow run each (0 = until interrupted; default 1)")
    parser.add_argument("--games", type=checks.count, default=None,
                        help="selfplay budget per generation across configs (default: each config gets what it "
                             "lacks to reach the training threshold)")
    parser.add_argument("--configs", default=None,
                        type=checks.config_keys, help="comma-separated configs instead of the profile's")
    parser.add_argument("--stages", default=None,
                        help=f"comma-separated stages instead of the profile's ({','.join(STAGE_NAMES)})")
    parser.add_argument("--mode", default="auto", choices=("auto", "inprocess", "legacy", "deployments"),
                        help="auto: legacy with $RINGRIFT_UNIFIED_LOOP_LEGACY, deployments with "
                             "$RINGRIFT_DISABLE_LOCAL_TASKS, else inprocess (stages as subflows)")
    parser.add_argument("--legacy", action="store_true",
                        help="the whole generation as one in-process flow without deployments "
                             "(same as --mode legacy or RINGRIFT_UNIFIED_LOOP_LEGACY=1)")
    parser.add_argument("--force-train", action="store_true", help="train even below the training threshold")
    parser.add_argument("--seed", type=checks.seed, default=None, help="selfplay seed (default: from the flow run)")
    parser.add_argument("--pause",
                        type=checks.float_at_least(0), default=0.0, metavar="S", help="seconds between generations")
    view = parser.add_argument_group("status (start nothing)")
    view.add_argument("--status", action="store_true",
                      help="one snapshot: per config the champion, its rating, games since the last training, "
                           "what runs now, what failed")
    view.add_argument("--watch", action="store_true", help="the snapshot again every --interval seconds (Ctrl-C ends)")
    view.add_argument("--interval",
                      type=checks.float_at_least(0, strict=True), default=10.0,
                      help="seconds between --watch snapshots (default 10)")
    add_common(parser, deployment=False)


def run(args: argparse.Namespace) -> int:
    checks.profile(setup(args), args.profile)
    bad = [s for s in (args.stages or "").split(",") if s and s not in STAGE_NAMES]
    if bad:
        raise checks.UsageError(f"--stages: unknown stage {bad[0]!r} (stages: {', '.join(STAGE_NAMES)})")
    if args.legacy:
        args.mode = "legacy"
    if args.status or args.watch:
        return _status_loop(args)
    from engine.config import load_config
    from engine.loop.lock import HomeLock, LoopLocked

    # one loop per home (a second one would race the first for the same batches); taken before
    # Prefect is imported, so that a refusal is immediate
    lock = HomeLock(load_config().home_path)
    try:
        lock.acquire()
    except LoopLocked as e:
        print(f"master-loop: {e}", file=sys.stderr)
        return 3
    from engine.loop.context import forge_config, forge_context
    from engine.loop.truth import DatabaseLost
    from flows.master_loop import resolve_mode

    try:
        mode = resolve_mode(args.mode)
    except ValueError as e:
        lock.release()
        print(f"master-loop: {e}", file=sys.stderr)
        return 2
    cfg = forge_config()
    try:
        forge_context(cfg)  # a lost database stops the loop here, before anything starts
    except DatabaseLost as e:
        lock.release()
        print(f"master-loop: {e}", file=sys.stderr)
        return 2
    try:
        return _generations(args, cfg, mode)
    finally:
        lock.release()


def _generations(args: argparse.Namespace, cfg, mode: str) -> int:
    from flows.master_loop import master_loop_flow, summary_text

    params = {"profile": args.profile, "games": args.games, "mode": mode, "seed": args.seed,
              "force_train": args.force_train,
              "configs": args.configs,
              "stages": args.stages.split(",") if args.stages else None}
    gen = 0
    rc = 0
    while args.generations == 0 or gen < args.generations:
        gen += 1
        print(f"== generation {gen}" + (f" of {args.generations}" if args.generations else "") + f" (mode {mode})",
              file=sys.stderr)
        # the flow timeout from this config's table (a worker's comes from its deployment)
        state = master_loop_flow.with_options(timeout_seconds=cfg.orchestration.flow_timeout("master-loop"))(
            **params, return_state=True)
        if state.is_completed():
            res = state.result()
            emit(args, res, summary_text(res))
        else:
            rc = 1
            print(f"generation {gen}: {state.name}: {state.message}", file=sys.stderr)
            print("retry it (finished stages are not redone): prefect flow-run retry "
                  f"{state.state_details.flow_run_id} --entrypoint flows/master_loop.py:master_loop_flow",
                  file=sys.stderr)
            if args.generations != 0:
                break
        if args.pause and (args.generations == 0 or gen < args.generations):
            time.sleep(args.pause)
    print("where everything is:\n" + where(cfg), file=sys.stderr)
    _print_status(cfg, args.profile, file=sys.stderr)
    return rc


# -- status -----------------------------------------------------------------------------------------

def _status_loop(args: argparse.Namespace) -> int:
    from engine.loop.context import forge_config
    from engine.loop.truth import DatabaseLost

    try:
        return _status_views(args, forge_config)
    except DatabaseLost as e:
        print(f"master-loop: {e}", file=sys.stderr)
        return 2


def _status_views(args: argparse.Namespace, forge_config) -> int:
    try:
        while True:
            cfg = forge_config()
            if args.watch:
                print("\033[2J\033[H", end="")
                print(time.strftime("%Y-%m-%d %H:%M:%S"), "(Ctrl-C ends)")
            snap = snapshot(cfg, args.profile)
            if args.json:
                emit(args, snap)
            else:
                print(format_snapshot(snap))
            if not args.watch:
                return 0
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def snapshot(cfg, profile: str | None = None) -> dict:
    """Per config status (champion, rating, games since training) + Prefect runs now / failed."""
    from dataclasses import asdict

    from engine.loop import loop_status
    from engine.loop.context import forge_context

    configs = list(cfg.loop.configs(profile or cfg.loop.profile))
    st = [asdict(s) for s in loop_status(forge_context(cfg), configs)]
    runs = prefect_runs()
    for s in st:
        s["running"] = [r["name"] for r in runs.get("running", []) if r.get("config_key") in (s["config_key"], None)]
        s["failed"] = [f"{r['name']} ({r['state']})" for r in runs.get("failed", [])
                       if r.get("config_key") == s["config_key"]]
    return {"profile": profile or cfg.loop.profile, "configs": st, "runs": runs}


def prefect_runs(limit: int = 20) -> dict:
    """Running and recently failed pipeline flow runs (only against a server: ``PREFECT_API_URL``)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return {"note": "no Prefect server configured (PREFECT_API_URL): runs not shown"}
    from datetime import datetime, timedelta

    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    def rows(frs) -> list[dict]:
        return [{"name": fr.name, "id": str(fr.id), "state": fr.state.name if fr.state else "?",
                 "config_key": (fr.parameters or {}).get("config_key"),
                 "message": (fr.state.message or "")[:200] if fr.state else ""} for fr in frs]

    from flows import FLOWS
    from ops.gateway import prefect_client

    try:
        with prefect_client() as c:
            ours = FlowFilter(name=FlowFilterName(any_=list(FLOWS)))
            running = c.read_flow_runs(flow_filter=ours, flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType.RUNNING, StateType.PENDING]))),
                limit=limit, sort=FlowRunSort.START_TIME_DESC)
            since = datetime.now(UTC) - timedelta(days=1)
            failed = c.read_flow_runs(flow_filter=ours, flow_run_filter=FlowRunFilter(
                start_time=FlowRunFilterStartTime(after_=since), state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.FAILED, StateType.CRASHED]))),
                limit=limit, sort=FlowRunSort.START_TIME_DESC)
        return {"running": rows(running), "failed": rows(failed)}
    except Exception as e:  # noqa: BLE001 - status must print even when the server is down
        return {"note": f"Prefect API not reachable: {e}"}


def format_snapshot(snap: dict) -> str:
    lines = [f"profile {snap['profile']}",
             f"{'config':<14} {'champion':<13} {'rating':>7} {'games':>7} {'since train':>11} {'last promotion':<14} "
             f"running / failed (24 h)"]
    for s in snap["configs"]:
        rating = f"{s['rating']:.0f}" if s.get("rating") is not None else "-"
        act = ", ".join(s.get("running", [])) or "-"
        if s.get("failed"):
            act += " / FAILED: " + ", ".join(s["failed"])
        lines.append(f"{s['config_key']:<14} {(s['champion'] or '-')[:12]:<13} {rating:>7} {s['games']:>7} "
                     f"{s['games_since_training']:>11} {str(s['last_promotion'] or '-'):<14} {act}")
    runs = snap.get("runs", {})
    if "note" in runs:
        lines.append(runs["note"])
    else:
        lines.append(f"{len(runs.get('running', []))} pipeline runs now, {len(runs.get('failed', []))} failed in 24 h")
        for r in runs.get("failed", [])[:10]:
            lines.append(f"  failed: {r['name']} {r['id']} ({r['state']}): {r['message']}")
    return "\n".join(lines)


def _print_status(cfg, profile, file) -> None:
    try:
        print(format_snapshot(snapshot(cfg, profile)), file=file)
    except Exception as e:  # noqa: BLE001
        print(f"(status unavailable: {e})", file=file)
