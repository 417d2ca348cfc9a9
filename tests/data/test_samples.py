"""NPZ chunks: deterministic bytes, no pickle, SampleBatch subset / concat / dense views."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from engine.data import FIELDS, SampleBatch, chunk_paths, load_manifest, load_npz_chunk, verify_export
from engine.data.samples import npz_bytes, write_npz


def test_chunks_load_without_pickle(exported):
    paths = chunk_paths(exported.out_dir, "train") + chunk_paths(exported.out_dir, "val")
    assert paths
    for p in paths:
        with np.load(p, allow_pickle=False) as z:
            assert sorted(z.files) == sorted(FIELDS)
            for k in z.files:
                a = z[k]
                assert not a.dtype.hasobject
                kind = FIELDS[k][0]
                assert (a.dtype.kind == "S") if kind == "S" else (a.dtype == np.dtype(kind)), (k, a.dtype)
        b = load_npz_chunk(p)
        n = len(b)
        assert b.planes.shape[0] == b.globals.shape[0] == b.values.shape[0] == n
        assert b.values.shape == (n, 4) and (b.values[:, 2:] == 0).all()
        assert b.policy_offsets.shape == (n + 1,) and b.policy_offsets[-1] == len(b.policy_index)
        assert b.legal_offsets[-1] == len(b.legal_index)
        assert np.allclose(np.add.reduceat(b.policy_prob, b.policy_offsets[:-1]), 1.0, atol=1e-5)
        assert set(np.unique(b.planes)) <= set(range(9))
        assert b.meta["board"] == "square8" and b.meta["num_players"] == 2 and b.meta["chunk"] == p.name


def test_manifest(exported):
    m = load_manifest(exported.out_dir)
    assert m["encoder_version"] == "rr-enc-1" and m["board"] == "square8" and m["num_players"] == 2
    assert m["shapes"]["planes"] == [29, 8, 8] and m["plane_scale"] == 8
    for split in ("train", "val"):
        assert m["splits"][split]["samples"] == sum(c["samples"] for c in m["splits"][split]["chunks"])
        assert all(c["samples"] <= 200 and len(c["sha256"]) == 64 for c in m["splits"][split]["chunks"])
    assert verify_export(exported.out_dir) == []
    assert len(m["sources"]) == 2 and all(len(s["sha256"]) == 64 for s in m["sources"])


def test_verify_detects_damage(exported, tmp_path):
    import shutil
    d = tmp_path / "copy"
    shutil.copytree(exported.out_dir, d)
    first = chunk_paths(d, "train")[0]
    first.write_bytes(first.read_bytes()[:-10])
    second = chunk_paths(d, "train")[1]
    second.unlink()
    problems = verify_export(d)
    assert any("sha256" in p for p in problems) and any("missing" in p for p in problems)


def _toy(n=5, seed=0) -> SampleBatch:
    rng = np.random.default_rng(seed)
    plen = rng.integers(1, 4, n)
    llen = plen + rng.integers(0, 3, n)
    poff = np.concatenate([[0], np.cumsum(plen)])
    loff = np.concatenate([[0], np.cumsum(llen)])
    return SampleBatch(
        planes=rng.integers(0, 9, (n, 29, 8, 8)).astype(np.uint8), globals=rng.random((n, 35), dtype=np.float32),
        values=rng.random((n, 4), dtype=np.float32), policy_offsets=poff,
        policy_index=rng.integers(0, 1000, poff[-1]).astype(np.int32),
        policy_prob=rng.random(poff[-1], dtype=np.float32), legal_offsets=loff,
        legal_index=rng.integers(0, 1000, loff[-1]).astype(np.int32), count=np.ones(n, np.int32),
        ply=np.arange(n, dtype=np.int32), player=np.ones(n, np.int8), game_index=(np.arange(n) % 2).astype(np.int32),
        game_hash=np.arange(n, dtype=np.int64), model_index=np.zeros(n, np.int16),
        config_index=np.zeros(n, np.int16), game_ids=np.array([f"g{seed}a".encode(), f"g{seed}b".encode()]),
        models=np.array([b"m"]), configs=np.array([b"{}"]),
        meta={"format": "ringrift-npz", "format_version": 1, "encoder_version": "rr-enc-1", "board": "square8",
              "num_players": 2})


def test_subset_and_concat():
    a, b = _toy(5, 0), _toy(4, 1)
    s = a.subset([3, 0, 3])
    assert len(s) == 3 and (s.ply == [3, 0, 3]).all()
    for j, i in enumerate([3, 0, 3]):
        assert (s.policy_of(j)[0] == a.policy_of(i)[0]).all() and (s.policy_of(j)[1] == a.policy_of(i)[1]).all()
        assert (s.legal_of(j) == a.legal_of(i)).all() and s.game_id(j) == a.game_id(i)
    c = SampleBatch.concat([a, b, s])
    assert len(c) == 12 and len(c.game_ids) == 4 and len(c.models) == 1
    for j, (src, i) in enumerate([(a, i) for i in range(5)] + [(b, i) for i in range(4)] + [(s, i) for i in range(3)]):
        assert c.game_id(j) == src.game_id(i)
        assert (c.policy_of(j)[0] == src.policy_of(i)[0]).all() and (c.legal_of(j) == src.legal_of(i)).all()
        assert (c.planes[j] == src.planes[i]).all()
    assert (c.float_planes()[0] == a.planes[0] / 8).all()
    dense = a.policy_dense()
    assert dense.shape == (5, a.policy_size) and a.legal_mask_dense().sum() <= len(a.legal_index)


def test_npz_bytes_deterministic_and_plain(tmp_path):
    arrays = _toy().arrays()
    assert npz_bytes(arrays) == npz_bytes(arrays)
    sha = write_npz(tmp_path / "x.npz", arrays)
    assert len(sha) == 64 and [p.name for p in tmp_path.iterdir()] == ["x.npz"]
    with zipfile.ZipFile(tmp_path / "x.npz") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    back = load_npz_chunk(tmp_path / "x.npz")
    assert json.dumps(back.meta, sort_keys=True) == json.dumps(_toy().meta, sort_keys=True)
    with pytest.raises(TypeError, match="object"):
        npz_bytes({"bad": np.array([{"a": 1}], dtype=object)})


def test_wrong_encoder_version_refused(tmp_path):
    t = _toy()
    t.meta["encoder_version"] = "rr-enc-0"
    write_npz(tmp_path / "old.npz", t.arrays())
    from engine.nn import EncoderVersionError
    with pytest.raises(EncoderVersionError):
        load_npz_chunk(tmp_path / "old.npz")
    assert len(load_npz_chunk(tmp_path / "old.npz", check_version=False)) == 5
    with pytest.raises(ValueError, match="missing arrays"):
        np.savez(tmp_path / "other.npz", a=np.zeros(3))
        load_npz_chunk(Path(tmp_path / "other.npz"))


def test_chunk_names_from_a_manifest_cannot_leave_the_export_folder(tmp_path):
    from engine.names import UnsafeName

    (tmp_path / "manifest.json").write_text(json.dumps({"splits": {"train": {"chunks": [{"name": "../../evil.npz"}]}}}))
    with pytest.raises(UnsafeName, match="invalid chunk name '../../evil.npz'"):
        chunk_paths(tmp_path)
