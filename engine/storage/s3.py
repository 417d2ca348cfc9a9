"""S3 backend (AWS, MinIO, moto) on s3fs.

* Credentials: only from the environment / the standard botocore chain (``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, profiles). Nothing here accepts, stores or
  prints them; the endpoint URL is kept in redacted form for messages.
* Atomicity: a PUT and a completed multipart upload are atomic in S3, so writes go straight to
  the final key; a streamed write is spooled to a local temp file first so a failing source (a
  hash mismatch during sync) aborts before anything is sent.
* Compare-and-swap: ``put_object`` with ``IfNoneMatch="*"`` (create) or ``IfMatch=<etag>``
  (update). S3 answers 412 (or 409 for a concurrent conditional write, 404 when an ``If-Match``
  key vanished): all become ``ConditionFailed``.
* Listings are never cached (``use_listings_cache=False``): prune and sync must see the truth.
* One client per endpoint and process (fsspec's instance cache): opening a store is cheap.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from fsspec.asyn import sync
from s3fs import S3FileSystem

from .backend import Backend, KeyInfo, error_code, redact_url
from .errors import ConditionFailed, ObjectNotFound, StorageError

# 412 = condition false; 409 = a concurrent conditional write won; NoSuchKey = If-Match key is gone
_CONFLICT_CODES = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey"}
_READ_BLOCK = 8 << 20


class S3Backend(Backend):
    scheme = "s3"

    def __init__(self, url: str, *, endpoint_url: str | None = None, region: str | None = None):
        rest = url.split("://", 1)[1].strip("/")
        if not rest or rest.split("/", 1)[0] == "":
            raise StorageError(f"invalid S3 store URL {redact_url(url)}: expected s3://bucket[/prefix]")
        self.bucket, _, self.prefix = rest.partition("/")
        client_kwargs = {"region_name": region} if region else {}
        config_kwargs = {"s3": {"addressing_style": "path"}} if endpoint_url else {}
        # fsspec caches the instance per (endpoint, region, options) in each process, so all stores
        # on one endpoint share one client and connection pool (and botocore's model loading).
        fs = S3FileSystem(endpoint_url=endpoint_url, client_kwargs=client_kwargs, config_kwargs=config_kwargs,
                          use_listings_cache=False)
        super().__init__(fs, rest, "s3://" + rest)
        self.endpoint = redact_url(endpoint_url) if endpoint_url else None

    def __repr__(self) -> str:
        at = f", endpoint={self.endpoint!r}" if self.endpoint else ""
        return f"S3Backend({self.url!r}{at})"

    def _s3key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def info(self, key: str) -> KeyInfo | None:
        # one HEAD; s3fs's info() follows a 404 with a LIST to look for a "directory"
        try:
            with self.io("stat", key):
                resp = self.fs.call_s3("head_object", Bucket=self.bucket, Key=self._s3key(key))
        except ObjectNotFound:
            return None
        return KeyInfo(key, int(resp["ContentLength"]), resp["LastModified"].timestamp())

    def open_read(self, key: str) -> BinaryIO:
        with self.io("open", key):
            return self.fs.open(self.path(key), "rb", block_size=_READ_BLOCK, cache_type="readahead")

    # -- atomic writes ---------------------------------------------------------------------------
    def write_bytes(self, key: str, data: bytes) -> None:
        with self.io("write", key):
            self.fs.call_s3("put_object", Bucket=self.bucket, Key=self._s3key(key), Body=bytes(data))

    def write_stream(self, key: str, chunks: Iterable[bytes]) -> None:
        with tempfile.NamedTemporaryFile(prefix="ringrift-s3-", suffix=".part") as tmp:
            for chunk in chunks:  # an IntegrityError here aborts before any request
                tmp.write(chunk)
            tmp.flush()
            self.upload_file(key, Path(tmp.name))

    def upload_file(self, key: str, path: Path) -> None:
        with self.io("upload", key):
            self.fs.put_file(str(path), self.path(key))

    def touch(self, key: str) -> None:
        # a copy onto itself with new metadata is the only way to refresh LastModified in S3
        with self.io("touch", key):
            self.fs.call_s3("copy_object", Bucket=self.bucket, Key=self._s3key(key),
                            CopySource={"Bucket": self.bucket, "Key": self._s3key(key)},
                            MetadataDirective="REPLACE",
                            Metadata={"touched": datetime.now(UTC).isoformat()})

    # -- compare-and-swap ------------------------------------------------------------------------
    def read_versioned(self, key: str) -> tuple[bytes, str] | None:
        async def get() -> tuple[bytes, str] | None:
            try:
                resp = await self.fs._call_s3("get_object", Bucket=self.bucket, Key=self._s3key(key))
            except FileNotFoundError as e:
                if error_code(e) == "NoSuchBucket":
                    raise
                return None
            body = resp["Body"]
            try:
                data = await body.read()
            finally:
                body.close()
            return data, resp["ETag"]

        with self.io("read", key):
            return sync(self.fs.loop, get)

    def write_conditional(self, key: str, data: bytes, expected_etag: str | None) -> str:
        cond = {"IfNoneMatch": "*"} if expected_etag is None else {"IfMatch": expected_etag}
        try:
            resp = self.fs.call_s3("put_object", Bucket=self.bucket, Key=self._s3key(key), Body=bytes(data), **cond)
        except OSError as e:
            if _is_conflict(e):
                raise ConditionFailed(self.url, key) from None
            with self.io("conditional write", key):  # the usual translation (missing bucket...)
                raise
        return resp["ETag"]


def _is_conflict(e: BaseException) -> bool:
    """s3fs turns the ClientError into an OSError and keeps the original as ``__cause__``."""
    if error_code(e) in _CONFLICT_CODES:
        return True
    resp = getattr(e.__cause__, "response", None) or getattr(e, "response", None)
    status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode") if isinstance(resp, dict) else None
    return status in (409, 412)

