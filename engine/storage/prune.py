"""Delete what nothing references any more, keeping every champion and anything recently written.

Reachability: the roots are the manifests in ``keep_manifests`` (the caller's last K candidates
and live manifests), every manifest younger than the grace period (a writer may be about to point
at it), and, with ``keep_pointers``, the target of every pointer *and of every pointer version in
the history* (so every champion there ever was stays restorable). Manifests referenced by
reachable manifests are reachable; objects listed by reachable manifests are reachable.

Deleted: unreachable manifests and objects, and stale temp files of crashed local writers, all
only when older than ``grace_seconds`` (default one hour). The grace period protects a writer that
has uploaded objects but not yet published their manifest (re-putting an existing object refreshes
its age, see ``objects``). Just before deleting, the pointers are read again (a pointer moved to
an old manifest during the prune makes it reachable) and every candidate is stat'ed again (a
writer may have refreshed it). Manifests are deleted before objects, so no moment exists where a
surviving manifest lists a deleted object because of this prune.

A manifest that cannot be read (corrupt, or a transient error) aborts the prune before anything is
deleted: the objects it lists are unknown. A referenced manifest that does not exist is reported.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from . import layout, manifest_store, objects, pointers
from .backend import Backend
from .errors import ManifestNotFound, StorageError
from .store import ArtifactStore

DEFAULT_GRACE_SECONDS = 3600.0


@dataclass(frozen=True)
class PruneItem:
    key: str
    kind: str  # "manifest", "object" or "temp"
    size: int
    age_seconds: float


@dataclass(frozen=True)
class PruneReport:
    dry_run: bool
    deleted: tuple[PruneItem, ...]  # deleted, or on a dry run what would be
    bytes: int  # total size of ``deleted``
    kept_manifests: int  # reachable manifests
    kept_objects: int  # reachable objects present in the store
    young: int  # unreachable but inside the grace period (kept)
    missing_manifests: tuple[str, ...] = ()  # referenced by a root or a manifest but absent


def _pointer_targets(backend: Backend) -> set[str]:
    targets = set()
    for name in pointers.list_pointers(backend):
        p = pointers.read_pointer(backend, name)
        if p is not None:
            targets.add(p.target)
    targets.update(p.target for p in pointers.iter_history(backend))
    return targets


def _reachable(backend: Backend, roots: Iterable[str]) -> tuple[set[str], set[str], set[str]]:
    """``(manifest ids, object shas, missing manifest ids)`` reachable from ``roots``."""
    manifests: set[str] = set()
    objs: set[str] = set()
    missing: set[str] = set()
    todo = list(set(roots))
    while todo:
        mid = todo.pop()
        if mid in manifests or mid in missing:
            continue
        try:
            m = manifest_store.get_manifest(backend, mid)
        except ManifestNotFound:
            missing.add(mid)
            continue
        except StorageError as e:
            raise StorageError(f"prune of {backend.url} aborted, nothing deleted: cannot read manifest "
                               f"{mid}: {e}") from e
        manifests.add(mid)
        objs.update(e.sha256 for e in m.objects)
        todo.extend(e.sha256 for e in m.children)
    return manifests, objs, missing


def prune(store: ArtifactStore, keep_manifests: Iterable[str] = (), keep_pointers: bool = True,
          dry_run: bool = True, *, grace_seconds: float = DEFAULT_GRACE_SECONDS,
          now: float | None = None) -> PruneReport:
    """Delete (or with ``dry_run``, list) unreachable manifests and objects older than the grace period.

    ``now`` (POSIX seconds) is for tests; ages are measured against the store's modification times.
    """
    b = store.backend
    now = time.time() if now is None else now
    keep = {layout.check_sha(m, "manifest id") for m in keep_manifests}
    # Snapshot the candidates first: anything written after this listing is not a candidate.
    all_objects = list(objects.iter_objects(b))
    all_manifests = manifest_store.list_manifests(b)
    temps = b.list(layout.TMP)

    def is_young(mtime: float) -> bool:
        return now - mtime < grace_seconds

    roots = set(keep) | {mid for mid, info in all_manifests if is_young(info.mtime)}
    if keep_pointers:
        roots |= _pointer_targets(b)
    live_m, live_o, missing = _reachable(b, roots)
    if keep_pointers and not dry_run:  # a pointer moved during the listing: include its target
        late = _pointer_targets(b) - live_m - missing
        if late:
            more_m, more_o, more_missing = _reachable(b, late)
            live_m |= more_m
            live_o |= more_o
            missing |= more_missing

    young = 0
    candidates: list[tuple[PruneItem, float]] = []  # (item, mtime at listing)

    def consider(key: str, kind: str, size: int, mtime: float) -> None:
        nonlocal young
        if is_young(mtime):
            young += 1
        else:
            candidates.append((PruneItem(key, kind, size, now - mtime), mtime))

    for mid, info in all_manifests:
        if mid not in live_m:
            consider(info.key, "manifest", info.size, info.mtime)
    for ref, mtime in all_objects:
        if ref.sha256 not in live_o:
            consider(ref.key, "object", ref.size, mtime)
    for info in temps:
        if not is_young(info.mtime):
            candidates.append((PruneItem(info.key, "temp", info.size, now - info.mtime), info.mtime))

    deleted: list[PruneItem] = []
    for item, listed_mtime in candidates:  # manifests come first: see the module docstring
        if not dry_run:
            current = b.info(item.key)
            if current is None:
                continue
            if current.mtime > listed_mtime or is_young(current.mtime):  # refreshed by a writer meanwhile
                young += 1
                continue
            b.delete(item.key)
        deleted.append(item)
    kept_objects = sum(1 for ref, _ in all_objects if ref.sha256 in live_o)
    return PruneReport(dry_run, tuple(deleted), sum(i.size for i in deleted), len(live_m), kept_objects, young,
                       tuple(sorted(missing)))
