"""NPZ export: samples equal the replayed positions' encodings and targets, split, dedup, quarantine,
gates, determinism, kill -9 and rerun, and one training step of a tiny torch model on a loaded chunk."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from engine.data import (
    ExportError,
    GateConfig,
    chunk_paths,
    export_replay_dataset,
    generate_games,
    iter_chunks,
    load_manifest,
    load_npz_chunk,
    outcome_values,
    split_of,
    verify_export,
    write_shard,
)
from engine.game import apply_in_place
from engine.nn import encode_state, legal_indices

ROOT = Path(__file__).resolve().parents[2]


def _states_at(rec):
    """ply -> state before moves[ply], for the decision plies."""
    out = {}
    s = rec.config.initial_state()
    plies = {d.ply for d in rec.decisions}
    for ply, m in enumerate(rec.moves):
        if ply in plies:
            out[ply] = s.clone()
        apply_in_place(s, m)
    return out


def _all(out_dir, split):
    return list(iter_chunks(out_dir, split, verify=True))


def test_samples_equal_replayed_positions(exported, heuristic_games):
    by_id = {r.game_id: r for r in heuristic_games}
    states = {gid: _states_at(r) for gid, r in by_id.items()}
    seen = set()
    for split in ("train", "val"):
        for b in _all(exported.out_dir, split):
            assert b.meta["split"] == split
            planes = b.float_planes()
            for i in range(len(b)):
                rec = by_id[b.game_id(i)]
                ply = int(b.ply[i])
                d = next(d for d in rec.decisions if d.ply == ply)
                s = states[rec.game_id][ply]
                p, g = encode_state(s)
                assert (planes[i] == p).all() and (b.globals[i] == g).all()
                lidx = legal_indices(s)
                assert b.legal_of(i).tolist() == sorted(lidx)
                want = sorted((lidx[j], pr / sum(d.policy)) for j, pr in zip(d.policy_index, d.policy))
                pi, pp = b.policy_of(i)
                assert pi.tolist() == [x for x, _ in want]
                assert np.allclose(pp, [y for _, y in want], atol=1e-6)
                n = rec.config.num_players
                absval = outcome_values(rec.outcome, n)
                assert b.values[i].tolist()[:n] == [absval[(s.current_player - 1 + k) % n] for k in range(n)]
                assert b.player[i] == s.current_player and b.count[i] == 1
                assert b.model(i) == rec.player_models()[s.current_player - 1]
                assert json.loads(b.configs[b.config_index[i]]) == rec.config.to_json()
                seen.add((rec.game_id, ply))
    # every decision position, and only those (bookkeeping moves are never samples)
    expected = {(r.game_id, d.ply) for r in heuristic_games for d in r.decisions}
    assert seen == expected
    assert exported.counts["positions"] == len(expected) == exported.total_samples


def test_split_by_game(exported, heuristic_games):
    games = {s: {b.game_id(i) for b in _all(exported.out_dir, s) for i in range(len(b))} for s in ("train", "val")}
    assert games["train"] and games["val"] and not games["train"] & games["val"]
    for s, ids in games.items():
        assert all(split_of(g, 0.25) == s for g in ids)
    assert split_of("abc", 0.0) == "train" and split_of("abc", 0.3) == split_of("abc", 0.3)
    share = sum(split_of(f"game-{i}", 0.1) == "val" for i in range(4000)) / 4000
    assert 0.08 < share < 0.12


def test_dedup_merges(tmp_path, heuristic_shards, heuristic_games, exported):
    rep = export_replay_dataset(heuristic_shards, tmp_path / "dd", board="square8", num_players=2, chunk_samples=97,
                                val_fraction=0.25, dedup=True)
    assert rep.ok and rep.counts["merged"] > 0
    assert rep.total_samples + rep.counts["merged"] == exported.total_samples
    for split in ("train", "val"):
        batches = _all(tmp_path / "dd", split)
        assert sum(int(b.count.sum()) for b in batches) == sum(
            len(r.decisions) for r in heuristic_games if split_of(r.game_id, 0.25) == split)
        # the initial position opens every game: one sample, merged over all the split's games
        recs = [r for r in heuristic_games if split_of(r.game_id, 0.25) == split]
        firsts = [(b, i) for b in batches for i in range(len(b)) if b.ply[i] == 0]
        assert len(firsts) == 1
        b, i = firsts[0]
        assert b.count[i] == len(recs)
        assert b.game_id(i) == recs[0].game_id  # identity of the first occurrence
        want_v = np.mean([outcome_values(r.outcome, 2) for r in recs], axis=0)  # player 1 is seat 0
        assert np.allclose(b.values[i][:2], want_v, atol=1e-6)
        s = recs[0].config.initial_state()
        lidx = legal_indices(s)
        acc = Counter()
        for r in recs:
            d = r.decisions[0]
            for j, p in zip(d.policy_index, d.policy):
                acc[lidx[j]] += p / sum(d.policy) / len(recs)
        pi, pp = b.policy_of(i)
        assert pi.tolist() == sorted(acc)
        assert np.allclose(pp, [acc[k] for k in sorted(acc)], atol=1e-6)
        assert abs(pp.sum() - 1) < 1e-5
    # no two samples of a split share a position
    for split in ("train", "val"):
        keys = set()
        for b in _all(tmp_path / "dd", split):
            for i in range(len(b)):
                k = (b.planes[i].tobytes(), b.globals[i].tobytes())
                assert k not in keys
                keys.add(k)


def test_quarantine_and_filters(tmp_path, heuristic_games):
    good = list(heuristic_games[:6])
    tampered = dataclasses.replace(good[1], game_id="tampered",
                                   outcome=dataclasses.replace(good[1].outcome, winner=3 - good[1].outcome.winner))
    capped = generate_games("square8", 2, ["random", "random"], 1, seed=1, max_moves=30)[0]
    other = generate_games("hex8", 2, ["random", "random"], 1, seed=1)[0]
    lines = [r.to_line() for r in good] + [tampered.to_line(), "{broken", capped.to_line(), other.to_line(),
                                                good[0].to_line()]
    p = tmp_path / "mixed.jsonl.zst"
    write_shard(lines, p)
    loose = GateConfig(max_parity_fail_share=0.5, max_capped_share=0.5)
    rep = export_replay_dataset([p], tmp_path / "out", board="square8", num_players=2, gates=loose,
                                exclude_games=[good[2].game_id], val_fraction=0.0)
    assert rep.ok
    c = rep.counts
    assert (c["lines"], c["malformed"], c["records"]) == (len(lines), 1, len(lines) - 1)
    assert (c["other_config"], c["excluded"], c["duplicate_games"], c["parity_failed"], c["capped_skipped"]) == \
        (1, 1, 1, 1, 1)
    assert c["games_exported"] == 5
    assert rep.quarantined[0]["game_id"] == "tampered" and rep.quarantined[0]["line"] == 7
    assert "outcome differs: winner" in rep.quarantined[0]["reason"]
    assert "line 8: invalid JSON" in rep.malformed[0]
    ids = {b.game_id(i) for b in _all(tmp_path / "out", "train") for i in range(len(b))}
    assert ids == {good[i].game_id for i in (0, 1, 3, 4, 5)}
    # the capped game when asked for: value targets 0
    rep2 = export_replay_dataset([p], tmp_path / "out2", board="square8", num_players=2, gates=loose,
                                 include_capped=True, val_fraction=0.0)
    vals = [b.values[i] for b in _all(tmp_path / "out2", "train") for i in range(len(b))
            if b.game_id(i) == capped.game_id]
    assert len(vals) == len([d for d in capped.decisions]) and all((v == 0).all() for v in vals)
    assert rep2.counts["capped_skipped"] == 0


def test_gate_failure_writes_nothing(tmp_path, heuristic_shards):
    out = tmp_path / "gated"
    rep = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, gates=GateConfig(min_games=1000))
    assert not rep.ok and rep.gates is not None and not rep.gates.ok
    assert [g.name for g in rep.gates.failed()] == ["min_games"] and "24 new games" in rep.gates.summary()
    assert list(out.iterdir()) == [] and rep.total_samples == 0


def test_rerun_reuse_conflict_overwrite(tmp_path, heuristic_shards):
    out = tmp_path / "e"
    a = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=50)
    assert a.ok and not a.reused and len(a.chunks["train"]) > 3
    b = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=50)
    assert b.reused and b.samples == a.samples and b.chunks == a.chunks and b.fingerprint == a.fingerprint
    # the gates, new_games and max_reuse do not change the contents: same export
    b2 = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=50,
                               gates=GateConfig(min_games=2), new_games=5, max_reuse=2)
    assert b2.reused and b2.train_budget == 2 * a.samples["train"]
    with pytest.raises(ExportError, match="holds another export"):
        export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=500)
    c = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=500,
                              overwrite=True)
    assert c.ok and not c.reused and c.samples == a.samples
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["manifest.json"] + [x["name"] for s in ("train", "val") for x in c.chunks[s]])
    assert verify_export(out) == []


def test_bad_arguments(tmp_path, heuristic_shards):
    with pytest.raises(ExportError, match="does not exist"):
        export_replay_dataset([tmp_path / "nope.jsonl.zst"], tmp_path / "o", board="square8", num_players=2)
    with pytest.raises(ExportError, match="val_fraction"):
        export_replay_dataset(heuristic_shards, tmp_path / "o", board="square8", num_players=2, val_fraction=1.0)
    with pytest.raises(ExportError, match="unknown board"):
        export_replay_dataset(heuristic_shards, tmp_path / "o", board="square9", num_players=2)


def test_deterministic_bytes(tmp_path, heuristic_shards):
    kw = dict(board="square8", num_players=2, chunk_samples=150, val_fraction=0.2, max_reuse=3)
    a = export_replay_dataset(heuristic_shards, tmp_path / "a", **kw)
    b = export_replay_dataset(heuristic_shards, tmp_path / "b", **kw)
    assert a.chunks == b.chunks and a.fingerprint == b.fingerprint
    for s in ("train", "val"):
        for c in a.chunks[s]:
            assert (tmp_path / "a" / c["name"]).read_bytes() == (tmp_path / "b" / c["name"]).read_bytes()
    assert a.train_budget == 3 * a.samples["train"]
    # shuffled within chunks: plies are not in game order
    first = load_npz_chunk(tmp_path / "a" / a.chunks["train"][0]["name"])
    assert (np.diff(first.ply) < 0).any()


_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import engine.data.export as ex
orig = ex.atomic_write_bytes
def slow(path, data):
    orig(path, data)
    time.sleep(0.25)
ex.atomic_write_bytes = slow
orig_spill = ex._SpillWriter.flush
def slow_spill(self):
    orig_spill(self)
    time.sleep(0.25)
ex._SpillWriter.flush = slow_spill
ex.export_replay_dataset({shards!r}, {out!r}, **{kw!r})
print("finished")
"""


@pytest.mark.parametrize("when", ["spill", "chunks"])
def test_kill_9_and_rerun(tmp_path, heuristic_shards, when):
    kw = dict(board="square8", num_players=2, chunk_samples=60, val_fraction=0.25)
    ref = export_replay_dataset(heuristic_shards, tmp_path / "ref", **kw)
    out = tmp_path / "killed"
    script = tmp_path / "child.py"
    script.write_text(_CHILD.format(root=str(ROOT), shards=[str(p) for p in heuristic_shards], out=str(out), kw=kw))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if when == "spill":
                spill = list(out.glob(".spill-*/*.zst")) if out.exists() else []
                if spill:
                    break
            elif out.exists() and len(list(out.glob("*.npz"))) >= 2:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        else:
            pytest.fail("the export never got there")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "manifest.json").exists()
    rep = export_replay_dataset(heuristic_shards, out, **kw)
    assert rep.ok and not rep.reused
    assert rep.chunks == ref.chunks and rep.samples == ref.samples
    for s in ("train", "val"):
        for c in ref.chunks[s]:
            assert (out / c["name"]).read_bytes() == (tmp_path / "ref" / c["name"]).read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in (tmp_path / "ref").iterdir())
    assert verify_export(out) == []
    # nothing lost, nothing duplicated
    pairs = [(b.game_id(i), int(b.ply[i])) for s in ("train", "val") for b in _all(out, s) for i in range(len(b))]
    assert len(pairs) == len(set(pairs)) == ref.total_samples
    assert load_manifest(out)["fingerprint"] == ref.fingerprint


def test_tiny_torch_training_step(exported):
    torch = pytest.importorskip("torch")
    from torch import nn

    b = load_npz_chunk(chunk_paths(exported.out_dir, "train")[0])
    n = len(b)
    C, H, W = b.planes.shape[1:]
    A = b.policy_size // (H * W)
    torch.manual_seed(0)

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Sequential(nn.Conv2d(C, 16, 3, padding=1), nn.ReLU())
            self.policy = nn.Conv2d(16, A, 1)
            self.value = nn.Linear(16 + b.globals.shape[1], 4)

        def forward(self, x, g):
            h = self.trunk(x)
            logits = self.policy(h).flatten(1)  # [N, A*H*W]: channel * H * W + row * W + col
            v = torch.tanh(self.value(torch.cat([h.mean((2, 3)), g], 1)))
            return logits, v

    net = Tiny()
    x = torch.from_numpy(b.float_planes())
    g = torch.from_numpy(b.globals)
    logits, v = net(x, g)
    assert logits.shape == (n, b.policy_size)
    legal = torch.from_numpy(b.legal_mask_dense())
    logp = torch.log_softmax(logits.masked_fill(~legal, float("-inf")), dim=1)
    rows = torch.from_numpy(b.policy_rows())
    idx = torch.from_numpy(b.policy_index.astype(np.int64))
    prob = torch.from_numpy(b.policy_prob)
    assert legal[rows, idx].all()  # targets lie on legal moves
    policy_loss = -(prob * logp[rows, idx]).sum() / n
    seats = b.num_players
    value_loss = ((v[:, :seats] - torch.from_numpy(b.values[:, :seats])) ** 2).mean()
    loss = policy_loss + value_loss
    loss.backward()
    assert torch.isfinite(loss)
    grads = [p.grad for p in net.parameters()]
    assert all(gr is not None and torch.isfinite(gr).all() for gr in grads)
    assert all(gr.abs().sum() > 0 for gr in grads)
    torch.optim.SGD(net.parameters(), lr=0.01).step()
