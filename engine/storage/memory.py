"""In-process backend on fsspec's ``memory://`` filesystem, for unit tests.

fsspec's memory store is one dict shared by the whole process, so two ``open_store("memory://x")``
see the same data (like two clients of one bucket) and the CAS lock is process wide. A file
written through fsspec becomes visible only when it is closed, so writes are whole.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from pathlib import Path

from fsspec.implementations.memory import MemoryFileSystem

from .backend import Backend
from .errors import ConditionFailed, ObjectNotFound
from .hashing import sha256_bytes

_CAS_LOCK = threading.Lock()


class MemoryBackend(Backend):
    scheme = "memory"

    def __init__(self, url: str):
        rest = url.split("://", 1)[1].strip("/")
        super().__init__(MemoryFileSystem(), "/" + rest, "memory://" + rest)

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.io("write", key):
            self.fs.pipe_file(self.path(key), bytes(data))

    def write_stream(self, key: str, chunks: Iterable[bytes]) -> None:
        buf = io.BytesIO()
        for chunk in chunks:  # an IntegrityError here leaves the key untouched
            buf.write(chunk)
        self.write_bytes(key, buf.getvalue())

    def upload_file(self, key: str, path: Path) -> None:
        self.write_bytes(key, Path(path).read_bytes())

    def touch(self, key: str) -> None:
        # rewriting the same bytes gives the entry a new timestamp; memory stores are small
        self.write_bytes(key, self.read_bytes(key))

    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        try:
            data = self.read_bytes(key)
        except ObjectNotFound:
            return None
        return data, sha256_bytes(data)

    def write_conditional(self, key: str, data: bytes, expected_etag: str | None) -> str:
        with _CAS_LOCK:
            current = self.read_versioned(key)
            if (current[1] if current is not None else None) != expected_etag:
                raise ConditionFailed(self.url, key)
            self.write_bytes(key, data)
            return sha256_bytes(data)
