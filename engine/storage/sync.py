"""Bring a local cache in line with a remote store, and fetch a pointer's target (model distribution).

Semantics (docs/STORAGE.md has the long form):

* What: the closure of the given manifests and pointers (manifests referenced by manifests
  included), or, with neither given, everything: every pointer, manifest and object.
* Order: objects first, then the manifest listing them, then the pointer naming that manifest. So a
  manifest in the cache implies its objects are there, and a cache pointer implies its whole target.
  A pointer whose target could not be completed is left where it was (and reported).
* Verification: every object and manifest is hashed while it is copied; a mismatch is an error for
  that key and nothing is written for it.
* Resumable: every copy is an atomic write of a whole verified object, so an interrupted sync leaves
  complete objects and at most an invisible temp file; rerunning skips what is there.
* Never deletes anything (pruning a cache is ``prune``'s job).
* Errors of single keys do not stop the sync: they are collected in ``SyncReport.errors``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from . import layout, manifest_store, objects, pointers
from .errors import IntegrityError, PointerNotFound, StorageError, SyncFailed
from .manifest import Manifest
from .objects import ObjectRef
from .pointers import Pointer
from .store import ArtifactStore, as_store

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SyncIssue:
    """One key that could not be synced, and why."""

    key: str
    message: str


@dataclass(frozen=True)
class SyncReport:
    copied: int  # objects and manifests written to the local store
    skipped: int  # already present locally
    bytes: int  # bytes copied
    errors: tuple[SyncIssue, ...] = ()
    pointers_updated: tuple[str, ...] = ()  # local pointers moved to follow the remote
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class FetchedTarget:
    """The result of ``fetch_pointer_target``: the local pointer, its manifest, local file paths."""

    pointer: Pointer
    manifest: Manifest
    report: SyncReport
    files: Mapping[str, Path] = field(default_factory=dict, hash=False)  # entry name -> path (local caches)


class _Run:
    """Mutable bookkeeping of one sync; frozen into a ``SyncReport`` at the end."""

    def __init__(self, remote: ArtifactStore, local: ArtifactStore, progress: Progress | None):
        self.rb, self.lb = remote.backend, local.backend
        self.progress = progress
        self.copied = self.skipped = self.nbytes = 0
        self.errors: list[SyncIssue] = []
        self.updated: list[str] = []
        self.objects_ok: dict[str, bool] = {}
        self.manifests_ok: dict[str, bool] = {}

    def beat(self, n: int = 0) -> None:
        if self.progress is not None:
            self.progress(n)

    def error(self, key: str, e: BaseException | str) -> None:
        self.errors.append(SyncIssue(key, str(e)))

    def object(self, ref: ObjectRef) -> bool:
        if ref.sha256 not in self.objects_ok:
            try:
                if objects.copy_object(self.rb, self.lb, ref, self.progress):
                    self.copied += 1
                    self.nbytes += ref.size
                else:
                    self.skipped += 1
                ok = True
            except StorageError as e:
                self.error(ref.key, e)
                ok = False
            self.objects_ok[ref.sha256] = ok
            self.beat()
        return self.objects_ok[ref.sha256]

    def _manifest_bytes(self, mid: str) -> tuple[bytes, bool]:
        """The manifest's verified bytes, from the local copy when there is a sound one."""
        if manifest_store.has_manifest(self.lb, mid):
            try:
                return manifest_store.read_manifest_bytes(self.lb, mid), True
            except IntegrityError:
                pass  # a damaged local copy: fetch again and overwrite it
        return manifest_store.read_manifest_bytes(self.rb, mid), False

    def manifest(self, mid: str) -> bool:
        if mid in self.manifests_ok:
            return self.manifests_ok[mid]
        self.manifests_ok[mid] = False  # guards against cycles (impossible with hashes, but cheap)
        key = layout.manifest_key(mid)
        try:
            data, local = self._manifest_bytes(mid)
            m = Manifest.from_json(data)
        except (StorageError, ValueError) as e:
            self.error(key, e)
            return False
        ok = True
        for e in m.objects:
            ok = self.object(ObjectRef(e.sha256, e.size)) and ok
        for c in m.children:
            ok = self.manifest(c.sha256) and ok
        if ok:
            if local:
                self.skipped += 1
            else:
                try:
                    self.lb.write_bytes(key, data)
                    self.copied += 1
                    self.nbytes += len(data)
                except StorageError as e:
                    self.error(key, e)
                    ok = False
        self.manifests_ok[mid] = ok
        self.beat()
        return ok

    def pointer(self, p: Pointer) -> None:
        if not self.manifest(p.target):
            self.error(layout.pointer_key(p.name), f"not moved to {p.target}: its target is incomplete here")
            return
        try:
            if pointers.mirror_pointer(self.lb, p):
                self.updated.append(p.name)
                pointers.copy_history(self.rb, self.lb, p.name)
        except StorageError as e:
            self.error(layout.pointer_key(p.name), e)
        self.beat()

    def report(self, t0: float) -> SyncReport:
        return SyncReport(self.copied, self.skipped, self.nbytes, tuple(self.errors), tuple(self.updated),
                          time.monotonic() - t0)


def _sync(remote: ArtifactStore, local: ArtifactStore, manifest_ids: Iterable[str], ptrs: Iterable[Pointer],
          everything: bool, progress: Progress | None) -> SyncReport:
    t0 = time.monotonic()
    run = _Run(remote, local, progress)
    for mid in manifest_ids:
        run.manifest(mid)
    for p in ptrs:
        run.pointer(p)
    if everything:
        for ref, _ in objects.iter_objects(run.rb):
            run.object(ref)
    return run.report(t0)


def sync_store(remote: ArtifactStore, local: ArtifactStore | str | os.PathLike[str], *,
               manifests: Iterable[str] | None = None, pointers: Iterable[str] | None = None,
               progress: Progress | None = None) -> SyncReport:
    """Copy into ``local`` what it lacks of the given manifests/pointers (all of ``remote`` if neither).

    ``local`` may be a store or a path (opened as a local store). ``progress`` is called with the
    byte count of every chunk copied and with 0 after every key handled (``SyncLoop``'s heartbeat).
    """
    local = as_store(local)
    everything = manifests is None and pointers is None
    errors: list[SyncIssue] = []
    if everything:
        manifest_ids = list(remote.list_manifests())
        names = list(remote.list_pointers())
    else:
        manifest_ids = [layout.check_sha(m, "manifest id") for m in (manifests or ())]
        names = [layout.check_pointer_name(n) for n in (pointers or ())]
    found: list[Pointer] = []
    for name in names:
        try:
            p = remote.read_pointer(name)
        except StorageError as e:
            errors.append(SyncIssue(layout.pointer_key(name), str(e)))
            continue
        if p is None:
            errors.append(SyncIssue(layout.pointer_key(name), f"no pointer {name!r} in {remote.url}"))
        else:
            found.append(p)
    report = _sync(remote, local, manifest_ids, found, everything, progress)
    if errors:
        report = SyncReport(report.copied, report.skipped, report.bytes, tuple(errors) + report.errors,
                            report.pointers_updated, report.seconds)
    return report


def fetch_pointer_target(remote: ArtifactStore, local: ArtifactStore | str | os.PathLike[str],
                         name: str, *, progress: Progress | None = None) -> FetchedTarget:
    """Model distribution: make the pointer's current target (and the pointer) available in ``local``.

    Raises ``PointerNotFound`` if the remote has no such pointer and ``SyncFailed`` (with the
    report) if any part of the target could not be fetched and verified.
    """
    local = as_store(local)
    p = remote.read_pointer(name)
    if p is None:
        raise PointerNotFound(remote.url, layout.pointer_key(name))
    report = _sync(remote, local, (), (p,), False, progress)
    if not report.ok:
        first = report.errors[0]
        raise SyncFailed(f"fetching {name!r} from {remote.url} into {local.url} failed for "
                         f"{len(report.errors)} key(s); first: {first.key}: {first.message}", report)
    manifest = local.get_manifest(p.target)
    files = {}
    for e in manifest.objects:
        path = local.local_path(e.sha256)
        if path is not None:
            files[e.name] = path
    return FetchedTarget(p, manifest, report, MappingProxyType(files))
