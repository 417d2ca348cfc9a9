"""The quick tier (``-m "not slow"``) defined in tests/conftest.py: every listed test exists, and
the hook marks what the list and the server fixtures name."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _suite_conftest():
    spec = importlib.util.spec_from_file_location("suite_conftest_under_test", ROOT / "tests" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    return {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_slow_entry_names_a_test_that_exists():
    conf = _suite_conftest()
    assert conf.SLOW_TESTS and conf.SLOW_FIXTURES
    stale = []
    for node_id, why in conf.SLOW_TESTS.items():
        path, _, name = node_id.split("[", 1)[0].partition("::")
        assert why.strip() and name.startswith("test_"), node_id
        if not (ROOT / path).is_file() or name not in _functions(ROOT / path):
            stale.append(node_id)
    assert not stale, f"tests/conftest.py SLOW_TESTS names tests that do not exist (renamed?): {stale}"
    fixtures = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("conftest.py"))
    for name in conf.SLOW_FIXTURES:
        assert f"def {name}(" in fixtures, f"SLOW_FIXTURES names no fixture {name!r}"


class _Item:
    def __init__(self, nodeid: str, fixturenames=()):
        self.nodeid, self.fixturenames, self.markers = nodeid, list(fixturenames), []

    def add_marker(self, m) -> None:
        self.markers.append(m.name if hasattr(m, "name") else m.mark.name)


def test_the_hook_marks_listed_tests_every_variant_and_server_fixtures():
    conf = _suite_conftest()
    listed = next(iter(conf.SLOW_TESTS))
    conf.SLOW_TESTS["tests/x/test_y.py::test_param[big]"] = "one variant only"
    items = [_Item(listed), _Item(listed + "[a-1]"), _Item("tests/x/test_y.py::test_fast", ["tmp_path"]),
             _Item("tests/x/test_y.py::test_server", ["tmp_path", "prefect_server"]),
             _Item(listed.replace("::", "::x") + "_other"), _Item("tests/x/test_y.py::test_param[big]"),
             _Item("tests/x/test_y.py::test_param[small]")]
    conf.pytest_collection_modifyitems(None, items)
    assert [bool(i.markers) for i in items] == [True, True, False, True, False, True, False]
    assert all(m == ["slow"] for i in items for m in [i.markers] if m)


@pytest.mark.parametrize("marker", ["slow"])
def test_the_marker_is_registered(pytestconfig, marker):
    assert any(m.split(":")[0] == marker for m in pytestconfig.getini("markers"))
