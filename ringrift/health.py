"""`ringrift health`: one snapshot of the whole system (``ops.health_snapshot``).

    ringrift health                  # table: Prefect server, pools/workers, runs, scheduler, store, database, disk,
                                     # champions (a run overdue or a schedule without runs: UNHEALTHY)
    ringrift health --json           # for machines (one JSON object)
    PREFECT_API_URL=http://prefect:4200/api ringrift health --strict

Exit status: 0 healthy, 1 unhealthy (the failing checks are named on stderr; with ``--strict``
warnings count too), 2 when the config cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--strict", action="store_true", help="warnings make the exit status non-zero too")
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect server, pool and run checks")
    parser.add_argument("--timeout", type=checks.float_at_least(0, strict=True), default=None,
                        help="seconds per Prefect API request (default ops.health.prefect_timeout_seconds)")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from engine.analysis.cli import load_cfg
    from engine.config import ConfigError, ops_settings
    from ops import health_snapshot

    try:
        cfg = load_cfg(args)
        st = ops_settings(cfg).health
    except (ConfigError, ValueError) as e:
        print(f"health: {e}", file=sys.stderr)
        return 2
    if args.timeout is not None:
        st = dataclasses.replace(st, prefect_timeout_seconds=args.timeout)
    rep = health_snapshot(cfg, settings=st, prefect=not args.no_prefect)
    print(json.dumps(rep.to_json(), sort_keys=True, default=str) if args.json else rep.format())
    bad = list(rep.unhealthy) + (list(rep.warnings) if args.strict else [])
    if bad:
        print(f"unhealthy: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0
