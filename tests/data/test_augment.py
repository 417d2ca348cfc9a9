"""Load-time augmentation: a transformed sample equals the export of the transformed position."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data import apply_symmetries, augment, export_replay_dataset, inexact_samples, iter_chunks, write_shard
from engine.data.augment import num_symmetries
from engine.game import apply_in_place, legal_moves
from engine.nn import encode_state, legal_indices, move_to_index, symmetries, transform_move, transform_state


def _batch_and_states(tmp_path, recs, board, n):
    write_shard(recs, tmp_path / "s.jsonl.zst")
    rep = export_replay_dataset([tmp_path / "s.jsonl.zst"], tmp_path / "out", board=board, num_players=n,
                                gates=None, dedup=False, shuffle=False, val_fraction=0.0, chunk_samples=10 ** 6)
    assert rep.ok
    (batch,) = list(iter_chunks(tmp_path / "out", "train"))
    by_id = {r.game_id: r for r in recs}
    states, decisions = [], []
    cache = {}
    for i in range(len(batch)):
        rec = by_id[batch.game_id(i)]
        if rec.game_id not in cache:
            s = rec.config.initial_state()
            at = {}
            for ply, m in enumerate(rec.moves):
                at[ply] = s.clone()
                apply_in_place(s, m)
            cache[rec.game_id] = at
        ply = int(batch.ply[i])
        states.append(cache[rec.game_id][ply])
        decisions.append(next(d for d in rec.decisions if d.ply == ply))
    return batch, states, decisions


@pytest.mark.parametrize("key", [("square8", 2), ("hex8", 3), ("square8", 4), ("hex8", 2)])
def test_transformed_sample_equals_transformed_position(tmp_path, random_games, heuristic_games, key):
    board, n = key
    recs = heuristic_games[:3] if key == ("square8", 2) else random_games[key]
    batch, states, decisions = _batch_and_states(tmp_path, recs, board, n)
    syms = symmetries(board)
    sym = np.arange(len(batch)) % len(syms)
    out = apply_symmetries(batch, sym)
    bad = inexact_samples(batch)
    assert 0 < bad.sum() < len(batch) or key == ("square8", 2)
    planes = out.float_planes()
    checked = 0
    for i in range(0, len(batch), 2 if len(batch) > 300 else 1):
        if bad[i] or sym[i] == 0:
            assert (out.planes[i] == batch.planes[i]).all()
            assert (out.policy_of(i)[0] == batch.policy_of(i)[0]).all() and (out.legal_of(i) == batch.legal_of(i)).all()
            continue
        g = syms[sym[i]]
        s, d = states[i], decisions[i]
        ts = transform_state(s, g)
        p, glob = encode_state(ts)
        assert (planes[i] == p).all() and (out.globals[i] == glob).all()
        assert out.legal_of(i).tolist() == sorted(legal_indices(ts))
        legal = legal_moves(s)
        want = sorted((move_to_index(ts, transform_move(legal[j], g)), pr / sum(d.policy))
                      for j, pr in zip(d.policy_index, d.policy))
        pi, pp = out.policy_of(i)
        assert pi.tolist() == [x for x, _ in want]
        assert np.allclose(pp, [y for _, y in want], atol=1e-6)
        assert (out.values[i] == batch.values[i]).all()
        checked += 1
    assert checked > 20


def test_augment_random(heuristic_shards, tmp_path):
    export_replay_dataset(heuristic_shards[:1], tmp_path / "o", board="square8", num_players=2, gates=None,
                          val_fraction=0.0, chunk_samples=10 ** 6)
    (b,) = list(iter_chunks(tmp_path / "o", "train"))
    a1 = augment(b, np.random.default_rng(3))
    a2 = augment(b, np.random.default_rng(3))
    assert (a1.planes == a2.planes).all() and (a1.policy_index == a2.policy_index).all()
    assert len(a1) == len(b) and (a1.policy_offsets == b.policy_offsets).all()
    changed = (a1.planes != b.planes).reshape(len(b), -1).any(1)
    assert changed.mean() > 0.5  # 7 of 8 symmetries move something
    ident = apply_symmetries(b, np.zeros(len(b), dtype=int))
    assert (ident.planes == b.planes).all() and (ident.legal_index == b.legal_index).all()
    assert num_symmetries("hex8") == 12 and num_symmetries("square19") == 8
    with pytest.raises(ValueError):
        apply_symmetries(b, np.full(len(b), 8))
