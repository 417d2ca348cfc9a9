"""Content-addressed artifact store on fsspec: local folders, S3 (AWS/MinIO) and ``memory://``.

    from engine.storage import open_store, Manifest, ManifestEntry
    store = open_store("s3://forge/artifacts", s3_endpoint_url="http://minio:9000")
    ref = store.put_file("model.safetensors")                 # ObjectRef(sha256, size)
    mid = store.put_manifest(Manifest.build("model", [ManifestEntry.for_object("model.safetensors", ref)]))
    cur = store.read_pointer("champion/square8_2p")            # Pointer | None
    store.swap_pointer("champion/square8_2p", mid, expected=cur)  # PointerConflict if it moved

Objects are keyed by the sha256 of their bytes and every read verifies it; manifests (JSON lists
of objects) are content addressed too; named pointers move by compare-and-swap and keep their
history. ``sync_store``/``SyncLoop`` mirror a remote store into a local cache and ``prune`` removes
what no pointer, recent manifest or kept manifest references. Layout and guarantees:
docs/STORAGE.md. Pure library: no orchestration here.
"""

from .backend import Backend, KeyInfo, open_backend, redact_url
from .errors import (
                     ArtifactError,
                     BackendError,
                     DocumentError,
                     IntegrityError,
                     InvalidName,
                     ManifestNotFound,
                     ObjectNotFound,
                     PointerConflict,
                     PointerNotFound,
                     StorageError,
                     SyncFailed,
)
from .manifest import Manifest, ManifestEntry
from .objects import ObjectRef
from .pointers import Pointer
from .prune import DEFAULT_GRACE_SECONDS, PruneItem, PruneReport, prune
from .store import ArtifactStore, cache_from_config, open_store, store_from_config
from .sync import FetchedTarget, SyncIssue, SyncReport, fetch_pointer_target, sync_store
from .syncloop import SyncLoop, WatchdogReport, run_with_watchdog

__all__ = [
    "ArtifactStore", "open_store", "store_from_config", "cache_from_config",
    "ObjectRef", "Manifest", "ManifestEntry", "Pointer",
    "sync_store", "fetch_pointer_target", "SyncReport", "SyncIssue", "FetchedTarget",
    "SyncLoop", "run_with_watchdog", "WatchdogReport",
    "prune", "PruneReport", "PruneItem", "DEFAULT_GRACE_SECONDS",
    "Backend", "KeyInfo", "open_backend", "redact_url",
    "StorageError", "ArtifactError", "BackendError", "ObjectNotFound", "ManifestNotFound", "PointerNotFound",
    "IntegrityError", "DocumentError", "InvalidName", "PointerConflict", "SyncFailed",
]
