"""Load-time symmetry augmentation (D4 on square boards, D6 on hex boards).

    batch = augment(load_npz_chunk(path), np.random.default_rng(seed))

``augment`` draws one symmetry per sample and applies it consistently to the input planes
(``engine.nn.transform_planes``) and to the sparse policy targets and legal indices (the static
``engine.nn.policy_permutation``); globals and value targets do not depend on the orientation.

The static permutation is exact on every channel group except three (``line_all``, ``territory``,
``recovery``: see ``engine.nn.symmetry``), whose image depends on the position, which a stored
sample no longer has. A sample whose *legal moves* touch one of those groups is therefore left
untransformed (identity); ``inexact_samples(batch)`` says which. Such positions (an overlength
line to choose, a territory region, a recovery slide) are a small share of positions; for all
others the transformed sample equals the export of the transformed position exactly (planes,
policy indices and legal indices; tests/data/test_augment.py checks this against
``transform_state`` + ``encode_state`` + ``legal_indices``). Doing it at load time keeps exports
8x / 12x smaller than storing every orientation.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np

from engine.game.geometry import geometry
from engine.nn.actions import action_layout
from engine.nn.symmetry import policy_permutation, symmetries, transform_planes

from .samples import SampleBatch

INEXACT_GROUPS = ("line_all", "territory", "recovery")


def num_symmetries(board: str) -> int:
    return 12 if geometry(board).is_hex else 8


@cache
def _perms(board: str, num_players: int) -> np.ndarray:
    p = np.stack([policy_permutation(board, num_players, g) for g in symmetries(board)])
    p.setflags(write=False)
    return p


@cache
def _inexact_channels(board: str) -> np.ndarray:
    al = action_layout(board)
    bad = np.zeros(al.A, dtype=bool)
    for name in INEXACT_GROUPS:
        start, count = al.groups()[name]
        bad[start:start + count] = True
    bad.setflags(write=False)
    return bad


def inexact_samples(batch: SampleBatch) -> np.ndarray:
    """bool ``[N]``: samples with a legal move in a group the static permutation cannot map."""
    al = action_layout(batch.board)
    bad_entry = _inexact_channels(batch.board)[batch.legal_index // al.HW]
    rows = batch.legal_rows()
    return np.bincount(rows[bad_entry], minlength=len(batch)) > 0


def _sorted_csr(rows: np.ndarray, idx: np.ndarray, *vals: np.ndarray):
    order = np.lexsort((idx, rows))
    return (idx[order], *(v[order] for v in vals))


def apply_symmetries(batch: SampleBatch, sym: np.ndarray) -> SampleBatch:
    """Apply symmetry ``sym[i]`` (an index into ``engine.nn.symmetries(board)``) to sample ``i``;
    samples flagged by ``inexact_samples`` keep the identity. Returns a new batch."""
    sym = np.asarray(sym, dtype=np.int64).copy()
    if sym.shape != (len(batch),):
        raise ValueError(f"need one symmetry per sample ({len(batch)}), got shape {sym.shape}")
    syms = symmetries(batch.board)
    if len(sym) and (sym.min() < 0 or sym.max() >= len(syms)):
        raise ValueError(f"symmetry indices must be in 0..{len(syms) - 1}")
    sym[inexact_samples(batch)] = 0
    planes = batch.planes.copy()
    for g in np.unique(sym):
        if g == 0:
            continue
        rows = np.flatnonzero(sym == g)
        planes[rows] = transform_planes(batch.planes[rows], syms[g])
    perms = _perms(batch.board, batch.num_players)
    prow = batch.policy_rows()
    pidx, pprob = _sorted_csr(prow, perms[sym[prow], batch.policy_index].astype(np.int32), batch.policy_prob)
    lrow = batch.legal_rows()
    (lidx,) = _sorted_csr(lrow, perms[sym[lrow], batch.legal_index].astype(np.int32))
    return replace(batch, planes=planes, policy_index=pidx, policy_prob=pprob, legal_index=lidx)


def augment(batch: SampleBatch, rng: np.random.Generator) -> SampleBatch:
    """A uniformly random symmetry per sample (identity for ``inexact_samples``)."""
    return apply_symmetries(batch, rng.integers(0, num_symmetries(batch.board), size=len(batch)))
