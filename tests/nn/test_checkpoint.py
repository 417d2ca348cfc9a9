"""Checkpoints: safetensors + JSON, no pickle, identity, and the errors a user meets."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from engine.nn import ENCODER_VERSION, EncoderVersionError
from engine.nn.checkpoint import (
    CheckpointError,
    Lineage,
    checkpoint_bytes,
    checkpoint_from_bytes,
    load_checkpoint,
    model_identity,
    save_checkpoint,
)
from tests.nn.helpers import encoded, tiny_net


def _outputs(net):
    _, planes, glob = encoded(n=3)
    with torch.no_grad():
        return net.eval()(torch.from_numpy(planes), torch.from_numpy(glob))


def test_round_trip_same_outputs_and_metadata(tmp_path):
    net = tiny_net(seed=3)
    lin = Lineage(parent="p" * 64, dataset="d" * 64, training_run="run-1", step=42, notes="test")
    meta = save_checkpoint(net, tmp_path / "m", lineage=lin, extra={"loss": 1.5})
    assert (tmp_path / "m.safetensors").exists() and (tmp_path / "m.json").exists()
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["encoder_version"] == ENCODER_VERSION and doc["config_key"] == "square8_2p"
    assert doc["model_id"] == meta.identity.model_id and doc["lineage"]["step"] == 42
    ck = load_checkpoint(tmp_path / "m.json")  # either file name or the stem
    assert ck.model_id == meta.identity.model_id and ck.meta.lineage == lin and ck.meta.extra == {"loss": 1.5}
    for a, b in zip(_outputs(net), _outputs(ck.net)):
        assert torch.equal(a, b)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    save_checkpoint(tiny_net(), tmp_path / "m")

    def boom(*a, **k):
        raise AssertionError("unpickling during checkpoint load")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    monkeypatch.setattr(torch, "load", boom)
    load_checkpoint(tmp_path / "m")


def test_identity_is_a_function_of_weights_arch_and_encoder():
    a, b = tiny_net(seed=1), tiny_net(seed=1)
    ia, ib = model_identity(a), model_identity(b)
    assert ia == ib and len(ia.model_id) == 64
    assert model_identity(tiny_net(seed=2)).model_id != ia.model_id
    assert model_identity(tiny_net(seed=1, channels=16)).arch_hash != ia.arch_hash
    w1, m1, _ = checkpoint_bytes(a, created_at=1.0)
    w2, m2, _ = checkpoint_bytes(b, created_at=1.0)
    assert w1 == w2 and m1 == m2  # deterministic bytes


def test_encoder_version_mismatch_names_both(tmp_path):
    save_checkpoint(tiny_net(), tmp_path / "m")
    doc = json.loads((tmp_path / "m.json").read_text())
    doc["encoder_version"] = "rr-enc-0"
    (tmp_path / "m.json").write_text(json.dumps(doc))
    with pytest.raises(EncoderVersionError, match="rr-enc-0.*" + ENCODER_VERSION):
        load_checkpoint(tmp_path / "m")


def test_corrupt_weights_are_refused(tmp_path):
    save_checkpoint(tiny_net(), tmp_path / "m")
    data = bytearray((tmp_path / "m.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / "m.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256"):
        load_checkpoint(tmp_path / "m")


def test_errors_name_the_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found.*nope.json"):
        load_checkpoint(tmp_path / "nope")
    save_checkpoint(tiny_net(), tmp_path / "m")
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="m.json.*not JSON"):
        load_checkpoint(tmp_path / "m")
    (tmp_path / "m.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(CheckpointError, match="not a ringrift-checkpoint"):
        load_checkpoint(tmp_path / "m")


def test_weights_that_do_not_fit_the_architecture(tmp_path):
    w, _, _ = checkpoint_bytes(tiny_net(channels=8))
    _, m, meta = checkpoint_bytes(tiny_net(channels=16))
    doc = json.loads(m)
    import hashlib

    doc["weights_sha256"] = hashlib.sha256(w).hexdigest()
    doc.pop("model_id")
    with pytest.raises(CheckpointError, match="do not fit the architecture"):
        checkpoint_from_bytes(w, json.dumps(doc).encode())


@pytest.mark.parametrize("change", [
    {"arch": "not a mapping"},                 # AttributeError inside the architecture parser
    {"arch": {"board": "square8"}},            # missing architecture fields
    {"lineage": ["not", "a", "mapping"]},
    {"created_at": "yesterday"},
])
def test_malformed_metadata_is_one_line(change):
    w, m, _ = checkpoint_bytes(tiny_net())
    d = json.loads(m) | change
    d.pop("model_id")
    with pytest.raises(CheckpointError) as e:
        checkpoint_from_bytes(w, json.dumps(d).encode(), "ck.json")
    assert str(e.value).startswith("ck.json: ") and "\n" not in str(e.value)


def test_unreadable_and_truncated_files_are_one_line(tmp_path):
    save_checkpoint(tiny_net(), tmp_path / "m")
    (tmp_path / "m.json").write_bytes((tmp_path / "m.json").read_bytes()[:40])
    with pytest.raises(CheckpointError, match="metadata is not JSON") as e:
        load_checkpoint(tmp_path / "m")
    assert "\n" not in str(e.value)
    (tmp_path / "d.json").mkdir()
    (tmp_path / "d.safetensors").write_bytes(b"")
    with pytest.raises(CheckpointError, match="cannot read"):
        load_checkpoint(tmp_path / "d")
