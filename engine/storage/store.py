"""``ArtifactStore``: the one object callers hold, and the functions that open one.

A thin facade binding the object, manifest and pointer functions to one backend, so callers write
``store.put_file(p)`` / ``store.swap_pointer(...)`` and never see keys or filesystems. It holds no
credentials and its ``repr`` shows only the redacted URL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from . import layout, manifest_store, objects, pointers
from .backend import Backend, open_backend
from .manifest import Manifest
from .objects import ObjectRef
from .pointers import Pointer

if TYPE_CHECKING:
    from engine.config import ForgeConfig


class ArtifactStore:
    """A content-addressed artifact store rooted at a URL (see docs/STORAGE.md for the layout)."""

    def __init__(self, backend: Backend):
        self.backend = backend

    @property
    def url(self) -> str:
        """The store URL as safe to print (no credentials, no query)."""
        return self.backend.url

    def __repr__(self) -> str:
        return f"ArtifactStore({self.backend!r})"

    __str__ = __repr__

    # -- objects ---------------------------------------------------------------------------------
    def put_bytes(self, data: bytes) -> ObjectRef:
        """Store bytes under their sha256; idempotent."""
        return objects.put_bytes(self.backend, data)

    def put_file(self, path: str | os.PathLike[str]) -> ObjectRef:
        """Store a local file (streamed); idempotent."""
        return objects.put_file(self.backend, path)

    def get_bytes(self, sha256: str) -> bytes:
        """The object's bytes, verified (``IntegrityError`` on mismatch, ``ObjectNotFound`` if absent)."""
        return objects.get_bytes(self.backend, sha256)

    def open(self, sha256: str) -> BinaryIO:
        """A read stream verified at its end (the read reaching EOF raises ``IntegrityError``)."""
        return objects.open_object(self.backend, sha256)

    def fetch_to(self, sha256: str, path: str | os.PathLike[str],
                 progress: Callable[[int], None] | None = None) -> ObjectRef:
        """Copy the object to a local file, verified before it appears at ``path``."""
        return objects.fetch_to(self.backend, sha256, path, progress)

    def has(self, sha256: str) -> bool:
        return objects.stat(self.backend, sha256) is not None

    def stat(self, sha256: str) -> ObjectRef | None:
        return objects.stat(self.backend, sha256)

    def verify(self, sha256: str) -> ObjectRef:
        """Re-read and re-hash a stored object."""
        return objects.verify(self.backend, sha256)

    def list_objects(self) -> tuple[ObjectRef, ...]:
        return tuple(ref for ref, _ in objects.iter_objects(self.backend))

    def local_path(self, sha256: str) -> Path | None:
        """Where a local store keeps the object (for mmap loading), ``None`` on remote stores.

        Reading through this path skips verification: the object was verified when it was
        written (or synced); call ``verify`` when in doubt.
        """
        return self.backend.local_path(layout.object_key(sha256))

    # -- manifests -------------------------------------------------------------------------------
    def put_manifest(self, manifest: Manifest, *, check_objects: bool = True) -> str:
        """Store a manifest; its id (sha256 of its JSON) is returned. Listed objects must be present."""
        return manifest_store.put_manifest(self.backend, manifest, check_objects=check_objects)

    def get_manifest(self, manifest_id: str) -> Manifest:
        return manifest_store.get_manifest(self.backend, manifest_id)

    def has_manifest(self, manifest_id: str) -> bool:
        return manifest_store.has_manifest(self.backend, manifest_id)

    def list_manifests(self) -> tuple[str, ...]:
        return tuple(mid for mid, _ in manifest_store.list_manifests(self.backend))

    # -- pointers --------------------------------------------------------------------------------
    def read_pointer(self, name: str) -> Pointer | None:
        return pointers.read_pointer(self.backend, name)

    def swap_pointer(self, name: str, new_target: str, expected: Pointer | None, *,
                     metadata: Mapping[str, Any] | None = None, now: datetime | None = None) -> Pointer:
        """Compare-and-swap ``name`` to the manifest ``new_target``; ``PointerConflict`` if it moved."""
        return pointers.swap_pointer(self.backend, name, new_target, expected, metadata=metadata, now=now)

    def list_pointers(self) -> tuple[str, ...]:
        return tuple(pointers.list_pointers(self.backend))

    def pointer_history(self, name: str) -> tuple[Pointer, ...]:
        """Every version the pointer ever had, oldest first."""
        return pointers.pointer_history(self.backend, name)


def open_store(url: str | os.PathLike[str], *, s3_endpoint_url: str | None = None,
               s3_region: str | None = None) -> ArtifactStore:
    """Open the store at ``url``: ``file:///abs/path``, a plain path, ``memory://name``, ``s3://bucket/prefix``.

    S3 credentials come only from the environment (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
    or the usual botocore chain); ``s3_endpoint_url`` selects MinIO/moto, ``s3_region`` the region.
    """
    return ArtifactStore(open_backend(os.fspath(url), s3_endpoint_url=s3_endpoint_url, s3_region=s3_region))


def as_store(store_or_path: ArtifactStore | str | os.PathLike[str]) -> ArtifactStore:
    """Accept a store or anything ``open_store`` accepts (a cache folder, typically)."""
    return store_or_path if isinstance(store_or_path, ArtifactStore) else open_store(store_or_path)


def store_from_config(cfg: ForgeConfig) -> ArtifactStore:
    """The shared artifact store of a ``ForgeConfig`` (``storage.url`` and the S3 settings)."""
    return open_store(cfg.storage_url, s3_endpoint_url=cfg.storage.s3_endpoint_url, s3_region=cfg.storage.s3_region)


def cache_from_config(cfg: ForgeConfig) -> ArtifactStore:
    """The host-local cache store (``storage.cache_dir``) that ``sync_store`` fills from the shared one."""
    return open_store(cfg.cache_path)
