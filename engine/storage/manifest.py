"""Manifests: the JSON document naming the objects of one dataset, shard set or model.

A manifest is itself content addressed: its id is the sha256 of its canonical JSON (sorted keys,
no whitespace, ASCII), so the same content always has the same id and a manifest cannot be edited
in place, only superseded. An entry of kind ``manifest`` references another manifest by id, which
lets a training run's manifest point at the dataset manifests it used (prune follows these links).

Pure data + JSON; storing and reading manifests is ``manifest_store``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine.names import check_name

from .hashing import sha256_bytes
from .layout import check_sha

FORMAT = "ringrift-manifest/1"
OBJECT = "object"
MANIFEST = "manifest"
ENTRY_KINDS = (OBJECT, MANIFEST)


def freeze_metadata(meta: Mapping[str, Any] | None, where: str) -> Mapping[str, Any]:
    """A read-only copy of JSON-compatible metadata; anything JSON cannot hold is refused here."""
    if meta is None:
        return MappingProxyType({})
    if not isinstance(meta, Mapping):
        raise ValueError(f"{where}: metadata must be a mapping, got {type(meta).__name__}")
    try:
        copy = json.loads(json.dumps(dict(meta), sort_keys=True, allow_nan=False))
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: metadata is not JSON-serialisable: {e}") from None
    return MappingProxyType(copy)


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


@dataclass(frozen=True)
class ManifestEntry:
    """One member: a name unique within the manifest, the content address and size, a kind."""

    name: str
    sha256: str
    size: int
    kind: str = OBJECT
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # readers turn entry names into file names (fetch_object, sync): one path-safe rule
        check_name(self.name, "manifest entry name")
        check_sha(self.sha256)
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"manifest entry {self.name!r}: size must be an integer >= 0, got {self.size!r}")
        if self.kind not in ENTRY_KINDS:
            raise ValueError(f"manifest entry {self.name!r}: kind must be one of {ENTRY_KINDS}, got {self.kind!r}")
        object.__setattr__(self, "metadata", freeze_metadata(self.metadata, f"manifest entry {self.name!r}"))

    @classmethod
    def for_object(cls, name: str, ref: Any, metadata: Mapping[str, Any] | None = None) -> ManifestEntry:
        """An entry for an ``ObjectRef`` returned by ``put_bytes``/``put_file``."""
        return cls(name, ref.sha256, ref.size, OBJECT, metadata or {})

    @classmethod
    def for_manifest(cls, name: str, manifest: Manifest, metadata: Mapping[str, Any] | None = None) -> ManifestEntry:
        """An entry referencing another manifest (its id and JSON size)."""
        return cls(name, manifest.id, len(manifest.to_json().encode()), MANIFEST, metadata or {})

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "kind": self.kind,
                "metadata": dict(self.metadata)}


@dataclass(frozen=True)
class Manifest:
    """The objects of one artifact: ``kind`` says what it is (``dataset``, ``shards``, ``model``...)."""

    kind: str
    entries: tuple[ManifestEntry, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise ValueError(f"manifest kind must be a non-empty string, got {self.kind!r}")
        entries = tuple(self.entries)
        for e in entries:
            if not isinstance(e, ManifestEntry):
                raise ValueError(f"manifest entries must be ManifestEntry, got {type(e).__name__}")
        names = [e.name for e in entries]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"manifest entry names must be unique; repeated: {dup}")
        object.__setattr__(self, "entries", entries)
        object.__setattr__(self, "metadata", freeze_metadata(self.metadata, f"manifest ({self.kind})"))

    @classmethod
    def build(cls, kind: str, entries: Iterable[ManifestEntry], metadata: Mapping[str, Any] | None = None) -> Manifest:
        return cls(kind, tuple(entries), metadata or {})

    # -- identity --------------------------------------------------------------------------------
    def to_json(self) -> str:
        """Canonical JSON: the bytes stored and hashed (entries keep their given order)."""
        return canonical_json({"format": FORMAT, "kind": self.kind, "metadata": dict(self.metadata),
                               "entries": [e.to_dict() for e in self.entries]})

    @property
    def id(self) -> str:
        return sha256_bytes(self.to_json().encode())

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse a manifest; ``ValueError`` says what is wrong."""
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as e:
            raise ValueError(f"not JSON: {e}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a manifest (expected format {FORMAT!r})")
        raw = doc.get("entries")
        if not isinstance(raw, list):
            raise ValueError("entries must be a list")
        entries = []
        for i, e in enumerate(raw):
            if not isinstance(e, dict):
                raise ValueError(f"entry {i} is not an object")
            try:
                entries.append(ManifestEntry(e["name"], e["sha256"], e["size"], e.get("kind", OBJECT),
                                             e.get("metadata") or {}))
            except KeyError as k:
                raise ValueError(f"entry {i} lacks {k}") from None
            except Exception as x:  # noqa: BLE001 - InvalidName or ValueError from validation
                raise ValueError(f"entry {i}: {x}") from None
        return cls(doc.get("kind"), tuple(entries), doc.get("metadata") or {})

    # -- views -----------------------------------------------------------------------------------
    def entry(self, name: str) -> ManifestEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"no entry {name!r} in manifest {self.id[:12]} ({self.kind})")

    @property
    def objects(self) -> tuple[ManifestEntry, ...]:
        return tuple(e for e in self.entries if e.kind == OBJECT)

    @property
    def children(self) -> tuple[ManifestEntry, ...]:
        """Entries referencing other manifests."""
        return tuple(e for e in self.entries if e.kind == MANIFEST)

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.objects)
