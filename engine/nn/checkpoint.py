"""Checkpoints: weights in safetensors plus a JSON metadata document; loading never unpickles.

    save_checkpoint(net, "ckpt/model", lineage=Lineage(parent=None, dataset=..., training_run=...))
    # -> ckpt/model.safetensors, ckpt/model.json
    ckpt = load_checkpoint("ckpt/model")          # Checkpoint(net, meta)
    ckpt.meta.identity.model_id

Model identity = sha256 of the weights file + architecture hash + encoder version
(``ModelIdentity``); its ``model_id`` is the sha256 of those three joined, so two checkpoints
share an id exactly when they hold the same weights for the same architecture and encoder.
The weights file is written with sorted tensor names and no free metadata, so the same weights
always give the same bytes, hence the same id.

Loading checks, in this order, and fails with a message naming the file: the metadata parses and
has the expected format; the encoder version matches this code (``EncoderVersionError`` naming
both versions); the weights file's sha256 equals the one recorded; the architecture rebuilds and
every tensor name and shape matches.

``checkpoint_bytes`` / ``checkpoint_from_bytes`` do the same in memory, for the artifact store.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from engine.atomic import atomic_write_bytes

from .encoding import ENCODER_VERSION, EncoderVersionError, check_encoder_version
from .network import NetworkArch, RingRiftNet, build_network

FORMAT = "ringrift-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match this code."""


@dataclass(frozen=True)
class ModelIdentity:
    weights_sha256: str
    arch_hash: str
    encoder_version: str

    @property
    def model_id(self) -> str:
        return hashlib.sha256(f"{self.weights_sha256}:{self.arch_hash}:{self.encoder_version}".encode()).hexdigest()

    @property
    def short(self) -> str:
        return self.model_id[:12]


@dataclass(frozen=True)
class Lineage:
    """Where a model came from (all optional: a network from scratch has none)."""

    parent: str | None = None  # model_id it was initialised from
    dataset: str | None = None  # dataset manifest id
    training_run: str | None = None
    step: int = 0
    notes: str = ""


@dataclass(frozen=True)
class CheckpointMeta:
    arch: NetworkArch
    identity: ModelIdentity
    lineage: Lineage = field(default_factory=Lineage)
    created_at: float = 0.0
    extra: dict = field(default_factory=dict)  # free JSON (training metrics, optimizer step...)

    @property
    def config_key(self) -> str:
        return self.arch.config_key

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "config_key": self.config_key,
            "encoder_version": self.identity.encoder_version, "arch": self.arch.to_dict(),
            "arch_hash": self.identity.arch_hash, "weights_sha256": self.identity.weights_sha256,
            "model_id": self.identity.model_id, "lineage": asdict(self.lineage), "created_at": self.created_at,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, d: dict, where: str = "<metadata>") -> CheckpointMeta:
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise CheckpointError(f"{where}: not a {FORMAT} metadata document")
        if d.get("format_version") != FORMAT_VERSION:
            raise CheckpointError(f"{where}: format_version {d.get('format_version')!r}, "
                                  f"this code reads {FORMAT_VERSION}")
        try:
            check_encoder_version(d["encoder_version"])
        except KeyError:
            raise CheckpointError(f"{where}: missing key 'encoder_version'") from None
        except EncoderVersionError as e:
            raise EncoderVersionError(f"{where}: {e}") from None
        try:
            arch = NetworkArch.from_dict(d["arch"])
            ident = ModelIdentity(d["weights_sha256"], arch.arch_hash(), d["encoder_version"])
            lineage = Lineage(**d.get("lineage", {}))
            meta = cls(arch=arch, identity=ident, lineage=lineage, created_at=float(d.get("created_at", 0.0)),
                       extra=dict(d.get("extra", {})))
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise CheckpointError(f"{where}: bad metadata: {type(e).__name__}: {e}") from None
        if d.get("arch_hash") != ident.arch_hash:
            raise CheckpointError(f"{where}: arch_hash {d.get('arch_hash')!r} does not match its architecture "
                                  f"({ident.arch_hash})")
        if d.get("model_id") not in (None, ident.model_id):
            raise CheckpointError(f"{where}: model_id {d.get('model_id')!r} does not match its contents "
                                  f"({ident.model_id})")
        return meta


@dataclass(frozen=True)
class Checkpoint:
    net: RingRiftNet
    meta: CheckpointMeta

    @property
    def model_id(self) -> str:
        return self.meta.identity.model_id


def weights_bytes(net: RingRiftNet) -> bytes:
    """The canonical safetensors bytes of a network's state (deterministic for equal weights)."""
    sd = {k: v.detach().to("cpu").contiguous() for k, v in sorted(net.state_dict().items())}
    return st_save(sd)


def model_identity(net: RingRiftNet, data: bytes | None = None) -> ModelIdentity:
    data = weights_bytes(net) if data is None else data
    return ModelIdentity(hashlib.sha256(data).hexdigest(), net.arch.arch_hash(), ENCODER_VERSION)


def checkpoint_bytes(net: RingRiftNet, lineage: Lineage | None = None, extra: dict | None = None,
                     created_at: float | None = None) -> tuple[bytes, bytes, CheckpointMeta]:
    """(weights safetensors bytes, metadata JSON bytes, metadata)."""
    data = weights_bytes(net)
    meta = CheckpointMeta(arch=net.arch, identity=model_identity(net, data), lineage=lineage or Lineage(),
                          created_at=time.time() if created_at is None else created_at, extra=dict(extra or {}))
    return data, json.dumps(meta.to_json(), indent=2, sort_keys=True).encode(), meta


def checkpoint_from_bytes(weights: bytes, metadata: bytes, where: str = "<checkpoint>",
                          device: str | torch.device = "cpu") -> Checkpoint:
    try:
        d = json.loads(metadata)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{where}: metadata is not JSON (corrupt or truncated): {e}") from None
    except RecursionError:
        raise CheckpointError(f"{where}: metadata is not JSON (nested too deeply)") from None
    meta = CheckpointMeta.from_json(d, where)
    sha = hashlib.sha256(weights).hexdigest()
    if sha != meta.identity.weights_sha256:
        raise CheckpointError(f"{where}: weights sha256 {sha} does not match the metadata "
                              f"({meta.identity.weights_sha256}): corrupt or mismatched files")
    try:
        sd = st_load(weights)
    except Exception as e:  # noqa: BLE001 - safetensors raises its own error types, all of them "unreadable"
        raise CheckpointError(f"{where}: unreadable safetensors (corrupt or truncated): {e}") from None
    try:
        net = build_network(meta.arch)
    except Exception as e:  # noqa: BLE001 - an architecture this code cannot build is a bad checkpoint
        raise CheckpointError(f"{where}: the architecture cannot be built: {type(e).__name__}: {e}") from None
    want = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    got = {k: tuple(v.shape) for k, v in sd.items()}
    if want != got:
        missing = sorted(set(want) - set(got))
        unexpected = sorted(set(got) - set(want))
        wrong = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        raise CheckpointError(f"{where}: weights do not fit the architecture (missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}, wrong shape {wrong[:3]})")
    try:
        net.load_state_dict(sd)
    except RuntimeError as e:  # e.g. a dtype torch cannot copy; keep the message to its first line
        raise CheckpointError(f"{where}: weights do not load: {str(e).splitlines()[0]}") from None
    net.to(device)
    net.eval()
    return Checkpoint(net, meta)


def _paths(path: str | os.PathLike) -> tuple[Path, Path]:
    p = Path(path)
    if p.suffix in (".safetensors", ".json"):
        p = p.with_suffix("")
    return p.with_name(p.name + ".safetensors"), p.with_name(p.name + ".json")


def save_checkpoint(net: RingRiftNet, path: str | os.PathLike, lineage: Lineage | None = None,
                    extra: dict | None = None) -> CheckpointMeta:
    """Write ``<path>.safetensors`` then ``<path>.json`` (each atomically; the metadata last, so a
    visible metadata file always has its weights)."""
    wpath, mpath = _paths(path)
    data, meta_bytes, meta = checkpoint_bytes(net, lineage, extra)
    atomic_write_bytes(wpath, data)
    atomic_write_bytes(mpath, meta_bytes)
    return meta


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> Checkpoint:
    """Load ``<path>.safetensors`` + ``<path>.json`` (``path`` may name either file or the stem)."""
    wpath, mpath = _paths(path)
    for p in (mpath, wpath):
        if not p.exists():
            raise CheckpointError(f"checkpoint file not found: {p}")
    try:
        weights, metadata = wpath.read_bytes(), mpath.read_bytes()
    except OSError as e:
        raise CheckpointError(f"checkpoint {mpath}: cannot read: {e.strerror or e}") from None
    return checkpoint_from_bytes(weights, metadata, str(mpath), device)
