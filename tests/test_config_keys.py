"""No dead config and one place for each default: every key of ``config/unified_loop.yaml`` is read
by the code, and the shipped file says exactly what the dataclass defaults say."""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

from engine.config import DEFAULT_CONFIG_PATH, ForgeConfig, config_from_dict, load_config

ROOT = Path(__file__).resolve().parents[1]
CONFIG_MODULE = ROOT / "engine" / "config.py"
# where the configuration is used (tests do not count: a key only a test reads is still dead)
CODE = ("engine", "ops", "tasks", "flows", "ringrift", "deployments")


def _base(tp):
    return typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp


def leaf_keys(cls=ForgeConfig, prefix: str = "") -> list[str]:
    """Dotted keys of every leaf field (a nested dataclass is a section, anything else a leaf)."""
    out = []
    hints = typing.get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        if f.name == "source":  # where the config was read from, not a key
            continue
        tp = _base(hints[f.name])
        if dataclasses.is_dataclass(tp):
            out += leaf_keys(tp, f"{prefix}{f.name}.")
        else:
            out.append(prefix + f.name)
    return out


def _names_read(tree: ast.AST) -> set[str]:
    """Attribute names read (``x.name``, ``getattr(x, "name")``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
            names.add(node.args[1].value)
    return names


def _read_outside_config() -> set[str]:
    names: set[str] = set()
    for d in CODE:
        for p in (ROOT / d).rglob("*.py"):
            if p != CONFIG_MODULE:
                names |= _names_read(ast.parse(p.read_text(), str(p)))
    return names


def _config_accessors() -> dict[str, set[str]]:
    """Methods and properties of engine/config.py -> the attribute names they read, following
    calls to one another (``flow_timeout`` reads ``timeouts`` through ``timeout``)."""
    tree = ast.parse(CONFIG_MODULE.read_text())
    direct = {fn.name: _names_read(fn) for fn in ast.walk(tree) if isinstance(fn, ast.FunctionDef)
              and not fn.name.startswith("_")}
    closed = {k: set(v) for k, v in direct.items()}
    changed = True
    while changed:
        changed = False
        for name, reads in closed.items():
            more = set().union(*(closed[g] for g in reads if g in closed and g != name)) - reads
            if more:
                reads |= more
                changed = True
    return closed


def test_every_config_key_is_read_outside_the_config_module():
    """A key counts as read when code outside engine/config.py reads its attribute, or reads a
    public method / property of engine/config.py that reads it (``home`` via ``home_path``)."""
    outside = _read_outside_config()
    accessors = _config_accessors()
    keys = leaf_keys()
    assert len(keys) > 100  # the walk found the sections
    dead = []
    for key in keys:
        name = key.rsplit(".", 1)[-1]
        if name in outside:
            continue
        if any(name in reads and acc in outside for acc, reads in accessors.items()):
            continue
        dead.append(key)
    assert not dead, f"config keys nothing reads (wire them or delete them with their YAML line): {dead}"


def test_a_key_nothing_reads_is_found():
    """The walk sees through an accessor only when the accessor itself is used."""
    assert "home" in leaf_keys() and "orchestration.timeouts" in leaf_keys()
    assert "home_path" in _read_outside_config()
    assert "home" in _config_accessors()["home_path"]
    assert "no_such_key_anywhere" not in _read_outside_config()


def _diff(a, b, prefix: str = "") -> list[str]:
    if dataclasses.is_dataclass(a) and dataclasses.is_dataclass(b):
        return [k for f in dataclasses.fields(a) if f.name != "source"
                for k in _diff(getattr(a, f.name), getattr(b, f.name), f"{prefix}{f.name}.")]
    return [] if a == b else [prefix.rstrip(".")]


def test_the_shipped_yaml_holds_exactly_the_defaults():
    """One place for each default: the dataclasses define them; config/unified_loop.yaml writes
    every key out (commented, for the reader) with the same values."""
    shipped = load_config(DEFAULT_CONFIG_PATH, env={})
    defaults = config_from_dict({}, env={})
    assert _diff(shipped, defaults) == [], "config/unified_loop.yaml disagrees with the dataclass defaults"
    assert dataclasses.replace(shipped, source="") == dataclasses.replace(defaults, source="")
    # and the shipped file writes out every key (nothing is a default only the code knows)
    import yaml

    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())

    def written(d, prefix=""):
        for k, v in d.items():
            if isinstance(v, dict) and f"{prefix}{k}" not in mapping_keys:
                yield from written(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"

    mapping_keys = set(leaf_keys())
    missing = sorted(set(leaf_keys()) - set(written(data)))
    assert not missing, f"keys config/unified_loop.yaml does not write out: {missing}"
