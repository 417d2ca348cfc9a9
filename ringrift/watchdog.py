"""`ringrift watchdog`: find stuck, silent and late flow runs and pools without workers; act on them
as configured (``ops.watchdog``), with backoff and an hourly cap (``ops.watchdog``).

    ringrift watchdog --once --dry-run        # what it would do now
    ringrift watchdog                         # every ops.watchdog.interval_seconds, until stopped

Needs a Prefect server (``PREFECT_API_URL``). Exit status (``--once``): 0 nothing found or
everything acted on, 1 when findings remain (reported, held back, failed, or found by a dry run),
2 on bad arguments or no server.
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks

ACTIONS_STUCK = ("crash", "cancel", "reschedule", "report")
ACTIONS_LATE = ("report", "reschedule", "cancel")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--dry-run", action="store_true", help="report what it would do, change nothing")
    parser.add_argument("--interval", type=checks.count, default=None,
                        help="seconds between passes (default from config)")
    parser.add_argument("--stuck-action", choices=ACTIONS_STUCK, default=None,
                        help="what to do with a stuck or silent run (default ops.watchdog.stuck_action)")
    parser.add_argument("--late-action", choices=ACTIONS_LATE, default=None,
                        help="what to do with a late run (default ops.watchdog.late_action)")
    parser.add_argument("--state-file", default=None, help="backoff/cap state (default under RINGRIFT_HOME)")
    parser.add_argument("--json", action="store_true", help="print each pass as one JSON line")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from engine.analysis.cli import load_cfg
    from engine.config import ConfigError, ops_settings
    from ops import PrefectGateway, Watchdog, api_url

    try:
        cfg = load_cfg(args)
        ops = ops_settings(cfg)
    except (ConfigError, ValueError) as e:
        print(f"watchdog: {e}", file=sys.stderr)
        return 2
    if api_url() is None:
        print("watchdog: PREFECT_API_URL is not set; the watchdog watches a Prefect server", file=sys.stderr)
        return 2
    st = ops.watchdog
    changes = {k: v for k, v in (("stuck_action", args.stuck_action), ("late_action", args.late_action),
                                 ("interval_seconds", args.interval)) if v is not None}
    st = dataclasses.replace(st, **changes)
    state_path = args.state_file or cfg.local_path(st.state_file)
    dog = Watchdog(lambda: PrefectGateway(ops.health.prefect_timeout_seconds), st, state_path, dry_run=args.dry_run,
                   worker_offline_seconds=ops.health.worker_offline_seconds,
                   limits=cfg.orchestration.watchdog_limits())

    def show(rep, err) -> None:
        if err is not None:
            print(f"watchdog: pass failed: {type(err).__name__}: {err}", file=sys.stderr, flush=True)
        elif args.json:
            print(json.dumps(rep.to_json(), sort_keys=True), flush=True)
        else:
            print(rep.format(), flush=True)

    if args.once:
        try:
            rep = dog.run_once()
        except Exception as e:  # noqa: BLE001 - e.g. the server is down
            show(None, e)
            return 2
        show(rep, None)
        left = [f for f in rep.findings if f.outcome != "done"]
        return 1 if left else 0
    print(f"watchdog: every {st.interval_seconds} s (stuck: {st.stuck_action}, late: {st.late_action}, "
          f"cap {st.max_actions_per_hour}/h); Ctrl-C to stop", file=sys.stderr, flush=True)
    dog.run_forever(show)
    return 0
