"""`ringrift worker`: start the Prefect worker(s) of this host the way the pipeline needs them.

    ringrift worker --pool gpu                 # one worker per GPU: CUDA_VISIBLE_DEVICES=i, --limit 1
    ringrift worker --pool cpu --limit 4
    ringrift worker --pool gpu --gpus 0,1 --dry-run     # print the commands, start nothing
    ringrift worker --pool gpu --device cpu    # a development host without a GPU: the gpu pool on the CPU

Workers are named ``<host>-gpu<i>`` / ``<host>-cpu`` (``ringrift health`` counts GPUs per host from
the names), run flows from ``$RINGRIFT_FORGE_DIR`` (default this checkout) and send flow-run
heartbeats. The command stays in the foreground; when one worker exits the others are stopped and
its exit status is returned (let systemd / compose / Kubernetes restart it).
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pool", default="cpu", choices=("gpu", "cpu"), help="which work pool to serve (default cpu)")
    parser.add_argument("--gpus", default=None,
                        help="GPU indices (0 = GPU 0; 0,1,3), each one nvidia-smi lists; default: every GPU it lists")
    parser.add_argument("--device", default=None, choices=("cuda", "cpu"),
                        help="where the flows of the pool run: cuda (the gpu pool's default: one worker per GPU) or "
                             "cpu (the gpu pool on a host without a GPU: one worker, RINGRIFT_DEVICE=cpu)")
    parser.add_argument("--limit", type=checks.count, default=None,
                        help="concurrent flow runs per worker (default: 1 per GPU; CPU: ops.workers.cpu_limit)")
    parser.add_argument("--host", default=None, help="name prefix of the workers (default: the host name)")
    parser.add_argument("--type", dest="worker_type", default=None,
                        help="Prefect worker type (default ops.workers.worker_type, process)")
    parser.add_argument("--workdir", default=None, help="project folder flows run from (default $RINGRIFT_FORGE_DIR)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment of the workers (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, start nothing")
    parser.add_argument("--json", action="store_true", help="with --dry-run: the commands as JSON")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def run(args: argparse.Namespace) -> int:
    import json
    import os

    from engine.analysis.cli import load_cfg
    from engine.config import ConfigError, ops_settings
    from ops import parse_gpus, run_workers, worker_commands

    bad = [e for e in args.env if "=" not in e]
    if bad:
        print(f"worker: --env {bad[0]!r}: expected KEY=VALUE", file=sys.stderr)
        return 2
    try:
        cfg = load_cfg(args)
        st = ops_settings(cfg).workers
        gpus = parse_gpus(args.gpus) if args.gpus is not None else None
        cmds = worker_commands(args.pool, settings=st, gpus=gpus, host=args.host, limit=args.limit,
                               workdir=args.workdir, worker_type=args.worker_type,
                               env=dict(e.split("=", 1) for e in args.env), device=args.device)
    except (ConfigError, ValueError) as e:
        print(f"worker: {e}", file=sys.stderr)
        return 2
    if args.dry_run:
        if args.json:
            print(json.dumps([{"name": c.name, "pool": c.pool, "gpu": c.gpu, "argv": list(c.argv),
                               "env": {k: ("***" if "SECRET" in k or "KEY" in k else v) for k, v in c.env.items()}}
                              for c in cmds], sort_keys=True))
        else:
            for c in cmds:
                print(c.shell())
        return 0
    if not os.environ.get("PREFECT_API_URL"):
        print("worker: PREFECT_API_URL is not set: a worker must talk to the cluster's Prefect server",
              file=sys.stderr)
        return 2
    return run_workers(cmds, cwd=cmds[0].env.get("RINGRIFT_FORGE_DIR"))
