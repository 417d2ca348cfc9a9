"""The layout's promises about Prefect: nothing under engine/ imports it or the ops/ layer above it
(engine/ is the pure domain library), and ops/gateway.py is the one module that opens a Prefect
client."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "var", "ringrift_forge.egg-info", ".git", "node_modules", "__pycache__"}


def python_files(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def imports_of(path: Path, packages: set[str]) -> list[str]:
    """``file:line module`` for every ``import P...`` / ``from P... import`` in ``path`` whose top-level
    package ``P`` is one of ``packages`` (relative imports stay inside their own package)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        out += [(node.lineno, n) for n in names if n.split(".")[0] in packages]
    return [f"{path.relative_to(ROOT)}:{line} {n}" for line, n in sorted(out)]


def client_openings(path: Path) -> list[str]:
    """``file:line`` wherever Prefect's ``get_client`` is imported or called (by any name)."""
    lines = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and any(a.name == "get_client" for a in node.names):
            lines.add(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr == "get_client":
            lines.add(node.lineno)
    return [f"{path.relative_to(ROOT)}:{line}" for line in sorted(lines)]


def test_no_module_under_engine_imports_prefect_or_ops():
    files = python_files(ROOT / "engine")
    assert len(files) > 50  # the walk found the package
    found = [hit for f in files for hit in imports_of(f, {"prefect", "ops"})]
    assert found == [], "engine/ must import neither Prefect nor ops (move the code to ops/):\n" + "\n".join(found)


def test_only_the_gateway_opens_a_prefect_client():
    found = sorted({hit.split(":")[0] for f in python_files(ROOT) for hit in client_openings(f)})
    assert found == ["ops/gateway.py"], found


def test_the_checks_see_what_they_look_for(tmp_path, monkeypatch):
    """Both detectors flag each form they promise to (a check that can never fail proves nothing)."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    bad = tmp_path / "bad.py"
    bad.write_text("import os, prefect.states\nfrom prefect import flow\nfrom .prefect import x\n"
                   "def f():\n    from prefect.client.orchestration import get_client\n"
                   "    import prefect.client.orchestration as o\n    return o.get_client()\n")
    assert imports_of(bad, {"prefect", "ops"}) == ["bad.py:1 prefect.states", "bad.py:2 prefect",
                                                  "bad.py:5 prefect.client.orchestration",
                                                  "bad.py:6 prefect.client.orchestration"]
    assert client_openings(bad) == ["bad.py:5", "bad.py:7"]
    ok = tmp_path / "ok.py"
    ok.write_text("import prefectlike, operator\nfrom ops.gateway import prefect_client\nfrom .ops import y\n")
    assert imports_of(ok, {"prefect"}) == [] and client_openings(ok) == []
    assert imports_of(ok, {"prefect", "ops"}) == ["ok.py:2 ops.gateway"]
