"""Faults in the store that issue 13 had not tried, each tried for real, with its table.

Every case damages or starves a real local store (a tiny network's checkpoint, a real NPZ dataset
exported from real games) and checks that the reader answers with one clear line (the exception's
message: no newline, naming the manifest, key or file), that nothing half-written becomes visible,
and, where the fault is transient (a full disk), that a rerun after it went away succeeds.

A full disk is a ``LocalBackend`` whose writes raise ``OSError(ENOSPC)`` once a byte budget is spent,
after writing what fitted, exactly where ``write(2)`` would (filling a real disk is not safe here).

The cases run in one test so that the table is complete under pytest-xdist; it is printed and
written to ``<pytest basetemp>/fault_table.json`` and ``fault_table.md`` (and to
``$RINGRIFT_FAULT_TABLE`` when set) for the release note.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from engine.data import generate_games, write_shard
from engine.data.export import export_replay_dataset
from engine.loop.artifacts import dataset_chunks, fetch_object, load_model, publish_model
from engine.nn.checkpoint import CheckpointError, checkpoint_bytes, load_checkpoint, save_checkpoint
from engine.nn.encoding import EncoderVersionError
from engine.nn.network import NetworkArch, build_network
from engine.storage import ArtifactStore, BackendError, IntegrityError, Manifest, ManifestEntry, open_store, sync_store
from engine.storage.layout import manifest_key, object_key
from engine.storage.local import LocalBackend
from ringrift._errors import explain

ENOSPC = os.strerror(errno.ENOSPC)


class FullDiskBackend(LocalBackend):
    """A local store on a disk with ``free`` bytes left: a write past them fails with ENOSPC after
    writing what fitted. ``free = None``: space is back."""

    durable = False

    def __init__(self, root: Path, free: int | None):
        super().__init__(root)
        self.free = free

    def _publish(self, key, chunks, *, replace=True):
        def limited():
            for c in chunks:
                if self.free is not None and len(c) > self.free:
                    fit, self.free = c[:self.free], 0
                    yield fit
                    raise OSError(errno.ENOSPC, ENOSPC)
                if self.free is not None:
                    self.free -= len(c)
                yield c
        return super()._publish(key, limited(), replace=replace)


# -- what is damaged ---------------------------------------------------------------------------------

@dataclasses.dataclass
class World:
    root: Path
    store: ArtifactStore
    cache: Path
    weights: bytes
    metadata: bytes
    meta: object
    model: str  # model manifest id
    dataset: str  # dataset manifest id
    chunks: dict  # entry name -> sha256


def _tiny_checkpoint():
    arch = NetworkArch.for_config("square8", 2, channels=8, blocks=1, se_ratio=2, policy_channels=8, value_hidden=16)
    net = build_network(arch, seed=3)
    return net, *checkpoint_bytes(net, created_at=0.0)


def _publish_dataset(store, out: Path, extra_meta=None) -> str:
    m = json.loads((out / "manifest.json").read_text())
    entries = []
    for split in ("train", "val"):
        for c in m["splits"][split]["chunks"]:
            ref = store.put_file(out / c["name"])
            entries.append(ManifestEntry.for_object(c["name"], ref, {"split": split, "samples": c["samples"]}))
    from engine.nn.encoding import ENCODER_VERSION
    return store.put_manifest(Manifest.build("dataset", entries, {"encoder_version": ENCODER_VERSION,
                                                                  **(extra_meta or {})}))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A real NPZ export of real (random) games, made once."""
    d = tmp_path_factory.mktemp("export")
    write_shard(generate_games("square8", 2, ["random"] * 2, 4, seed=11), d / "games.jsonl.zst")
    out = d / "out"
    rep = export_replay_dataset([d / "games.jsonl.zst"], out, board="square8", num_players=2, val_fraction=0.3,
                                gates=None, enforce_gates=False, shuffle=False)
    assert rep.ok and rep.chunks["train"] and rep.chunks["val"]
    return out


def _world(root: Path, exported: Path) -> World:
    store = open_store(root / "store")
    store.backend.durable = False
    _, w, m, meta = _tiny_checkpoint()
    model = publish_model(store, w, m, meta)
    dataset = _publish_dataset(store, exported)
    chunks = {e.name: e.sha256 for e in store.get_manifest(dataset).entries}
    return World(root, store, root / "cache", w, m, meta, model, dataset, chunks)


def _obj(world: World, sha: str) -> Path:
    return world.store.backend.local_path(object_key(sha))


def _one_line(e: BaseException, cli: bool = True) -> str:
    """The error's message, asserted to be one line; ``cli``: and the command line's error handler
    knows the type (it prints this one line with exit 1 instead of a traceback)."""
    msg = str(e)
    assert msg and "\n" not in msg, f"not one line: {msg!r}"
    assert "Traceback" not in msg
    if cli:
        known = explain(e)
        assert known is not None and known[0] == 1, f"the CLI would print a traceback for {type(e).__name__}"
    return msg


def _publish_raw_model(world: World, weights: bytes, metadata: bytes) -> str:
    """A model manifest whose objects hash correctly (the store cannot tell): a writer's bug."""
    s = world.store
    man = Manifest.build("model", [ManifestEntry.for_object("model.safetensors", s.put_bytes(weights)),
                                   ManifestEntry.for_object("model.json", s.put_bytes(metadata))])
    return s.put_manifest(man)


def _meta_doc(world: World, **changes) -> bytes:
    d = json.loads(world.metadata)
    d.update(changes)
    d.pop("model_id", None)
    return json.dumps(d).encode()


def _nothing_in_cache(world: World, sha: str) -> None:
    folder = world.cache / "objects" / sha[:2]
    assert not folder.exists() or not [p for p in folder.iterdir() if p.name.startswith(sha)], list(folder.iterdir())


def _visible_consistent(store: ArtifactStore) -> None:
    """Every listed manifest is complete and every listed object verifies: nothing half-visible."""
    for mid in store.list_manifests():
        for e in store.get_manifest(mid).objects:
            store.verify(e.sha256)
    for ref in store.list_objects():
        store.verify(ref.sha256)
    tmp = store.backend.local_path("tmp")
    assert not tmp.exists() or not any(tmp.iterdir()), list(tmp.iterdir())


# -- the cases: each returns (error line, data lost) and asserts what survival means ---------------------

def damaged_checkpoint_in_store(world):
    man = world.store.get_manifest(world.model)
    sha = man.entry("model.safetensors").sha256
    p = _obj(world, sha)
    b = bytearray(p.read_bytes())
    b[len(b) // 2] ^= 0xFF
    p.write_bytes(bytes(b))
    with pytest.raises(IntegrityError) as e:
        load_model(world.store, world.model)
    with pytest.raises(IntegrityError):
        fetch_object(world.store, sha, world.cache, "model.safetensors")
    _nothing_in_cache(world, sha)
    assert sha in str(e.value)
    return _one_line(e.value), "that model's weights (refused, never loaded)"


def truncated_checkpoint_in_store(world):
    sha = world.store.get_manifest(world.model).entry("model.safetensors").sha256
    p = _obj(world, sha)
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 3])
    with pytest.raises(IntegrityError) as e:
        load_model(world.store, world.model)
    return _one_line(e.value), "that model's weights (refused, never loaded)"


def corrupt_safetensors_with_matching_hashes(world):
    cut = world.weights[: len(world.weights) // 2]
    from engine.storage.hashing import sha256_bytes
    mid = _publish_raw_model(world, cut, _meta_doc(world, weights_sha256=sha256_bytes(cut)))
    with pytest.raises(CheckpointError, match="unreadable safetensors") as e:
        load_model(world.store, mid)
    assert mid in str(e.value)
    return _one_line(e.value), "that model (refused)"


def weights_not_matching_their_metadata(world):
    other = _tiny_checkpoint()[1]  # the same weights with one byte flipped: a different sha256
    b = bytearray(other)
    b[-1] ^= 0x01
    mid = _publish_raw_model(world, bytes(b), world.metadata)
    with pytest.raises(CheckpointError, match="does not match the metadata") as e:
        load_model(world.store, mid)
    return _one_line(e.value), "that model (refused)"


def truncated_checkpoint_metadata(world):
    mid = _publish_raw_model(world, world.weights, world.metadata[: len(world.metadata) // 2])
    with pytest.raises(CheckpointError, match="metadata is not JSON") as e:
        load_model(world.store, mid)
    return _one_line(e.value), "that model (refused)"


def checkpoint_of_another_encoder_version(world):
    mid = _publish_raw_model(world, world.weights, _meta_doc(world, encoder_version="ringrift-encoder-0-old"))
    with pytest.raises(EncoderVersionError) as e:
        load_model(world.store, mid)
    msg = _one_line(e.value)
    assert mid in msg and "ringrift-encoder-0-old" in msg
    return msg, "none (the old model stays in the store, unused)"


def truncated_checkpoint_on_disk(world):
    net = _tiny_checkpoint()[0]
    stem = world.root / "run" / "checkpoints" / "step-00000100"
    save_checkpoint(net, stem)
    w = stem.with_name(stem.name + ".safetensors")
    w.write_bytes(w.read_bytes()[:1000])
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(stem)
    assert str(w.with_suffix(".json")) in str(e.value)
    return _one_line(e.value), "that checkpoint (refused; not tested here: what the trainer resumes from)"


def damaged_npz_chunk_in_store(world):
    name, sha = next(iter(world.chunks.items()))
    p = _obj(world, sha)
    p.write_bytes(p.read_bytes()[:-7])
    with pytest.raises(IntegrityError) as e:
        dataset_chunks(world.store, world.dataset, world.cache)
    _nothing_in_cache(world, sha)
    return _one_line(e.value), f"that dataset's chunk {name} (refused; export again from the shards)"


def truncated_npz_chunk_with_matching_hash(world):
    src = _obj(world, next(iter(world.chunks.values()))).read_bytes()
    ref = world.store.put_bytes(src[: len(src) // 2])
    man = Manifest.build("dataset", [ManifestEntry.for_object("train-00000.npz", ref, {"split": "train"})],
                         {"encoder_version": world.store.get_manifest(world.dataset).metadata["encoder_version"]})
    did = world.store.put_manifest(man)
    with pytest.raises(ValueError, match="not a readable NPZ") as e:
        dataset_chunks(world.store, did, world.cache)
    assert did[:12] in str(e.value) and "train-00000.npz" in str(e.value)
    return _one_line(e.value), "that dataset (refused before training; export again)"


def dataset_of_another_encoder_version(world):
    m = world.store.get_manifest(world.dataset)
    did = world.store.put_manifest(Manifest.build("dataset", m.entries, {**m.metadata,
                                                                        "encoder_version": "ringrift-encoder-0-old"}))
    with pytest.raises(EncoderVersionError) as e:
        dataset_chunks(world.store, did, world.cache)
    assert did in str(e.value)
    return _one_line(e.value), "none (export again with this encoder)"


def damaged_cached_copy(world):
    train, _, _ = dataset_chunks(world.store, world.dataset, world.cache)
    good = train[0].read_bytes()
    train[0].write_bytes(good[:100])
    again, _, _ = dataset_chunks(world.store, world.dataset, world.cache)
    assert again[0] == train[0] and train[0].read_bytes() == good
    return "(none: the cached copy no longer hashed to its name and was fetched again)", "none"


def damaged_manifest_in_store(world):
    p = world.store.backend.local_path(manifest_key(world.dataset))
    p.write_bytes(p.read_bytes().replace(b'"split":"train"', b'"split":"trein"', 1))
    with pytest.raises(IntegrityError) as e:
        dataset_chunks(world.store, world.dataset, world.cache)
    return _one_line(e.value), "that dataset manifest (refused; export again)"


def full_disk_writing_model_weights(world):
    full = ArtifactStore(FullDiskBackend(world.root / "full", free=1000))
    with pytest.raises(BackendError) as e:
        publish_model(full, world.weights, world.metadata, world.meta)
    assert ENOSPC in str(e.value) and "objects/" in str(e.value)
    assert full.list_objects() == () and full.list_manifests() == ()
    _visible_consistent(full)
    full.backend.free = None  # space is back: the rerun publishes the same model
    mid = publish_model(full, world.weights, world.metadata, world.meta)
    assert mid == world.model and load_model(full, mid).model_id == world.meta.identity.model_id
    _visible_consistent(full)
    return _one_line(e.value), "none (nothing was published; the rerun published it)"


def full_disk_writing_the_manifest(world):
    full = ArtifactStore(FullDiskBackend(world.root / "full2", free=len(world.weights) + len(world.metadata) + 10))
    with pytest.raises(BackendError) as e:
        publish_model(full, world.weights, world.metadata, world.meta)
    assert "manifests/" in str(e.value)
    assert full.list_manifests() == () and len(full.list_objects()) == 2  # objects alone reference nothing
    _visible_consistent(full)
    full.backend.free = None
    assert publish_model(full, world.weights, world.metadata, world.meta) == world.model
    _visible_consistent(full)
    return _one_line(e.value), "none (the objects wait for the rerun's manifest or for prune)"


def full_disk_syncing_into_the_cache(world):
    world.store.swap_pointer("champion/square8_2p", world.model, expected=None)
    cache = ArtifactStore(FullDiskBackend(world.root / "cache-full", free=5000))
    rep = sync_store(world.store, cache)
    assert not rep.ok and any(ENOSPC in i.message for i in rep.errors)
    assert all("\n" not in i.message for i in rep.errors)
    assert cache.read_pointer("champion/square8_2p") is None  # never a pointer to an incomplete model
    _visible_consistent(cache)
    first = next(i for i in rep.errors if ENOSPC in i.message)
    cache.backend.free = None
    rep2 = sync_store(world.store, cache)
    assert rep2.ok and cache.read_pointer("champion/square8_2p").target == world.model
    assert set(cache.list_manifests()) == set(world.store.list_manifests())
    _visible_consistent(cache)
    line = f"sync report: {len(rep.errors)} errors, first {first.key}: {first.message}"
    return (_one_line(Exception(line), cli=False),
            "none (the pointer was not moved; the rerun completed the copy)")


_LIMITED_FETCH = """
import resource, sys
from pathlib import Path
from engine.loop.artifacts import fetch_object
from engine.storage import StorageError, open_store
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # Python ignores SIGXFSZ: write() fails, EFBIG
try:
    fetch_object(open_store(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), "model.safetensors")
except StorageError as e:
    print(e)
    sys.exit(3)
"""


def cache_folder_write_fails(world):
    """A real kernel-refused write into the cache folder (the file-size limit of the process, the
    closest thing to a full disk a test can cause safely): fetch_to's local side."""
    sha = world.store.get_manifest(world.model).entry("model.safetensors").sha256
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    p = subprocess.run([sys.executable, "-c", _LIMITED_FETCH, str(world.root / "store"), sha, str(world.cache)],
                       env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 3, p.stderr[-2000:]
    msg = p.stdout.strip()
    assert "File too large" in msg and "fetch to" in msg and "Traceback" not in p.stderr
    assert not [f for f in world.cache.rglob("*") if f.is_file()]  # no partial file left, nothing visible
    got = fetch_object(world.store, sha, world.cache, "model.safetensors")  # the limit lifted: the rerun
    assert got.read_bytes() == world.weights
    assert "\n" not in msg  # a StorageError (BackendError): the command line prints it as this one line
    return msg, "none (the rerun fetched it)"


CASES = [
    ("checkpoint weights damaged in the store (sha256 mismatch)", damaged_checkpoint_in_store),
    ("checkpoint .safetensors truncated in the store", truncated_checkpoint_in_store),
    ("corrupt .safetensors published with matching hashes", corrupt_safetensors_with_matching_hashes),
    ("checkpoint weights not matching their metadata", weights_not_matching_their_metadata),
    ("checkpoint metadata (model.json) truncated", truncated_checkpoint_metadata),
    ("checkpoint of another encoder version", checkpoint_of_another_encoder_version),
    ("checkpoint file truncated on disk (trainer's run folder)", truncated_checkpoint_on_disk),
    ("NPZ chunk truncated in the store (sha256 mismatch)", damaged_npz_chunk_in_store),
    ("truncated NPZ chunk published with a matching hash", truncated_npz_chunk_with_matching_hash),
    ("dataset of another encoder version", dataset_of_another_encoder_version),
    ("cached copy of a chunk damaged on this host's disk", damaged_cached_copy),
    ("dataset manifest damaged in the store", damaged_manifest_in_store),
    ("full disk (ENOSPC) writing a model's weights", full_disk_writing_model_weights),
    ("full disk (ENOSPC) writing the model manifest", full_disk_writing_the_manifest),
    ("full disk (ENOSPC) syncing the store into the cache", full_disk_syncing_into_the_cache),
    ("cache folder refuses the write (kernel file-size limit, EFBIG)", cache_folder_write_fails),
]


def _table_md(rows) -> str:
    lines = ["| fault | tried | survived | data lost | error (one line) |", "|---|---|---|---|---|"]
    for r in rows:
        err = r["error"].replace("|", "\\|")
        lines.append(f"| {r['fault']} | {r['tried']} | {r['survived']} | {r['data_lost']} | {err} |")
    return "\n".join(lines)


@pytest.mark.slow  # ~10-25 s: sixteen stores, a real export, one subprocess
def test_store_faults_table(tmp_path, tmp_path_factory, exported):
    rows = []
    for i, (fault, case) in enumerate(CASES):
        world = _world(tmp_path / f"case{i:02d}", exported)
        try:
            err, lost = case(world)
            err = err.replace(f"file://{world.root}", "file://<tmp>").replace(str(world.root), "<tmp>")
            rows.append({"fault": fault, "tried": "yes", "survived": "yes", "data_lost": lost, "error": err})
        except BaseException as e:  # noqa: BLE001 - recorded, then the test fails below
            detail = "".join(traceback.format_exception_only(type(e), e)).strip().splitlines()[0]
            rows.append({"fault": fault, "tried": "yes", "survived": "NO", "data_lost": "?", "error": detail})
    md = _table_md(rows)
    base = tmp_path_factory.getbasetemp()
    (base / "fault_table.json").write_text(json.dumps(rows, indent=1))
    (base / "fault_table.md").write_text(md + "\n")
    if os.environ.get("RINGRIFT_FAULT_TABLE"):
        Path(os.environ["RINGRIFT_FAULT_TABLE"]).write_text(md + "\n")
    print("\n" + md)
    failed = [r for r in rows if r["survived"] != "yes"]
    assert not failed, "\n".join(f"{r['fault']}: {r['error']}" for r in failed)
