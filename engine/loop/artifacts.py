"""How the stages lay their artifacts out in the store (all content addressed, see docs/STORAGE.md).

* a selfplay batch: the shard object + a ``shards`` manifest (metadata: config, batch id, games,
  generating model), published once under the pointer ``batches/<config>/<batch id>``;
* a dataset: a ``dataset`` manifest of the NPZ chunks (name = chunk file name, metadata = split
  and sample count) whose metadata carries the export manifest;
* a model: a ``model`` manifest of ``model.safetensors`` + ``model.json`` (metadata: model id,
  config, parent, dataset);
* the champion of a config: the pointer ``champion/<config>`` -> a model manifest id.
"""

from __future__ import annotations

import json
import logging
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from engine.names import check_inside, check_name
from engine.storage.errors import ArtifactError
from engine.storage.hashing import sha256_file
from engine.storage.layout import check_sha

if TYPE_CHECKING:  # torch is imported by the one function that loads a model
    from engine.nn.checkpoint import Checkpoint

log = logging.getLogger(__name__)


def champion_pointer_name(config_key: str) -> str:
    return f"champion/{config_key}"


def batch_pointer_name(config_key: str, batch_id: str) -> str:
    return f"batches/{config_key}/{batch_id}"


def fetch_object(store, sha: str, cache_dir: Path, name: str = "") -> Path:
    """A verified local copy of an object: ``<cache_dir>/objects/<sha[:2]>/<sha>[-<name>]``.

    ``name`` comes from a manifest entry, i.e. from whoever can write to the store, so it must be a
    safe name (``engine.names``) and the resolved path must stay inside the cache; otherwise
    ``UnsafeName`` is raised before anything is written. A cached copy is reused only if it still
    hashes to ``sha`` (a file damaged on disk is fetched again); the store verifies every fetch.
    """
    check_sha(sha, "object sha256")
    if name:
        check_name(name, "object name")
    folder = Path(cache_dir) / "objects"
    dest = folder / sha[:2] / (sha + (f"-{name}" if name else ""))
    check_inside(folder, dest, "cached object path")
    if dest.is_file():
        actual, _ = sha256_file(dest)
        if actual == sha:
            return dest
        log.warning("cached copy %s does not hash to its name (%s): fetching it again", dest, actual[:12])
    store.fetch_to(sha, dest)  # verified, written to a temp file and renamed: never half-visible
    return dest


def publish_model(store, weights: bytes, metadata: bytes, meta) -> str:
    """Put a checkpoint's two files and its ``model`` manifest; returns the manifest id."""
    from engine.storage import Manifest, ManifestEntry

    w = store.put_bytes(weights)
    m = store.put_bytes(metadata)
    man = Manifest.build("model", [ManifestEntry.for_object("model.safetensors", w),
                                   ManifestEntry.for_object("model.json", m)],
                         {"model_id": meta.identity.model_id, "config_key": meta.config_key,
                          "parent": meta.lineage.parent, "dataset": meta.lineage.dataset,
                          "training_run": meta.lineage.training_run})
    return store.put_manifest(man)


def load_model(store, manifest_id: str, device: str = "cpu") -> Checkpoint:
    """The checkpoint of a ``model`` manifest (hashes verified by the store, identity by the loader)."""
    from engine.nn.checkpoint import checkpoint_from_bytes

    man = store.get_manifest(manifest_id)
    if man.kind != "model":
        raise ArtifactError(f"manifest {manifest_id} is a {man.kind!r}, not a model")
    files = {e.name: e for e in man.entries}
    lacking = [n for n in ("model.safetensors", "model.json") if n not in files]
    if lacking:
        raise ArtifactError(f"model manifest {manifest_id} lacks {', '.join(lacking)}")
    w = store.get_bytes(files["model.safetensors"].sha256)
    m = store.get_bytes(files["model.json"].sha256)
    return checkpoint_from_bytes(w, m, f"model manifest {manifest_id}", device=device)


def model_manifest_of(db, model_id: str) -> str:
    """The model manifest id recorded for ``model_id`` in the registry."""
    from engine.db import get_model

    with db.session(write=False) as s:
        row = get_model(s, model_id)
    if row is None or not row.checkpoint_uri:
        raise LookupError(f"model {model_id} is not in the registry")
    return row.checkpoint_uri.rsplit("/", 1)[-1].removesuffix(".json")


def check_npz(path: Path, where: str) -> None:
    """Refuse a chunk that is not a complete NPZ (every member's CRC checked), naming ``where``:
    the store only proves the bytes are the ones published, not that a whole file was published."""
    try:
        with zipfile.ZipFile(path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, ValueError) as e:
        raise ArtifactError(f"{where}: not a readable NPZ (truncated or corrupt): {type(e).__name__}: {e}") from None
    if bad is not None:
        raise ArtifactError(f"{where}: not a readable NPZ (truncated or corrupt): member {bad!r} fails its CRC")


def dataset_chunks(store, dataset_id: str, cache_dir: Path) -> tuple[list[Path], list[Path], dict]:
    """Local copies of a dataset's train and val chunks, and its export manifest.

    Checked before training starts: the manifest's kind, its encoder version, each entry's split
    and name, and that every chunk is a complete NPZ; each failure is one line naming the dataset."""
    from engine.nn.encoding import check_encoder_version

    man = store.get_manifest(dataset_id)
    if man.kind != "dataset":
        raise ArtifactError(f"manifest {dataset_id} is a {man.kind!r}, not a dataset")
    enc = man.metadata.get("encoder_version")
    if enc is not None:
        try:
            check_encoder_version(enc)
        except Exception as e:  # noqa: BLE001 - EncoderVersionError: keep the type, add which dataset
            raise type(e)(f"dataset {dataset_id}: {e} (export the games again)") from None
    out: dict[str, list[Path]] = {"train": [], "val": []}
    for e in man.entries:
        split = e.metadata.get("split", "train")
        if split not in out:
            raise ArtifactError(f"dataset {dataset_id}: entry {e.name!r} has split {split!r} (train or val expected)")
        path = fetch_object(store, e.sha256, cache_dir, e.name)
        check_npz(path, f"dataset {dataset_id[:12]} chunk {e.name!r}")
        out[split].append(path)
    return out["train"], out["val"], json.loads(json.dumps(dict(man.metadata)))
