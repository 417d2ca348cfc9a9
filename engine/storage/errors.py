"""Exceptions of the artifact store.

Every error names the store URL and the key it concerns, so a log line is enough to find the
object. URLs in messages are always the *redacted* display URL (``backend.redact_url``): the store
never holds credentials itself (s3fs/botocore read them from the environment), and a URL that
carries ``user:password@`` is shown without them.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised by ``engine.storage``."""


class BackendError(StorageError):
    """An I/O operation on the underlying filesystem failed (network, permissions, missing bucket)."""

    def __init__(self, op: str, url: str, key: str, cause: BaseException | str):
        self.op, self.url, self.key = op, url, key
        from engine.redact import redact_exception, redact_text

        # a driver's message may quote an endpoint URL with credentials
        reason = redact_text(cause) if isinstance(cause, str) else redact_exception(cause)
        super().__init__(f"{op} {_where(url, key)} failed: {reason}")


class ObjectNotFound(StorageError, LookupError):
    """The key does not exist in the store."""

    def __init__(self, url: str, key: str, what: str = "object"):
        self.url, self.key = url, key
        super().__init__(f"{what} not found: {_where(url, key)}")


class ManifestNotFound(ObjectNotFound):
    """No manifest with this id in the store."""

    def __init__(self, url: str, key: str):
        super().__init__(url, key, what="manifest")


class PointerNotFound(ObjectNotFound):
    """The named pointer does not exist (raised where a pointer is required, e.g. model fetch)."""

    def __init__(self, url: str, key: str):
        super().__init__(url, key, what="pointer")


class IntegrityError(StorageError):
    """The bytes read back do not hash to the content address they were stored under."""

    def __init__(self, url: str, key: str, expected: str, actual: str, detail: str = ""):
        self.url, self.key, self.expected, self.actual = url, key, expected, actual
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"integrity check failed for {_where(url, key)}: expected sha256 {expected}, got {actual}{extra}")


class DocumentError(StorageError):
    """A manifest or pointer document is not valid JSON of the expected shape."""

    def __init__(self, url: str, key: str, reason: str):
        self.url, self.key = url, key
        super().__init__(f"invalid document {_where(url, key)}: {reason}")


class ArtifactError(StorageError, ValueError):
    """An artifact whose bytes are intact (they hash to their address) but whose content cannot be
    used: a chunk that is not a complete NPZ, a model manifest lacking its files, a manifest of the
    wrong kind. The message names the manifest and the entry."""


class InvalidName(StorageError, ValueError):
    """A pointer name, hash or manifest id is malformed (checked before any I/O)."""


class PointerConflict(StorageError):
    """``swap_pointer`` lost the compare-and-swap: the pointer is not at the expected version."""

    def __init__(self, url: str, name: str, expected_version: int | None, detail: str = ""):
        self.url, self.name, self.expected_version = url, name, expected_version
        exp = "absent" if expected_version is None else f"version {expected_version}"
        extra = f": {detail}" if detail else ""
        super().__init__(f"pointer {name!r} in {url} was moved by someone else (expected {exp}){extra}")


class ConditionFailed(StorageError):
    """Internal: a backend's conditional write found a different current version (412/409/lock)."""

    def __init__(self, url: str, key: str):
        self.url, self.key = url, key
        super().__init__(f"precondition failed for {_where(url, key)}")


class SyncFailed(StorageError):
    """A sync that must be complete (``fetch_pointer_target``) reported errors; ``report`` has them."""

    def __init__(self, message: str, report: object):
        self.report = report
        super().__init__(message)


def _where(url: str, key: str) -> str:
    return f"{url.rstrip('/')}/{key}" if key else url
