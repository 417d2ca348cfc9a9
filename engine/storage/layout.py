"""Where things live inside a store: the key of every object, manifest, pointer and history entry.

All keys are relative to the store root and use ``/``. Pure functions only, so the layout is
defined (and documented in docs/STORAGE.md) in exactly one place::

    objects/<sha[:2]>/<sha>                       object bytes, sha = sha256 of the bytes
    manifests/<id>.json                           manifest JSON, id = sha256 of the JSON bytes
    pointers/<name>.json                          current version of a named pointer
    pointers-history/<name>/<version>-<time>.json immutable copy of every pointer version
    tmp/                                          local stores only: files being written
    locks/                                        local stores only: flock files for pointer CAS

Names and hashes are validated here before any I/O so a malformed name can never escape the
store root (``..``) or collide with the history layout.
"""

from __future__ import annotations

import re
from datetime import datetime

from engine.names import name_problem

from .errors import InvalidName

OBJECTS = "objects"
MANIFESTS = "manifests"
POINTERS = "pointers"
HISTORY = "pointers-history"
TMP = "tmp"
LOCKS = "locks"

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_HISTORY_FILE_RE = re.compile(r"^(\d{10})-(\d{8}T\d{12}Z)\.json$")
MAX_NAME_LEN = 200


def check_sha(sha: str, what: str = "sha256") -> str:
    """Return ``sha`` if it is 64 lowercase hex digits, else raise ``InvalidName``."""
    if not isinstance(sha, str) or not _SHA_RE.match(sha):
        raise InvalidName(f"invalid {what} {sha!r}: expected 64 lowercase hex digits")
    return sha


def check_pointer_name(name: str) -> str:
    """Pointer names are ``/``-separated segments of ``[A-Za-z0-9_.-]`` (e.g. ``champion/square8_2p``).

    A segment may not start with ``.``/``-``/``_`` (no ``..``, no hidden files) nor end in ``.json``
    (a segment ``x.json`` would collide with the history file names of its parent).
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LEN:
        raise InvalidName(f"invalid pointer name {name!r}: 1..{MAX_NAME_LEN} characters required")
    for seg in name.split("/"):
        problem = name_problem(seg)  # each segment follows the one path-safe rule (engine.names)
        if problem is None and seg.endswith(".json"):
            problem = "must not end in .json"
        if problem is not None:
            raise InvalidName(f"invalid pointer name {name!r}: segment {seg!r}: {problem}")
    return name


def object_key(sha: str) -> str:
    check_sha(sha)
    return f"{OBJECTS}/{sha[:2]}/{sha}"


def manifest_key(manifest_id: str) -> str:
    check_sha(manifest_id, "manifest id")
    return f"{MANIFESTS}/{manifest_id}.json"


def pointer_key(name: str) -> str:
    return f"{POINTERS}/{check_pointer_name(name)}.json"


def history_prefix(name: str) -> str:
    return f"{HISTORY}/{check_pointer_name(name)}/"


def history_key(name: str, version: int, updated_at: datetime) -> str:
    """Deterministic from the pointer document itself, so a lost history write can be redone."""
    stamp = updated_at.strftime("%Y%m%dT%H%M%S%fZ")
    return f"{history_prefix(name)}{version:010d}-{stamp}.json"


def sha_from_object_key(key: str) -> str | None:
    """The sha of ``objects/ab/<sha>``, or ``None`` for anything else (stray files are ignored)."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == OBJECTS and _SHA_RE.match(parts[2]) and parts[1] == parts[2][:2]:
        return parts[2]
    return None


def id_from_manifest_key(key: str) -> str | None:
    parts = key.split("/")
    if len(parts) == 2 and parts[0] == MANIFESTS and parts[1].endswith(".json"):
        mid = parts[1][: -len(".json")]
        if _SHA_RE.match(mid):
            return mid
    return None


def name_from_pointer_key(key: str) -> str | None:
    if not (key.startswith(POINTERS + "/") and key.endswith(".json")):
        return None
    name = key[len(POINTERS) + 1: -len(".json")]
    try:
        return check_pointer_name(name)
    except InvalidName:
        return None


def parse_history_key(key: str) -> tuple[str, int] | None:
    """``(pointer name, version)`` of a history key, or ``None`` if it is not one."""
    if not key.startswith(HISTORY + "/"):
        return None
    head, _, file = key[len(HISTORY) + 1:].rpartition("/")
    m = _HISTORY_FILE_RE.match(file)
    if not head or not m:
        return None
    try:
        return check_pointer_name(head), int(m.group(1))
    except InvalidName:
        return None
