"""Local-folder backend: atomic writes by temp file + ``os.replace``, pointer CAS under ``flock``.

Temp files live in ``<root>/tmp/`` (the same filesystem as the final keys, so the rename is
atomic) and are fsynced before the rename; a process killed mid-write leaves only a temp file,
which no listing shows and ``prune`` removes after the grace period. Compare-and-swap takes an
exclusive ``fcntl.flock`` on ``<root>/locks/<key>.lock``: the lock is released by the kernel when
the holder dies, so a killed writer never wedges a pointer.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from fsspec.implementations.local import LocalFileSystem

from . import layout
from .backend import Backend, KeyInfo
from .errors import ConditionFailed, ObjectNotFound
from .hashing import CHUNK, sha256_bytes


class LocalBackend(Backend):
    scheme = "file"
    # fsync each file before its rename and the folder after it, so a write that returned survives
    # a power loss. Atomic visibility (what kill -9 tests) does not depend on it; the test suite
    # turns it off for speed (a few ms per write on an ordinary disk).
    durable: bool = True

    def __init__(self, root: Path):
        self.root_path = Path(root)
        super().__init__(LocalFileSystem(), str(self.root_path), "file://" + str(self.root_path))
        with self.io("create store folder", ""):
            self.root_path.mkdir(parents=True, exist_ok=True)

    def local_path(self, key: str) -> Path:
        return self.root_path / key

    # -- reads: plain os calls are faster than fsspec's and raise the same errors --------------
    def read_bytes(self, key: str) -> bytes:
        with self.io("read", key):
            return self.local_path(key).read_bytes()

    def open_read(self, key: str) -> BinaryIO:
        with self.io("open", key):
            return open(self.local_path(key), "rb")

    def info(self, key: str) -> KeyInfo | None:
        try:
            st = self.local_path(key).stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return KeyInfo(key, st.st_size, st.st_mtime) if stat.S_ISREG(st.st_mode) else None

    def delete(self, key: str) -> None:
        with self.io("delete", key):
            try:
                self.local_path(key).unlink()
            except FileNotFoundError:
                pass

    # -- atomic writes ---------------------------------------------------------------------------
    def _publish(self, key: str, chunks: Iterable[bytes], *, replace: bool = True) -> bool:
        """Write to a temp file, then rename it over the key (or, with ``replace=False``, hard-link
        it to the key, which fails if the key exists: an atomic create-only write)."""
        tmp_dir = self.root_path / layout.TMP
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.tmp"
        final = self.local_path(key)
        created = True
        try:
            with open(tmp, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                f.flush()
                if self.durable:
                    os.fsync(f.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            if replace:
                os.replace(tmp, final)
            else:
                try:
                    os.link(tmp, final)
                except FileExistsError:
                    created = False
                tmp.unlink()
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        if self.durable and created:
            _fsync_dir(final.parent)
        return created

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.io("write", key):
            self._publish(key, (data,))

    def write_stream(self, key: str, chunks: Iterable[bytes]) -> None:
        with self.io("write", key):
            self._publish(key, chunks)

    def upload_file(self, key: str, path: Path) -> None:
        def read_chunks():
            with open(path, "rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
        with self.io("upload", key):
            self._publish(key, read_chunks())

    def write_new(self, key: str, data: bytes) -> bool:
        with self.io("create", key):
            return self._publish(key, (data,), replace=False)

    def touch(self, key: str) -> None:
        with self.io("touch", key):
            os.utime(self.local_path(key), None)

    # -- compare-and-swap ------------------------------------------------------------------------
    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            data = self.read_bytes(key)
        except ObjectNotFound:
            return None
        return data, sha256_bytes(data)

    def write_conditional(self, key: str, data: bytes, expected_etag: str | None) -> str:
        lock_path = self.root_path / layout.LOCKS / f"{key}.lock"
        with self.io("conditional write", key):
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                current = self.read_versioned(key)
                current_etag = current[1] if current is not None else None
                if current_etag != expected_etag:
                    raise ConditionFailed(self.url, key)
                self._publish(key, (data,))
                return sha256_bytes(data)
            finally:
                os.close(fd)  # releases the flock


def _fsync_dir(path: Path) -> None:
    """Make the rename durable (power loss); best effort where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # pragma: no cover - some filesystems refuse fsync on directories
        if e.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)
