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

from __future__ import annotations

import importlib

# Resolved on first use (PEP 562) rather than imported here: ``python -m engine.game.checks.soak``
# would otherwise find its own module already imported by the package and run a second copy, and a
# caller of the conformance runner alone (the selfplay contracts task) need not load the soak.
_EXPORTS = {
    **dict.fromkeys(("ConformanceReport", "Vector", "VectorResult", "default_folder", "load_trusted", "load_vectors",
                     "run_all", "run_vector", "summarize", "summary_line", "trusted_ok", "vectors_dir"),
                    "conformance"),
    **dict.fromkeys(("INVARIANTS", "check_invariants", "s_value"), "invariants"),
    **dict.fromkeys(("ALL_CONFIGS", "SoakReport", "format_table", "parse_configs", "play_game"), "soak"),
}
_RENAMED = {"run_soak": ("soak", "soak")}
_SUBMODULES = ("conformance", "invariants", "soak")


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _RENAMED:
        module, attr = _RENAMED[name]
    elif name in _EXPORTS:
        module, attr = _EXPORTS[name], name
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ALL_CONFIGS", "ConformanceReport", "INVARIANTS", "SoakReport", "Vector", "VectorResult", "check_invariants",
    "conformance", "default_folder", "format_table", "invariants", "load_trusted", "load_vectors", "parse_configs",
    "play_game", "run_all", "run_soak", "run_vector", "s_value", "soak", "summarize", "summary_line", "trusted_ok",
    "vectors_dir",
]
