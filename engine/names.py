"""Safe names: the one rule for every id or name that ends up in a file path.

Game ids, manifest entry names, batch / run / model / dataset ids, config keys and output names
all come, sooner or later, from data someone else wrote (a shard line, a manifest in a shared
bucket, a database row, a command-line argument) and all of them are used to build paths. A name
with a separator or ``..`` would let that data choose where a file is written, so every such name
must pass ``check_name`` before it is used, and every path built from one goes through
``safe_join``, which also checks that the resolved result stays inside its folder (a symlink
planted inside the folder cannot redirect it either).

The rule: 1 to ``MAX_NAME_LENGTH`` characters of ``[A-Za-z0-9._-]``, starting with a letter or a
digit (so no hidden files, no ``-option`` look-alikes), and no ``..`` anywhere.

    check_name(record.game_id, "game id")          # UnsafeName: invalid game id '../x': ...
    out = safe_join(Path("show"), game_id, kind="game id")
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_NAME_LENGTH = 128  # leaves room for a 64-hex-digit prefix in a 255-byte file name
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class UnsafeName(ValueError):
    """A name that may not become part of a path; the message names its kind and value."""

    def __init__(self, kind: str, value: object, reason: str) -> None:
        self.kind, self.value, self.reason = kind, value, reason
        super().__init__(f"invalid {kind} {_show(value)}: {reason}")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 160 else text[:157] + "..."


def name_problem(value: object) -> str | None:
    """Why ``value`` is not a safe name, or ``None`` when it is one."""
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if not value:
        return "must not be empty"
    if len(value) > MAX_NAME_LENGTH:
        return f"{len(value)} characters, at most {MAX_NAME_LENGTH} allowed"
    if ".." in value:
        return "must not contain '..'"
    if not _NAME_RE.fullmatch(value):
        return ("only letters, digits, '.', '_' and '-' are allowed, starting with a letter or digit "
                "(no '/', '\\', spaces or control characters)")
    return None


def is_safe_name(value: object) -> bool:
    return name_problem(value) is None


def check_name(value: object, kind: str = "name") -> str:
    """``value`` if it is a safe name, else ``UnsafeName`` naming ``kind`` and the value."""
    problem = name_problem(value)
    if problem is not None:
        raise UnsafeName(kind, value, problem)
    return value  # type: ignore[return-value]


def check_inside(base: str | os.PathLike, path: str | os.PathLike, kind: str = "path") -> Path:
    """``path`` resolved, if it lies inside ``base`` (resolved too); else ``UnsafeName``."""
    root = Path(base).resolve()
    final = Path(path).resolve()
    if final != root and not final.is_relative_to(root):
        raise UnsafeName(kind, os.fspath(path), f"resolves to {final}, outside {root}")
    return final


def safe_join(base: str | os.PathLike, *names: str, kind: str = "name") -> Path:
    """``base / name1 / name2 ...`` where every part is a safe name and the resolved path stays
    inside ``base``. Returns the path as joined (not resolved), so relative paths stay relative."""
    if not names:
        raise ValueError("safe_join needs at least one name")
    for n in names:
        check_name(n, kind)
    joined = Path(base).joinpath(*names)
    check_inside(base, joined, kind)
    return joined


__all__ = ["MAX_NAME_LENGTH", "UnsafeName", "check_inside", "check_name", "is_safe_name", "name_problem",
           "safe_join"]
