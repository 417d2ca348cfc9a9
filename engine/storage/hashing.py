"""Hashing helpers: the content address of bytes and files, and readers that verify as they go.

Verification is streaming so a multi-GB object is never held in memory: ``VerifyingReader`` wraps a
binary stream and raises ``IntegrityError`` when the stream ends with the wrong hash or length, and
``verified_chunks`` does the same for a chunk iterator feeding an atomic write, so the write is
abandoned (nothing published) when the source was corrupt.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .errors import IntegrityError

CHUNK = 1 << 20  # 1 MiB: big enough for throughput, small enough for memory and progress beats


def sha256_bytes(data: bytes | bytearray | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """``(sha256 hex, size)`` of a local file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


class VerifyingReader(io.RawIOBase):
    """A read-only stream over ``raw`` that checks sha256 and size when the end is reached.

    Data is handed out before it can be verified (that is what streaming means); the caller learns
    of corruption by the ``IntegrityError`` raised by the read that hits the end. Read to the end
    (or use ``fetch_to``/``get_bytes``, which do) before trusting the content. Reading more bytes
    than the expected size fails immediately.
    """

    def __init__(self, raw: BinaryIO, *, sha: str, size: int | None, url: str, key: str):
        super().__init__()
        self._raw, self._sha, self._size, self._url, self._key = raw, sha, size, url, key
        self._h = hashlib.sha256()
        self._n = 0
        self._checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        if not data:
            self._check()
            return 0
        n = len(data)
        b[:n] = data
        self._h.update(data)
        self._n += n
        if self._size is not None and self._n > self._size:
            raise IntegrityError(self._url, self._key, self._sha, "?",
                                 f"more than the expected {self._size} bytes")
        return n

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        actual = self._h.hexdigest()
        if actual != self._sha:
            raise IntegrityError(self._url, self._key, self._sha, actual, f"{self._n} bytes read")
        if self._size is not None and self._n != self._size:
            raise IntegrityError(self._url, self._key, self._sha, actual,
                                 f"{self._n} bytes read, expected {self._size}")

    @property
    def verified(self) -> bool:
        """True once the end was reached and the content matched."""
        return self._checked

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def verified_chunks(stream: BinaryIO, *, sha: str, size: int | None, url: str, key: str,
                    progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """Yield ``stream`` in chunks; raise ``IntegrityError`` after the last chunk if it does not match.

    Fed to ``Backend.write_stream``, the error aborts the write before anything becomes visible.
    """
    reader = VerifyingReader(stream, sha=sha, size=size, url=url, key=key)
    try:
        while True:
            chunk = reader.read(CHUNK)
            if not chunk:
                break
            if progress is not None:
                progress(len(chunk))
            yield chunk  # the read that returned b"" above has verified the whole stream
    finally:
        reader.close()
