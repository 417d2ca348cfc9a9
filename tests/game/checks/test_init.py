"""The checks package: its public API is importable from ``engine.game.checks``, and the rules
modules never import it (the checks depend on the rules, never the other way round)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import engine.game
import engine.game.checks as checks

RULES_DIR = Path(engine.game.__file__).resolve().parent


def _imported_modules(path: Path) -> list[str]:
    """Every module an ``import`` in ``path`` names, relative imports resolved against ``engine.game``
    (lazy imports inside functions included)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            package = ["engine", "game"][: max(0, 3 - node.level)] if node.level else []
            base = ".".join(package + ([node.module] if node.module else []))
            names += [base] + [f"{base}.{a.name}" for a in node.names]
    return names


def test_the_rules_never_import_the_checks():
    rules = sorted(RULES_DIR.glob("*.py"))
    assert len(rules) > 10, RULES_DIR
    offenders = {p.name: m for p in rules for m in _imported_modules(p)
                 if m == "engine.game.checks" or m.startswith("engine.game.checks.")}
    assert offenders == {}


def test_the_public_api_is_reexported():
    for name in checks.__all__:
        assert getattr(checks, name) is not None, name
    assert checks.check_invariants is checks.invariants.check_invariants
    assert checks.run_all is checks.conformance.run_all
    assert checks.run_soak is checks.soak.soak
    with pytest.raises(AttributeError, match="no_such_check"):
        checks.no_such_check  # noqa: B018 - the lookup itself is the test
    state = engine.game.new_game("square8", 2)
    assert checks.check_invariants(state) == []
