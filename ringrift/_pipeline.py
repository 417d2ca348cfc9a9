"""Shared plumbing of the pipeline subcommands (selfplay, export, train, ...): common options, the
local-or-deployment choice, printing results. Heavy imports stay inside the functions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any


def add_config_key(parser: argparse.ArgumentParser, default: str = "square8_2p") -> None:
    from ._checks import config_key as config_key_type

    parser.add_argument("config_key", nargs="?", default=default, type=config_key_type,
                        help=f"board and players, e.g. square8_2p or square8-2p (default {default})")


def add_common(parser: argparse.ArgumentParser, *, deployment: bool = True) -> None:
    g = parser.add_argument_group("pipeline options")
    g.add_argument("--config", metavar="PATH", default=None,
                   help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")
    g.add_argument("--json", action="store_true", help="print the result as one JSON line")
    if deployment:
        g.add_argument("--deployment", action="store_true",
                       help="run through the stage's Prefect deployment (a worker runs it) and wait, instead of "
                            "running the flow in this process (default when RINGRIFT_DISABLE_LOCAL_TASKS=1)")
        g.add_argument("--no-wait", action="store_true", help="with --deployment: start the run and return")


def setup(args: argparse.Namespace):
    """Environment before Prefect is imported: the config file, no analytics by default. Returns
    the config, validated: a bad file, key or override is a ``ConfigError`` here, before anything
    starts (one line, exit 2)."""
    from ._checks import config

    if getattr(args, "config", None):
        os.environ["RINGRIFT_CONFIG_PATH"] = os.path.abspath(args.config)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    return config(args)


def config_key(value: str) -> str:
    """``square8-2p`` / ``square8_2p`` -> ``square8_2p``; an unknown key is a ``UsageError``."""
    from ._checks import config_key as parse
    from ._errors import UsageError

    try:
        return parse(value)
    except argparse.ArgumentTypeError as e:
        raise UsageError(str(e)) from None


def use_deployment(args: argparse.Namespace) -> bool:
    from tasks.common import local_tasks_disabled

    return bool(getattr(args, "deployment", False)) or local_tasks_disabled()


def run_stage(args: argparse.Namespace, flow_name: str, deployment: str, params: dict[str, Any], *,
              flow_obj=None) -> tuple[int, Any]:
    """Run ``flow_name`` in this process (Prefect's local mode, or against ``PREFECT_API_URL``),
    or through ``flow_name/deployment``. Returns (exit code, result or flow run)."""
    if use_deployment(args):
        from prefect.deployments import run_deployment

        name = f"{flow_name}/{deployment}"
        fr = run_deployment(name, parameters=params, timeout=0 if args.no_wait else None, as_subflow=False)
        state = fr.state.name if fr.state else "?"
        print(f"{name}: flow run {fr.name} ({fr.id}) {state}", file=sys.stderr)
        if args.no_wait:
            return 0, {"flow_run_id": str(fr.id), "state": state}
        ok = fr.state is not None and fr.state.is_completed()
        return (0 if ok else 1), {"flow_run_id": str(fr.id), "state": state,
                                  "message": fr.state.message if fr.state else None}
    from flows import load_flow
    from tasks.common import forge_config

    # in this process the flow's timeout comes from this config's table (a worker's from its deployment)
    flow = (flow_obj or load_flow(flow_name)).with_options(
        timeout_seconds=forge_config().orchestration.flow_timeout(flow_name))
    state = flow(**params, return_state=True)
    if state.is_completed():
        return 0, as_plain(state.result())
    msg = masked_text(state.message or state.name)  # a failed flow's message may quote a URL
    print(f"{flow_name}: {state.name}: {msg}", file=sys.stderr)
    return 1, {"state": state.name, "message": msg}


def as_plain(result: Any) -> Any:
    """A stage's result dataclass (``engine.loop.stages.results``) as the dict the commands print
    and ``--json`` writes; anything else as it is."""
    import dataclasses

    return dataclasses.asdict(result) if dataclasses.is_dataclass(result) else result


def emit(args: argparse.Namespace, result: Any, text: str | None = None) -> None:
    if getattr(args, "json", False):
        print(json.dumps(result, default=str, sort_keys=True))
    elif text is not None:
        print(text)
    else:
        print(json.dumps(result, default=str, indent=2, sort_keys=True))


def masked(url: str) -> str:
    from engine.redact import redact_url

    return redact_url(url)


def masked_text(text: str) -> str:
    from engine.redact import redact_text

    return redact_text(text)


def where(cfg) -> str:
    """Where the pipeline keeps everything (for the end of a run)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    api = PREFECT_API_URL.value()
    ui = PREFECT_UI_URL.value() or (api[:-4] if api and api.endswith("/api") else None)
    local = "local (ephemeral) mode: ~/.prefect, see `prefect server start` for a UI"
    return "\n".join([
        f"  config      {cfg.source}",
        f"  store       {masked(cfg.storage_url)}",
        f"  database    {masked(cfg.database_url)}",
        f"  cache       {cfg.cache_path}",
        f"  work        {cfg.home_path / 'work'}",
        f"  prefect     {masked(ui) if ui else local}",
    ])
