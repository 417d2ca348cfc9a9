"""`ringrift deploy`: create or update, idempotently, everything the pipeline needs on a Prefect
server: work pools (cpu, gpu), their queues with priorities, global concurrency limits, the
deployments (with schedules from the config and concurrency options) and the automations (the
stage chain on ringrift.* events, crash/zombie handling). Running it twice changes nothing.

    PREFECT_API_URL=http://prefect:4200/api ringrift deploy
    ringrift deploy --gpu-pool-type kubernetes --dry-run
    ringrift deploy --write-prefect-yaml          # regenerate prefect.yaml from the same plan
"""

from __future__ import annotations

import argparse
import sys

from ._pipeline import add_common, emit, setup

KINDS = ("pools", "queues", "limits", "deployments", "automations")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=None,
                        help="profile whose configs get active selfplay schedules (default loop.profile)")
    parser.add_argument("--workdir", default=None,
                        help="project folder on the worker hosts, where flows run "
                             "(default $RINGRIFT_FORGE_DIR, else this checkout)")
    parser.add_argument("--cpu-pool-type", default=None, choices=("process", "kubernetes", "docker"),
                        help="worker type of the cpu pool (default process)")
    parser.add_argument("--gpu-pool-type", default=None, choices=("process", "kubernetes", "docker"),
                        help="worker type of the gpu pool (default process; kubernetes/docker templates request "
                             "a GPU per flow run, see deployments/templates/)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="default environment of every flow run on the pools (repeatable), e.g. "
                             "RINGRIFT_CONFIG_PATH=/etc/ringrift/unified_loop.yaml or "
                             "PREFECT_DEFAULT_RESULT_STORAGE_BLOCK=remote-file-system/forge-results")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of {','.join(KINDS)}")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    parser.add_argument("--verbose", action="store_true", help="list unchanged objects too")
    parser.add_argument("--write-prefect-yaml", nargs="?", const="", default=None, metavar="PATH",
                        help="write prefect.yaml (default: the repo root) from the plan and exit")
    add_common(parser, deployment=False)


def run(args: argparse.Namespace) -> int:
    setup(args)
    import dataclasses

    from deployments import prefect_yaml
    from deployments.apply import apply_plan
    from deployments.spec import build_plan
    from tasks.common import forge_config

    cfg = forge_config()
    bad = [e for e in args.env if "=" not in e]
    if bad:
        print(f"deploy: --env {bad[0]!r}: expected KEY=VALUE", file=sys.stderr)
        return 2
    job_env = dict(e.split("=", 1) for e in args.env) or None
    plan = build_plan(cfg, profile=args.profile, workdir=args.workdir, cpu_pool_type=args.cpu_pool_type,
                      gpu_pool_type=args.gpu_pool_type, job_env=job_env)
    if args.write_prefect_yaml is not None:
        p = prefect_yaml.write(plan, prefect_yaml.Path(args.write_prefect_yaml) if args.write_prefect_yaml else None)
        print(f"wrote {p} ({len(plan.deployments)} deployments)")
        return 0
    if args.only:
        only = set(args.only.split(","))
        bad = only - set(KINDS)
        if bad:
            print(f"deploy: unknown kind {sorted(bad)[0]!r} ({', '.join(KINDS)})", file=sys.stderr)
            return 2
        plan = dataclasses.replace(plan, **{k: () for k in KINDS if k not in only and k != "deployments"})
        if "deployments" not in only:
            # automations need the deployments' ids: read them, do not write them
            plan = dataclasses.replace(plan, deployments=plan.deployments if "automations" in only else ())
    report = apply_plan(plan, dry_run=args.dry_run)
    if args.json:
        emit(args, {"changed": report.changed, "changes": [dataclasses.asdict(c) for c in report.changes]})
    else:
        print(report.format(verbose=args.verbose))
        print(("would change" if args.dry_run else "changed") if report.changed else "nothing to change")
    return 1 if any(c.action == "conflict" for c in report.changes) else 0
