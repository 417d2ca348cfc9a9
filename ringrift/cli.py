"""The `ringrift` command line: a small dispatcher over subcommand modules.

Adding a subcommand takes one module and one entry:

1. Write `ringrift/<name>.py` exposing

       def add_arguments(parser: argparse.ArgumentParser) -> None: ...
       def run(args: argparse.Namespace) -> int: ...          # the exit code

   Keep heavy imports (engine, torch, prefect) inside `run`, so `ringrift --help` stays fast and
   works even when an optional part is missing or broken.
2. Add one line to `SUBCOMMANDS` below: name -> (module path, one-line help).

Bad input never shows a traceback: check arguments with the argparse types of `ringrift._checks`
(and the config with `_checks.config(args)`) before starting anything, and raise `UsageError`,
`ConfigError` or another of the project's errors; `main` prints it as one line and exits 2 (usage,
config) or 1 (see `ringrift._errors`). Any other exception is a bug and keeps its traceback, as
does every error with `RINGRIFT_TRACE_DEBUG=1`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ._errors import explain, quiet_known_tracebacks, trace_enabled

# name -> (module exposing add_arguments(parser) and run(args) -> int, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("ringrift.demo", "play random games on each board and print a summary table"),
    "soak": ("ringrift.soak", "random games on every config with every invariant checked after every move"),
    "conformance": ("ringrift.conformance", "run the canonical contract vectors and print the outcome table"),
    "master-loop": ("ringrift.master_loop",
                    "the self-improvement loop in the foreground, or its status (--status, --watch)"),
    "deploy": ("ringrift.deploy",
               "create/update pools, queues, limits, deployments and automations on a Prefect server (idempotent)"),
    "selfplay": ("ringrift.selfplay", "selfplay games of one config into the store and the database"),
    "export": ("ringrift.export", "export a config's training window to an NPZ dataset (quality gates)"),
    "aggregate": ("ringrift.aggregate", "ingest game-record shards into the database"),
    "train": ("ringrift.train", "train a candidate network for one config"),
    "gauntlet": ("ringrift.gauntlet", "play a candidate against the config's ladder"),
    "tournament": ("ringrift.tournament", "round robin of players for one config, with an Elo table"),
    "ladder": ("ringrift.ladder",
               "strength ladder: anchors, every champion and its raw policy; Elo with 95%% intervals, s/move, PNG"),
    "promote": ("ringrift.promote", "SPRT promotion of a candidate against the champion"),
    "rollback": ("ringrift.rollback", "move a config's champion back to the previous (or a given) model"),
    "sync": ("ringrift.sync", "mirror the champions into this host's cache (--once, --watchdog)"),
    "prune": ("ringrift.prune", "delete store objects nothing references (dry run unless --delete)"),
    "show": ("ringrift.show", "render a game as SVG frames (one per move), an HTML page with a slider, PNGs"),
    "stats": ("ringrift.stats",
              "game statistics per config and generation: length, endings, first-seat advantage, move mix, search"),
    "elo-trend": ("ringrift.elo_trend", "ratings per config over generations with 95%% error bars: table and PNG plot"),
    "parity": ("ringrift.parity",
               "replay stored games move by move (first diverging move) and run the conformance vectors"),
    "health": ("ringrift.health",
               "one health snapshot: Prefect server, pools/workers/GPUs, runs, store, database, disk, champions"),
    "watchdog": ("ringrift.watchdog",
                 "stuck, silent and late runs, pools without workers: act with backoff and an hourly cap"),
    "worker": ("ringrift.worker",
               "start this host's Prefect workers (one per GPU, CUDA_VISIBLE_DEVICES, limit 1; --dry-run)"),
}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("ringrift-forge")
    except Exception:  # noqa: BLE001 - not installed (running from a bare checkout)
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line (what was wrong, and where the help is), exit 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or with ``only`` (a subcommand name) only that one's
    options: the other modules are not imported, which keeps a failing check fast."""
    parser = _Parser(
        prog="ringrift",
        description="RingRift Forge: rules engine and self-improvement pipeline for RingRift.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_path, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            module = importlib.import_module(module_path)
            module.add_arguments(sp)
            sp.set_defaults(_run=module.run)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in SUBCOMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    from ._prefect_env import configure

    configure()  # before any subcommand imports Prefect: its settings are read at import
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=_command_of(argv))
    args = parser.parse_args(argv)
    quiet_known_tracebacks()  # a run failing on the project's own error: its one line, no traceback
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ringrift demo | head`
        return 0
    except Exception as e:
        known = explain(e)
        if known is None or trace_enabled():
            raise
        code, line = known
        print(f"ringrift {args.command}: {line}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
