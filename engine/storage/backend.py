"""The storage backend interface over fsspec, and the factory choosing one from a URL.

The store logic (objects, manifests, pointers, sync, prune) is written once against ``Backend``;
each backend supplies what fsspec alone does not guarantee the same way everywhere:

* ``write_*``: a key is never visible half-written (local: temp file + ``os.replace``; S3: a PUT
  or a completed multipart upload is atomic; memory: the dict entry is set on close).
* ``read_versioned`` / ``write_conditional``: compare-and-swap for pointers (local: ``flock`` +
  rename; S3: ``If-None-Match: *`` / ``If-Match: <etag>``; memory: a process lock).
* ``touch``: refresh a key's modification time (prune's grace period is measured from it).

Reads and listings go through fsspec. Keys are relative to the store root and always use ``/``.
Every fsspec/botocore failure is re-raised as a ``StorageError`` naming the redacted URL and key;
credentials never pass through this code (s3fs reads them from the environment).
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from engine.redact import redact_url  # re-exported: the one redaction (engine.redact)

from .errors import BackendError, ObjectNotFound, StorageError

_READ_OPS = frozenset({"read", "open", "stat", "list", "delete"})


@dataclass(frozen=True)
class KeyInfo:
    """One stored key: its size and last-modified time (POSIX seconds)."""

    key: str
    size: int
    mtime: float


def error_code(e: BaseException) -> str | None:
    """The S3 error code behind an exception s3fs translated (it keeps the ClientError as cause)."""
    resp = getattr(e.__cause__, "response", None) or getattr(e, "response", None)
    return resp.get("Error", {}).get("Code") if isinstance(resp, dict) else None


def info_mtime(info: dict[str, Any]) -> float:
    """Normalise the modification time fsspec implementations report under different names."""
    for name in ("mtime", "LastModified", "modified", "created"):
        v = info.get(name)
        if v is None:
            continue
        return v.timestamp() if isinstance(v, datetime) else float(v)
    return 0.0


class Backend(abc.ABC):
    """A store root on one fsspec filesystem; see the module docstring for the contract."""

    scheme: str = ""

    def __init__(self, fs: Any, root: str, url: str):
        self.fs = fs
        self.root = root.rstrip("/")
        self.url = redact_url(url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # -- paths -----------------------------------------------------------------------------------
    def path(self, key: str) -> str:
        return f"{self.root}/{key}" if key else self.root

    def key_of(self, path: str) -> str:
        p = path.rstrip("/")
        prefix = self.root + "/"
        return p[len(prefix):] if p.startswith(prefix) else p

    def local_path(self, key: str) -> Path | None:
        """A filesystem path for the key where the backend has one (local stores), else ``None``."""
        return None

    @contextlib.contextmanager
    def io(self, op: str, key: str) -> Iterator[None]:
        """Translate filesystem errors into ``ObjectNotFound``/``BackendError`` naming URL and key."""
        try:
            yield
        except StorageError:
            raise
        except FileNotFoundError as e:
            if error_code(e) == "NoSuchBucket":
                raise BackendError(op, self.url, key, "the bucket does not exist") from None
            if op not in _READ_OPS:  # a write that finds no parent (bucket, folder) is not "not found"
                raise BackendError(op, self.url, key, e) from e
            raise ObjectNotFound(self.url, key) from None
        except Exception as e:
            raise BackendError(op, self.url, key, e) from e

    # -- reads (fsspec) --------------------------------------------------------------------------
    def read_bytes(self, key: str) -> bytes:
        with self.io("read", key):
            return self.fs.cat_file(self.path(key))

    def open_read(self, key: str) -> BinaryIO:
        with self.io("open", key):
            return self.fs.open(self.path(key), "rb")

    def info(self, key: str) -> KeyInfo | None:
        try:
            with self.io("stat", key):
                d = self.fs.info(self.path(key))
        except ObjectNotFound:
            return None
        if d.get("type", "file") != "file":
            return None
        return KeyInfo(key, int(d.get("size") or 0), info_mtime(d))

    def list(self, prefix: str) -> list[KeyInfo]:
        """Every file under the folder ``prefix`` (recursive), sorted by key."""
        with self.io("list", prefix):
            try:
                found = self.fs.find(self.path(prefix.rstrip("/")), detail=True)
            except FileNotFoundError as e:
                if error_code(e) == "NoSuchBucket":
                    raise
                return []
        out = [KeyInfo(self.key_of(p), int(d.get("size") or 0), info_mtime(d))
               for p, d in found.items() if d.get("type", "file") == "file"]
        return sorted(out, key=lambda k: k.key)

    def delete(self, key: str) -> None:
        try:
            with self.io("delete", key):
                self.fs.rm_file(self.path(key))
        except ObjectNotFound:
            pass

    # -- writes (backend specific) ---------------------------------------------------------------
    @abc.abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically (replacing any previous content)."""

    @abc.abstractmethod
    def write_stream(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the concatenated chunks atomically; if the iterator raises, nothing is published."""

    @abc.abstractmethod
    def upload_file(self, key: str, path: Path) -> None:
        """Store a local file's content atomically (streamed: never the whole file in memory)."""

    @abc.abstractmethod
    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        """``(content, etag)`` read in one consistent step, or ``None`` if the key is absent."""

    @abc.abstractmethod
    def write_conditional(self, key: str, data: bytes, expected_etag: str | None) -> str:
        """Write iff the current etag is ``expected_etag`` (``None``: iff absent); return the new etag.

        Raises ``ConditionFailed`` when the condition does not hold.
        """

    def write_new(self, key: str, data: bytes) -> bool:
        """Create ``key`` only if it does not exist (never replaces); ``False`` if it existed."""
        from .errors import ConditionFailed

        try:
            self.write_conditional(key, data, None)
        except ConditionFailed:
            return False
        return True

    @abc.abstractmethod
    def touch(self, key: str) -> None:
        """Set the key's modification time to now without changing its content."""


def open_backend(url: str, *, s3_endpoint_url: str | None = None, s3_region: str | None = None) -> Backend:
    """The backend for a store URL: ``file:///abs``, a plain path, ``memory://name`` or ``s3://bucket/prefix``."""
    if not isinstance(url, str) or not url:
        raise StorageError(f"invalid store URL {url!r}")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in ("", "file", "local"):
        from .local import LocalBackend
        path = url.split("://", 1)[1] if scheme else url
        return LocalBackend(Path(path).expanduser().resolve())
    if scheme == "memory":
        from .memory import MemoryBackend
        return MemoryBackend(url)
    if scheme in ("s3", "s3a"):
        from .s3 import S3Backend
        return S3Backend(url, endpoint_url=s3_endpoint_url, region=s3_region)
    raise StorageError(f"unsupported store URL scheme {scheme!r} in {redact_url(url)} "
                       "(expected file://, a local path, memory:// or s3://)")
