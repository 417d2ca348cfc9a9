"""Named pointers (``champion/square8_2p`` -> manifest id) moved by compare-and-swap, with history.

A pointer is a small JSON document at ``pointers/<name>.json``: target manifest id, a version
number that grows by one per move, the previous target, a timestamp and free metadata. Its
``etag`` is the backend's version token of that document (S3 ETag; sha256 of the bytes on local
and memory stores); ``swap_pointer`` writes only if the pointer still has the etag of the
``expected`` pointer the caller read, so two promoters racing on the same pointer cannot both
win: the loser gets ``PointerConflict`` and must re-read and decide again.

Every version is also kept as an immutable copy under ``pointers-history/<name>/`` (key derived
from the version and timestamp, see ``layout.history_key``), so the promotion history can be read
back from the store and prune keeps every champion there ever was. The copy is written after the
swap succeeded; if a writer dies in between, the next swap writes the missing copy of the version
it replaced (the copy is derived from the pointer document, so that is always possible).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from . import layout
from .backend import Backend
from .errors import ConditionFailed, DocumentError, ManifestNotFound, ObjectNotFound, PointerConflict
from .manifest import canonical_json, freeze_metadata

FORMAT = "ringrift-pointer/1"
_TIME_FMT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime(_TIME_FMT)


def parse_time(s: str) -> datetime:
    return datetime.strptime(s, _TIME_FMT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Pointer:
    """One version of a named pointer. ``etag`` is empty for history entries (not swappable)."""

    name: str
    target: str
    version: int
    updated_at: datetime
    previous: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)
    etag: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        layout.check_pointer_name(self.name)
        layout.check_sha(self.target, "pointer target")
        if self.previous is not None:
            layout.check_sha(self.previous, "previous target")
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"pointer {self.name!r}: version must be an integer >= 1, got {self.version!r}")
        if self.updated_at.tzinfo is None:
            raise ValueError(f"pointer {self.name!r}: updated_at must be timezone-aware")
        object.__setattr__(self, "metadata", freeze_metadata(self.metadata, f"pointer {self.name!r}"))

    def to_json(self) -> str:
        return canonical_json({"format": FORMAT, "name": self.name, "target": self.target,
                               "version": self.version, "updated_at": format_time(self.updated_at),
                               "previous": self.previous, "metadata": dict(self.metadata)})

    @classmethod
    def from_json(cls, text: str | bytes, etag: str = "") -> Pointer:
        """Parse a pointer document; ``ValueError`` says what is wrong."""
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError(f"not JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a pointer (expected format {FORMAT!r})")
        try:
            return cls(doc["name"], doc["target"], doc["version"], parse_time(doc["updated_at"]),
                       doc.get("previous"), doc.get("metadata") or {}, etag)
        except KeyError as k:
            raise ValueError(f"missing field {k}") from None
        except Exception as e:  # noqa: BLE001 - InvalidName, ValueError, TypeError from validation
            raise ValueError(str(e)) from None

    @property
    def history_key(self) -> str:
        return layout.history_key(self.name, self.version, self.updated_at)


def _parse(backend: Backend, key: str, data: bytes, etag: str, name: str | None) -> Pointer:
    try:
        p = Pointer.from_json(data, etag)
    except ValueError as e:
        raise DocumentError(backend.url, key, str(e)) from None
    if name is not None and p.name != name:
        raise DocumentError(backend.url, key, f"document names pointer {p.name!r}")
    return p


def read_pointer(backend: Backend, name: str) -> Pointer | None:
    """The current version of the pointer, or ``None`` if it was never created."""
    key = layout.pointer_key(name)
    got = backend.read_versioned(key)
    if got is None:
        return None
    return _parse(backend, key, got[0], got[1], name)


def swap_pointer(backend: Backend, name: str, new_target: str, expected: Pointer | None, *,
                 metadata: Mapping[str, Any] | None = None, now: datetime | None = None) -> Pointer:
    """Move ``name`` to ``new_target`` iff it is still at ``expected`` (``None``: iff it does not exist).

    ``new_target`` must be a manifest id present in the store. Returns the new pointer (with its
    etag, usable as the next ``expected``); raises ``PointerConflict`` if someone else moved it.
    """
    key = layout.pointer_key(name)
    layout.check_sha(new_target, "pointer target")
    if expected is not None:
        if expected.name != name:
            raise ValueError(f"expected pointer is {expected.name!r}, not {name!r}")
        if not expected.etag:
            raise ValueError("expected must be a Pointer returned by read_pointer/swap_pointer "
                             "(history entries carry no etag)")
    if backend.info(layout.manifest_key(new_target)) is None:
        raise ManifestNotFound(backend.url, layout.manifest_key(new_target))
    t = now or datetime.now(UTC)
    if expected is not None and t <= expected.updated_at:  # clocks of two hosts may disagree
        t = expected.updated_at + timedelta(microseconds=1)
    new = Pointer(name, new_target, expected.version + 1 if expected else 1, t,
                  expected.target if expected else None, metadata or {})
    try:
        etag = backend.write_conditional(key, new.to_json().encode(), expected.etag if expected else None)
    except ConditionFailed:
        raise PointerConflict(backend.url, name, expected.version if expected else None) from None
    new = replace(new, etag=etag)
    record_history(backend, new)
    if expected is not None:
        record_history(backend, expected)  # repairs a copy lost by a writer killed after its swap
    return new


def record_history(backend: Backend, pointer: Pointer) -> bool:
    """Write the immutable history copy of this version if it is missing; ``True`` if written."""
    # create-only: a history entry, once written, is never replaced
    return backend.write_new(pointer.history_key, pointer.to_json().encode())


def list_pointers(backend: Backend) -> list[str]:
    names = (layout.name_from_pointer_key(i.key) for i in backend.list(layout.POINTERS))
    return sorted(n for n in names if n is not None)


def pointer_history(backend: Backend, name: str) -> tuple[Pointer, ...]:
    """Every recorded version of the pointer, oldest first (the current one included)."""
    prefix = layout.history_prefix(name)
    found: dict[int, Pointer] = {}
    for info in backend.list(prefix.rstrip("/")):
        parsed = layout.parse_history_key(info.key)
        if parsed is None or parsed[0] != name:
            continue  # a deeper pointer's history (``name/child``) lives below this folder
        found[parsed[1]] = _parse(backend, info.key, backend.read_bytes(info.key), "", name)
    current = read_pointer(backend, name)
    if current is not None and current.version not in found:
        found[current.version] = replace(current, etag="")
    return tuple(found[v] for v in sorted(found))


def iter_history(backend: Backend) -> Iterator[Pointer]:
    """Every history entry of every pointer (for prune: all targets ever published)."""
    for info in backend.list(layout.HISTORY):
        if layout.parse_history_key(info.key) is None:
            continue
        try:
            data = backend.read_bytes(info.key)
        except ObjectNotFound:
            continue
        yield _parse(backend, info.key, data, "", None)


def copy_history(src: Backend, dst: Backend, name: str) -> int:
    """Copy the history entries of ``name`` that ``dst`` lacks (validated); returns how many."""
    prefix = layout.history_prefix(name).rstrip("/")
    have = {i.key for i in dst.list(prefix)}
    n = 0
    for info in src.list(prefix):
        parsed = layout.parse_history_key(info.key)
        if parsed is None or parsed[0] != name or info.key in have:
            continue
        data = src.read_bytes(info.key)
        _parse(src, info.key, data, "", name)  # never copy a damaged document
        n += dst.write_new(info.key, data)
    return n


def mirror_pointer(backend: Backend, source: Pointer, *, attempts: int = 5) -> bool:
    """Make the pointer here an exact copy of ``source`` (from another store); ``True`` if it changed.

    Used by sync: a cache's pointers follow the remote's, version numbers included. The write is a
    compare-and-swap against whatever is here, retried if a concurrent sync moved it meanwhile. A
    pointer here at a *higher* version is left alone: a late sync (an abandoned watchdog thread)
    holding an older remote version must not move the cache backwards.
    """
    key = layout.pointer_key(source.name)
    data = source.to_json().encode()
    for _ in range(attempts):
        got = backend.read_versioned(key)
        if got is not None:
            if got[0] == data:
                return False
            here = _parse(backend, key, got[0], got[1], source.name)
            if here.version > source.version:
                return False
        try:
            backend.write_conditional(key, data, got[1] if got is not None else None)
        except ConditionFailed:
            continue
        record_history(backend, source)
        return True
    raise PointerConflict(backend.url, source.name, None, f"could not mirror after {attempts} attempts")
