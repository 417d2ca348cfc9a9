"""Checks of the rules engine, kept apart from the rules: the contract-vector conformance runner,
the state invariants and the random-game soak. The rules modules of ``engine.game`` never import
this package; it imports them.

Public API::

    report = run_all(default_folder())              # contract vectors (python -m engine.game.checks.conformance)
    summary_line(report, load_trusted(default_folder()))
    check_invariants(state, previous)               # [] when every invariant holds
    run_soak(["square8_2p"], games_per_config=10)   # the soak (python -m engine.game.checks.soak)

The submodules ``conformance``, ``invariants`` and ``soak`` hold the rest (the evaluators of the
vector runner, the soak's table and command line); ``run_soak`` is ``soak.soak``, renamed so that
``soak`` stays the module.
"""

from . import conformance, invariants, soak
from .conformance import (
    ConformanceReport,
    Vector,
    VectorResult,
    default_folder,
    load_trusted,
    load_vectors,
    run_all,
    run_vector,
    summarize,
    summary_line,
    trusted_ok,
    vectors_dir,
)
from .invariants import INVARIANTS, check_invariants, s_value
from .soak import ALL_CONFIGS, SoakReport, format_table, parse_configs, play_game
from .soak import soak as run_soak

__all__ = [
    "ALL_CONFIGS", "ConformanceReport", "INVARIANTS", "SoakReport", "Vector", "VectorResult", "check_invariants",
    "conformance", "default_folder", "format_table", "invariants", "load_trusted", "load_vectors", "parse_configs",
    "play_game", "run_all", "run_soak", "run_vector", "s_value", "soak", "summarize", "summary_line", "trusted_ok",
    "vectors_dir",
]
