"""Shards: game records as JSON lines, compressed (zstd by default, gzip, or none).

    write_shard(records, "games-000.jsonl.zst")            # atomic: temp file + os.replace
    for line_no, rec in read_shard("games-000.jsonl.zst"):
        if isinstance(rec, RecordError): log(rec)           # "games-000.jsonl.zst line 7: ..."

The compression of a shard read is detected from its first bytes (zstd frame magic ``28 b5 2f fd``,
gzip ``1f 8b``, anything else is read as plain text), whatever the file is called. A malformed
line is reported with its file and line number and the lines after it are still read; a
truncated or corrupt compressed stream ends the shard with one error naming the line reached.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import zstandard

from engine.atomic import atomic_file

from .records import GameRecord, RecordError

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
COMPRESSIONS = ("zstd", "gzip", "none")
SUFFIX = {"zstd": ".jsonl.zst", "gzip": ".jsonl.gz", "none": ".jsonl"}


def detect_compression(head: bytes) -> str:
    """``"zstd"``, ``"gzip"`` or ``"none"`` from the first bytes of a shard."""
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    return "none"


def _lines(records: Iterable[GameRecord | str]) -> Iterator[bytes]:
    for r in records:
        text = r if isinstance(r, str) else r.to_line()
        yield text.encode() + b"\n"


def _write_stream(records, fh: BinaryIO, compression: str, level: int | None) -> int:
    n = 0
    if compression == "zstd":
        cctx = zstandard.ZstdCompressor(level=3 if level is None else level)
        with cctx.stream_writer(fh, closefd=False) as w:
            for line in _lines(records):
                w.write(line)
                n += 1
    elif compression == "gzip":
        # mtime=0 and no file name: the same records give the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0,
                           compresslevel=6 if level is None else level) as w:
            for line in _lines(records):
                w.write(line)
                n += 1
    else:
        for line in _lines(records):
            fh.write(line)
            n += 1
    return n


def write_shard(records: Iterable[GameRecord | str], dest: str | os.PathLike | BinaryIO, compression: str = "zstd",
                level: int | None = None) -> int:
    """Write records (or pre-made JSON lines) as one shard; returns the number of records.

    ``dest`` a path: written to a temporary file in the same folder, flushed to disk, then
    ``os.replace``d, so readers never see a partial shard. ``dest`` a binary file object: the
    compressed stream is written to it (it is not closed).
    """
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {COMPRESSIONS}, got {compression!r}")
    if not isinstance(dest, (str, os.PathLike)):
        return _write_stream(records, dest, compression, level)
    with atomic_file(dest) as fh:
        return _write_stream(records, fh, compression, level)


def open_shard(source: str | os.PathLike | BinaryIO) -> tuple[BinaryIO, str]:
    """A binary stream of the decompressed shard and its detected compression."""
    fh = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source
    if not hasattr(fh, "peek"):
        fh = io.BufferedReader(fh) if isinstance(fh, io.RawIOBase) else _Peekable(fh)
    head = fh.peek(4)[:4]
    kind = detect_compression(head)
    if kind == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(fh, read_across_frames=True, closefd=True), kind
    if kind == "gzip":
        return gzip.GzipFile(fileobj=fh, mode="rb"), kind
    return fh, kind


class _Peekable(io.RawIOBase):
    """A minimal ``peek`` for file objects that lack it (e.g. BytesIO)."""

    def __init__(self, fh):
        self.fh = fh
        self.buf = b""

    def peek(self, n: int = 1) -> bytes:
        if len(self.buf) < n:
            self.buf += self.fh.read(n - len(self.buf)) or b""
        return self.buf

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self.buf:
            k = min(len(b), len(self.buf))
            b[:k] = self.buf[:k]
            self.buf = self.buf[k:]
            return k
        data = self.fh.read(len(b))
        b[:len(data)] = data
        return len(data)


def read_shard_lines(source: str | os.PathLike | BinaryIO) -> Iterator[tuple[int, bytes | RecordError]]:
    """``(line number, raw line bytes)`` of every non-blank line (1-based); a corrupt or truncated
    stream ends with ``(line, RecordError)``."""
    name = str(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "<stream>")
    stream, kind = open_shard(source)
    line_no = 0
    try:
        reader = io.BufferedReader(stream, buffer_size=1 << 16) if kind == "zstd" else stream
        while True:
            try:
                line = reader.readline()
            except (zstandard.ZstdError, EOFError, OSError, gzip.BadGzipFile) as e:
                yield line_no + 1, RecordError(f"{kind} stream truncated or corrupt: {e}", source=name,
                                               line=line_no + 1)
                return
            if not line:
                return
            line_no += 1
            if line.strip():
                yield line_no, line
    finally:
        stream.close()


def read_shard(source: str | os.PathLike | BinaryIO) -> Iterator[tuple[int, GameRecord | RecordError]]:
    """``(line number, GameRecord or RecordError)`` for every non-blank line of a shard. Errors carry
    the file and line (``str(err)`` = ``"path line 7: record field 'outcome.winner': ..."``)."""
    name = str(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "<stream>")
    for line_no, raw in read_shard_lines(source):
        if isinstance(raw, RecordError):
            yield line_no, raw
            continue
        try:
            yield line_no, GameRecord.from_line(raw)
        except RecordError as e:
            if not raw.endswith(b"\n"):  # every line a writer finishes ends with a newline
                e = RecordError(f"the last line is incomplete (no newline): the shard is truncated ({e.detail})",
                                field=e.field)
            yield line_no, e.at(name, line_no)


def read_records(source: str | os.PathLike | BinaryIO) -> list[GameRecord]:
    """Every record of a shard; the first malformed line raises its ``RecordError``."""
    out = []
    for _, rec in read_shard(source):
        if isinstance(rec, RecordError):
            raise rec
        out.append(rec)
    return out
