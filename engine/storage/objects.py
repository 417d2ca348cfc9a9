"""Content-addressed objects: the key of a blob is the sha256 of its bytes.

Why content addressing: an object can never change under a reader (same key = same bytes),
writes are idempotent (re-uploading a shard is a no-op, so retries and concurrent writers are
safe), and a reader can always check what it got against the name it asked for. Every read path
here verifies the hash and raises ``IntegrityError`` naming the key on a mismatch.

Writing an object that already exists does not rewrite it, but refreshes its modification time
when it is older than ``REFRESH_AFTER``: prune spares objects younger than its grace period, and a
writer that reuses an old object for a manifest it has not published yet needs that protection too.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from . import layout
from .backend import Backend, KeyInfo
from .errors import BackendError, IntegrityError, ObjectNotFound, StorageError
from .hashing import VerifyingReader, sha256_bytes, sha256_file, verified_chunks

log = logging.getLogger(__name__)

REFRESH_AFTER = 600.0  # seconds; well under prune's default grace period of one hour


@dataclass(frozen=True)
class ObjectRef:
    """The address of an object: its sha256 and size in bytes."""

    sha256: str
    size: int

    @property
    def key(self) -> str:
        return layout.object_key(self.sha256)


def _existing(backend: Backend, sha: str, size: int) -> KeyInfo | None:
    info = backend.info(layout.object_key(sha))
    return info if info is not None and info.size == size else None


def _refresh(backend: Backend, info: KeyInfo) -> None:
    """Best effort: a failed refresh (S3 cannot copy an object over 5 GB onto itself in one
    request) only loses the grace-period protection of an old object, so it must not fail the put."""
    if time.time() - info.mtime > REFRESH_AFTER:
        try:
            backend.touch(info.key)
        except StorageError as e:
            log.warning("could not refresh the age of %s: %s", info.key, e)


def put_bytes(backend: Backend, data: bytes) -> ObjectRef:
    """Store ``data``; a no-op (apart from the age refresh) if the object is already there."""
    ref = ObjectRef(sha256_bytes(data), len(data))
    info = _existing(backend, ref.sha256, ref.size)
    if info is not None:
        _refresh(backend, info)
    else:  # absent, or a wrong-size leftover from outside the store: (re)write it whole
        backend.write_bytes(ref.key, data)
    return ref


def put_file(backend: Backend, path: str | os.PathLike[str]) -> ObjectRef:
    """Store a local file, streamed: hash it first, then upload under its address.

    The file is checked (size and mtime) to be unchanged after the upload; a file modified during
    the upload would have stored the wrong bytes under the address, so that raises and the
    object is removed.
    """
    p = Path(path)
    before = p.stat()
    sha, size = sha256_file(p)
    ref = ObjectRef(sha, size)
    info = _existing(backend, sha, size)
    if info is not None:
        _refresh(backend, info)
        return ref
    backend.upload_file(ref.key, p)
    after = p.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or after.st_size != size:
        backend.delete(ref.key)
        raise StorageError(f"{p} changed while it was being stored in {backend.url}; nothing was stored")
    return ref


def stat(backend: Backend, sha: str) -> ObjectRef | None:
    info = backend.info(layout.object_key(sha))
    return ObjectRef(sha, info.size) if info is not None else None


def get_bytes(backend: Backend, sha: str) -> bytes:
    key = layout.object_key(sha)
    data = backend.read_bytes(key)
    actual = sha256_bytes(data)
    if actual != sha:
        raise IntegrityError(backend.url, key, sha, actual, f"{len(data)} bytes read")
    return data


def open_object(backend: Backend, sha: str) -> BinaryIO:
    """A stream over the object that raises ``IntegrityError`` at the end if the bytes are wrong."""
    key = layout.object_key(sha)
    info = backend.info(key)
    if info is None:
        raise ObjectNotFound(backend.url, key)
    raw = VerifyingReader(backend.open_read(key), sha=sha, size=info.size, url=backend.url, key=key)
    return io.BufferedReader(raw)  # type: ignore[return-value]


def fetch_to(backend: Backend, sha: str, dest: str | os.PathLike[str],
             progress: Callable[[int], None] | None = None) -> ObjectRef:
    """Copy the object to a local path, verified; ``dest`` appears only once it is complete and right.

    The bytes go to ``<dest>.partial-<random>`` next to ``dest`` and are renamed over it after the
    hash matched, so an interrupted or corrupt fetch never leaves a file at ``dest``.
    """
    key = layout.object_key(sha)
    info = backend.info(key)
    if info is None:
        raise ObjectNotFound(backend.url, key)
    dest = Path(dest)
    tmp = dest.with_name(f"{dest.name}.partial-{uuid.uuid4().hex[:12]}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with backend.open_read(key) as src, open(tmp, "wb") as out:
            for chunk in verified_chunks(src, sha=sha, size=info.size, url=backend.url, key=key,
                                         progress=progress):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(e, OSError) and not isinstance(e, StorageError):
            # the local side failed (a full disk, a read-only folder): one error naming both ends
            raise BackendError(f"fetch to {dest}", backend.url, key, e) from e
        raise
    return ObjectRef(sha, info.size)


def verify(backend: Backend, sha: str) -> ObjectRef:
    """Read the whole object and check its hash (streamed)."""
    with open_object(backend, sha) as f:
        n = 0
        while chunk := f.read(1 << 20):
            n += len(chunk)
    return ObjectRef(sha, n)


def iter_objects(backend: Backend) -> Iterator[tuple[ObjectRef, float]]:
    """Every object in the store with its modification time; stray keys are skipped."""
    for info in backend.list(layout.OBJECTS):
        sha = layout.sha_from_object_key(info.key)
        if sha is not None:
            yield ObjectRef(sha, info.size), info.mtime


def copy_object(src: Backend, dst: Backend, ref: ObjectRef,
                progress: Callable[[int], None] | None = None) -> bool:
    """Copy one object between stores, verifying on the way; ``False`` if ``dst`` already had it."""
    if _existing(dst, ref.sha256, ref.size) is not None:
        return False
    key = ref.key
    with src.open_read(key) as stream:
        dst.write_stream(key, verified_chunks(stream, sha=ref.sha256, size=ref.size, url=src.url, key=key,
                                              progress=progress))
    return True
