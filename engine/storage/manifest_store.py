"""Storing, reading and walking manifests in a backend (``manifests/<id>.json``).

Reads verify that the document hashes to its id (``IntegrityError`` otherwise). Publishing checks
by default that every object the manifest lists is present, so a manifest in the store is never a
promise of data that was not uploaded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from . import layout
from .backend import Backend, KeyInfo
from .errors import DocumentError, IntegrityError, ManifestNotFound, ObjectNotFound, StorageError
from .hashing import sha256_bytes
from .manifest import Manifest
from .objects import REFRESH_AFTER


def put_manifest(backend: Backend, manifest: Manifest, *, check_objects: bool = True) -> str:
    """Store the manifest and return its id; idempotent (an existing one only gets its age refreshed)."""
    if check_objects:
        missing = [e.name for e in manifest.objects
                   if (i := backend.info(layout.object_key(e.sha256))) is None or i.size != e.size]
        missing += [e.name for e in manifest.children if backend.info(layout.manifest_key(e.sha256)) is None]
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise StorageError(f"refusing to publish a {manifest.kind} manifest to {backend.url}: "
                               f"entries not in the store: {shown}")
    data = manifest.to_json().encode()
    mid = sha256_bytes(data)
    key = layout.manifest_key(mid)
    info = backend.info(key)
    if info is None or info.size != len(data):
        backend.write_bytes(key, data)
    elif time.time() - info.mtime > REFRESH_AFTER:
        backend.touch(key)
    return mid


def read_manifest_bytes(backend: Backend, manifest_id: str) -> bytes:
    """The verified JSON bytes of a manifest."""
    key = layout.manifest_key(manifest_id)
    try:
        data = backend.read_bytes(key)
    except ObjectNotFound:
        raise ManifestNotFound(backend.url, key) from None
    actual = sha256_bytes(data)
    if actual != manifest_id:
        raise IntegrityError(backend.url, key, manifest_id, actual, "manifest")
    return data


def get_manifest(backend: Backend, manifest_id: str) -> Manifest:
    data = read_manifest_bytes(backend, manifest_id)
    try:
        return Manifest.from_json(data)
    except ValueError as e:
        raise DocumentError(backend.url, layout.manifest_key(manifest_id), str(e)) from None


def has_manifest(backend: Backend, manifest_id: str) -> bool:
    return backend.info(layout.manifest_key(manifest_id)) is not None


def list_manifests(backend: Backend) -> list[tuple[str, KeyInfo]]:
    """``(id, key info)`` of every manifest in the store, sorted by id."""
    out = []
    for info in backend.list(layout.MANIFESTS):
        mid = layout.id_from_manifest_key(info.key)
        if mid is not None:
            out.append((mid, info))
    return out


def walk_manifests(backend: Backend, roots: Iterable[str]) -> dict[str, Manifest]:
    """Every manifest reachable from ``roots`` through ``manifest`` entries (roots included).

    Raises ``ManifestNotFound`` naming the first missing one.
    """
    seen: dict[str, Manifest] = {}
    todo = list(dict.fromkeys(roots))
    while todo:
        mid = todo.pop()
        if mid in seen:
            continue
        m = get_manifest(backend, mid)
        seen[mid] = m
        todo.extend(e.sha256 for e in m.children if e.sha256 not in seen)
    return seen
