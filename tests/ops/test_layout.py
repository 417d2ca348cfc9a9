"""The layout's promises about Prefect: nothing under engine/ imports it (engine/ is the pure domain
library), and ops/gateway.py is the one module that opens a Prefect client."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "var", "ringrift_forge.egg-info", ".git", "node_modules", "__pycache__"}


def python_files(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.py") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def prefect_imports(path: Path) -> list[str]:
    """``file:line module`` for every ``import prefect...`` / ``from prefect... import`` in ``path``."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        out += [(node.lineno, n) for n in names if n.split(".")[0] == "prefect"]
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


def test_no_module_under_engine_imports_prefect():
    files = python_files(ROOT / "engine")
    assert len(files) > 50  # the walk found the package
    found = [hit for f in files for hit in prefect_imports(f)]
    assert found == [], "engine/ must not import Prefect (move the code to ops/):\n" + "\n".join(found)


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
    assert prefect_imports(bad) == ["bad.py:1 prefect.states", "bad.py:2 prefect",
                                    "bad.py:5 prefect.client.orchestration", "bad.py:6 prefect.client.orchestration"]
    assert client_openings(bad) == ["bad.py:5", "bad.py:7"]
    (tmp_path / "ok.py").write_text("import prefectlike\nfrom ops.gateway import prefect_client\n")
    assert prefect_imports(tmp_path / "ok.py") == [] and client_openings(tmp_path / "ok.py") == []
