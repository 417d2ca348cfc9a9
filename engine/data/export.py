"""Export a window of game-record shards to NPZ training chunks.

    report = export_replay_dataset(["games-000.jsonl.zst", ...], "exports/run7", board="square8", num_players=2)
    report.ok, report.samples, report.gates.summary()

Two streaming passes, each with bounded memory:

1. **scan** (shard by shard, record by record): every record of the export's config is replayed
   once through the parity gate (``engine.data.parity``); at each sample position the replay
   encodes the state (``engine.nn.encode_state``, ``legal_indices``) and takes its dedup key (the
   Zobrist hash of the position, covering the board and the turn context: player to act, phase,
   hands, counters, pending decisions; mixed with the rules setup). A clean record's samples go
   to a *spill* of its split (``out_dir/.spill-*/``: zstd-compressed arrays in chunks of
   ``chunk_samples``), its key to an 8-byte-per-sample key array, its statistics to the window
   statistics. Then the quality gates (``engine.data.gates``) are evaluated; if one fails (and
   ``enforce_gates``), the spill is deleted and nothing is written.
2. **write**: the spill is read back chunk by chunk, duplicates are merged, and the samples are
   appended to the split's output chunks ``{split}-{k:05d}.npz`` of ``chunk_samples`` samples
   (shuffled within the chunk); the manifest is written last and the spill deleted.

Samples: only decision positions with search statistics (never bookkeeping moves); never from a
record that failed parity, a duplicate game id, a game in ``exclude_games`` (quarantined), or
(unless ``include_capped``) a move-capped game, whose result is unknown. Value targets are the
game's final values per seat (``records.outcome_values``) seen from the player to act.

Split: a game goes to ``val`` when the first 8 bytes of sha256("split:" + game id), as a fraction of
2**64, are below ``val_fraction``; so no game is on both sides and a game's split never changes when
the window moves.

Dedup (``dedup=True``): identical positions (equal keys, same split) within the window are merged
into one sample whose policy and values are the means over the occurrences and whose ``count`` is
their number. The key arrays give each key's number of occurrences, so the write pass keeps running
sums only for keys seen more than once and still open, and emits the merged sample at the key's
*last* occurrence (identity fields: game, ply, model of the first). Memory: the key arrays (8
bytes per sample, about 50 MB with ``np.unique``'s temporaries for a million samples), one spill
chunk, the output chunk buffers (``chunk_samples`` samples per split) and the open sums.

Determinism and resuming: chunk contents and names depend only on the shards' bytes and the
options (the in-chunk shuffle is seeded by ``seed``, split and chunk number; the NPZ writer fixes
timestamps), every file is written atomically (temporary file + ``os.replace``), and
``manifest.json`` is written last. Rerunning an interrupted export redoes it and writes the same
chunks, then the manifest; rerunning a finished one finds the manifest with the same fingerprint
(sha256 of the shards' bytes and the options that decide the contents; not the gates) and returns
it at once, as it was made. Stray chunks, spills and temporary files not in the manifest are removed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from array import array
from collections.abc import Callable, Collection, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import zstandard

from engine.config import GateConfig
from engine.game.zobrist import splitmix64
from engine.nn.actions import legal_indices
from engine.nn.encoding import ENCODER_VERSION, config_shapes
from engine.nn.planes import encode_state

from .gates import GateReport, GateResult, WindowStats, evaluate_gates
from .parity import check_parity
from .records import RecordError, outcome_values
from .samples import (
    FIELDS,
    MANIFEST,
    NPZ_FORMAT,
    NPZ_FORMAT_VERSION,
    PLANE_SCALE,
    VALUE_SEATS,
    SampleBatch,
    atomic_write_bytes,
    game_hash,
    load_manifest,
    npz_bytes,
    sha256_file,
)
from .shards import read_shard
from .window import training_budget

log = logging.getLogger(__name__)

SPLITS = ("train", "val")
_CHUNK_RE = re.compile(r"^(train|val)-\d{5}\.npz$")
_MAX_LISTED = 100  # quarantined records / malformed lines listed in the report


class ExportError(RuntimeError):
    """The export cannot run (bad arguments, an output folder holding another export, a corrupt spill)."""


def split_of(game_id: str, val_fraction: float) -> str:
    """``"val"`` or ``"train"`` for a game, from a hash of its id."""
    u = int.from_bytes(hashlib.sha256(b"split:" + game_id.encode()).digest()[:8], "big") / 2.0 ** 64
    return "val" if u < val_fraction else "train"


@dataclass
class ExportReport:
    """What an export did. ``counts``: lines, malformed, records, other_config, excluded,
    duplicate_games, parity_failed, capped_skipped, games_exported, positions (sample positions
    before dedup), no_policy (decisions without stats), merged (positions merged away by dedup).
    ``window``: the window statistics the gates saw. ``seconds``: CPU seconds of each pass and wall
    time."""

    ok: bool
    out_dir: str
    fingerprint: str
    manifest: str | None = None
    reused: bool = False  # the folder already held this export, complete
    gates: GateReport | None = None
    samples: dict = field(default_factory=lambda: {s: 0 for s in SPLITS})
    chunks: dict = field(default_factory=lambda: {s: [] for s in SPLITS})
    counts: dict = field(default_factory=dict)
    window: dict = field(default_factory=dict)
    quarantined: list = field(default_factory=list)
    malformed: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)
    train_budget: int | None = None

    @property
    def total_samples(self) -> int:
        return sum(self.samples.values())

    def to_json(self) -> dict:
        d = asdict(self)
        d["gates"] = None if self.gates is None else self.gates.to_json()
        return d


# -- sample buffers ----------------------------------------------------------------------------------

def _bytes_table(items: list[str]) -> np.ndarray:
    enc = [s.encode() for s in items]
    width = max([len(b) for b in enc] + [1])
    return np.array(enc, dtype=f"S{width}")


class _SpillWriter:
    """Collects one split's samples in scan order and writes them as zstd-compressed spill chunks
    of ``cap`` samples (plain ``.npy`` arrays one after another; private to the export)."""

    def __init__(self, folder: Path, split: str, shapes: dict, cap: int):
        self.folder, self.split, self.cap = folder, split, cap
        self.C, self.H, self.W = shapes["planes"]
        self.G = shapes["globals"][0]
        self.files: list[Path] = []
        self.total = 0
        self._alloc()

    def _alloc(self) -> None:
        cap = self.cap
        self.planes = np.zeros((cap, self.C, self.H, self.W), dtype=np.uint8)
        self.globals = np.zeros((cap, self.G), dtype=np.float32)
        self.values = np.zeros((cap, VALUE_SEATS), dtype=np.float32)
        self.ply = np.zeros(cap, dtype=np.int32)
        self.player = np.zeros(cap, dtype=np.int8)
        self.game_index = np.zeros(cap, dtype=np.int32)
        self.model_index = np.zeros(cap, dtype=np.int16)
        self.config_index = np.zeros(cap, dtype=np.int16)
        self.keys = np.zeros(cap, dtype=np.uint64)
        self.pol_idx: list[int] = []
        self.pol_prob: list[float] = []
        self.pol_len: list[int] = []
        self.leg_idx: list[int] = []
        self.leg_len: list[int] = []
        self.games: dict[str, int] = {}
        self.models: dict[str, int] = {}
        self.configs: dict[str, int] = {}
        self.i = 0

    @staticmethod
    def _row(table: dict, key: str) -> int:
        r = table.get(key)
        if r is None:
            r = table[key] = len(table)
        return r

    def add_game(self, samples: list, seat_values: dict, game_id: str, models: tuple, config: str) -> None:
        g = c = None
        for planes, glob, pidx, pprob, legal, ply, player, key in samples:
            i = self.i
            if g is None or i == 0:  # first sample, or the tables were reset by a flush
                g = self._row(self.games, game_id)
                c = self._row(self.configs, config)
            np.multiply(planes, PLANE_SCALE, out=self.planes[i], casting="unsafe")
            self.globals[i] = glob
            self.values[i] = seat_values[player]
            self.ply[i] = ply
            self.player[i] = player
            self.game_index[i] = g
            self.model_index[i] = self._row(self.models, models[player - 1])
            self.config_index[i] = c
            self.keys[i] = key
            self.pol_idx += pidx
            self.pol_prob += pprob
            self.pol_len.append(len(pidx))
            self.leg_idx += legal
            self.leg_len.append(len(legal))
            self.i = i + 1
            if self.i >= self.cap:
                self.flush()

    def flush(self) -> None:
        n = self.i
        if n == 0:
            return
        poff = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.pol_len, out=poff[1:])
        loff = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.leg_len, out=loff[1:])
        game_ids = list(self.games)
        hashes = np.array([game_hash(g) for g in game_ids], dtype=np.int64)
        arrays = {
            "planes": self.planes[:n], "globals": self.globals[:n], "values": self.values[:n],
            "policy_offsets": poff, "policy_index": np.array(self.pol_idx, dtype=np.int32),
            "policy_prob": np.array(self.pol_prob, dtype=np.float32), "legal_offsets": loff,
            "legal_index": np.array(self.leg_idx, dtype=np.int32), "count": np.ones(n, dtype=np.int32),
            "ply": self.ply[:n], "player": self.player[:n], "game_index": self.game_index[:n],
            "game_hash": hashes[self.game_index[:n]], "model_index": self.model_index[:n],
            "config_index": self.config_index[:n], "game_ids": _bytes_table(game_ids),
            "models": _bytes_table(list(self.models)), "configs": _bytes_table(list(self.configs)),
            "keys": self.keys[:n],
        }
        path = self.folder / f"{self.split}-{len(self.files):05d}.zst"
        with open(path, "wb") as fh, zstandard.ZstdCompressor(level=1).stream_writer(fh) as w:
            for _name, a in arrays.items():
                np.lib.format.write_array(w, np.ascontiguousarray(a), allow_pickle=False)
        self.files.append(path)
        self.total += n
        self._alloc()


_SPILL_FIELDS = [k for k in FIELDS if k != "meta"] + ["keys"]


def _read_spill(path: Path, meta: dict) -> tuple[SampleBatch, np.ndarray]:
    with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as r:
        arrays = {name: np.lib.format.read_array(r, allow_pickle=False) for name in _SPILL_FIELDS}
    keys = arrays.pop("keys")
    return SampleBatch(meta=meta, **arrays), keys


class _ChunkWriter:
    """Appends batches to a split's output and writes ``{split}-{k:05d}.npz`` chunks of ``cap`` samples."""

    def __init__(self, out_dir: Path, split: str, meta: dict, cap: int, compress: bool, shuffle: bool, seed: int):
        self.out_dir, self.split, self.meta, self.cap = out_dir, split, meta, cap
        self.compress, self.shuffle, self.seed = compress, shuffle, seed
        self.pieces: list[SampleBatch] = []
        self.n = 0
        self.chunks: list[dict] = []
        self.total = 0

    def add(self, b: SampleBatch) -> None:
        start = 0
        while start < len(b):
            take = min(self.cap - self.n, len(b) - start)
            piece = b if (start == 0 and take == len(b)) else b.subset(np.arange(start, start + take))
            self.pieces.append(piece)
            self.n += take
            start += take
            if self.n >= self.cap:
                self.flush()

    def flush(self) -> None:
        if self.n == 0:
            return
        k = len(self.chunks)
        name = f"{self.split}-{k:05d}.npz"
        pieces, self.pieces = self.pieces, []
        b = SampleBatch.concat(pieces) if len(pieces) > 1 else pieces[0]
        del pieces
        if self.shuffle:
            seed = int.from_bytes(hashlib.sha256(f"{self.seed}/{self.split}/{k}".encode()).digest()[:8], "little")
            b = b.subset(np.random.Generator(np.random.PCG64(seed)).permutation(len(b)))
        b = replace(b, meta=dict(self.meta, split=self.split, chunk=name))
        data = npz_bytes(b.arrays(), compress=self.compress)
        atomic_write_bytes(self.out_dir / name, data)
        self.chunks.append({"name": name, "split": self.split, "samples": len(b), "games": len(np.unique(b.game_index)),
                            "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
        self.total += len(b)
        self.n = 0


# -- dedup ---------------------------------------------------------------------------------------------

def _dedup_plan(keys: array) -> tuple[np.ndarray, np.ndarray, int]:
    """Per sample: code (0 unique, 1 repeated and not the last, 2 the last of a repeated key), group id,
    and the number of samples merged away."""
    k = np.frombuffer(keys, dtype=np.uint64) if len(keys) else np.zeros(0, dtype=np.uint64)
    n = len(k)
    if n == 0:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), 0
    _, inv, counts = np.unique(k, return_inverse=True, return_counts=True)
    _, ridx = np.unique(k[::-1], return_index=True)
    code = (counts[inv] > 1).astype(np.uint8)
    last = n - 1 - ridx
    code[last[counts > 1]] = 2
    return code, inv.reshape(-1).astype(np.int64), int(n - len(counts))


class _Acc:
    __slots__ = ("policy", "values", "count", "game_id", "ply", "player", "model", "config")

    def __init__(self, game_id: str, ply: int, player: int, model: str, config: str):
        self.policy: dict[int, float] = {}
        self.values = np.zeros(VALUE_SEATS, dtype=np.float64)
        self.count = 0
        self.game_id, self.ply, self.player, self.model, self.config = game_id, ply, player, model, config


def _table_row(table: np.ndarray, value: str) -> tuple[np.ndarray, int]:
    v = value.encode()
    hit = np.flatnonzero(table == v)
    if len(hit):
        return table, int(hit[0])
    width = max(table.dtype.itemsize, len(v), 1)
    return np.concatenate([table.astype(f"S{width}"), np.array([v], dtype=f"S{width}")]), len(table)


def _merge(b: SampleBatch, code: np.ndarray, gid: np.ndarray, acc: dict) -> SampleBatch:
    """The samples of spill chunk ``b`` with repeated positions merged (see the module doc)."""
    if not code.any():
        return b
    patches = {}
    for r in np.flatnonzero(code).tolist():
        g = int(gid[r])
        a = acc.get(g)
        if a is None:
            a = acc[g] = _Acc(b.game_id(r), int(b.ply[r]), int(b.player[r]), b.model(r),
                              b.configs[b.config_index[r]].decode())
        pi, pp = b.policy_of(r)
        pol = a.policy
        for i, p in zip(pi.tolist(), pp.tolist()):
            pol[i] = pol.get(i, 0.0) + p
        a.values += b.values[r]
        a.count += int(b.count[r])
        if code[r] == 2:
            patches[r] = acc.pop(g)
    keep = np.flatnonzero(code != 1)
    out = b.subset(keep)
    if not patches:
        return out
    rows = np.searchsorted(keep, np.fromiter(patches, dtype=np.int64, count=len(patches)))
    accs = list(patches.values())
    values, count, ply, player = out.values.copy(), out.count.copy(), out.ply.copy(), out.player.copy()
    game_index, game_hash_, model_index, config_index = (out.game_index.copy(), out.game_hash.copy(),
                                                          out.model_index.copy(), out.config_index.copy())
    games, models, configs = out.game_ids, out.models, out.configs
    new_lists = []
    for j, a in zip(rows.tolist(), accs):
        inv = 1.0 / a.count
        idx = sorted(a.policy)
        new_lists.append((np.array(idx, dtype=np.int32), np.array([a.policy[i] * inv for i in idx], dtype=np.float32)))
        values[j] = a.values * inv
        count[j], ply[j], player[j] = a.count, a.ply, a.player
        games, gi = _table_row(games, a.game_id)
        game_index[j], game_hash_[j] = gi, game_hash(a.game_id)
        models, mi = _table_row(models, a.model)
        model_index[j] = mi
        configs, ci = _table_row(configs, a.config)
        config_index[j] = ci
    # rebuild the policy CSR with the patched rows' entries replaced
    lens = np.diff(out.policy_offsets)
    patched = np.zeros(len(out), dtype=bool)
    patched[rows] = True
    lens[rows] = [len(x[0]) for x in new_lists]
    off = np.zeros(len(out) + 1, dtype=np.int64)
    np.cumsum(lens, out=off[1:])
    pidx = np.empty(int(off[-1]), dtype=np.int32)
    pprob = np.empty(int(off[-1]), dtype=np.float32)
    old_rows = out.policy_rows()
    keep_e = ~patched[old_rows]
    dst = off[old_rows] + (np.arange(len(old_rows)) - out.policy_offsets[old_rows])
    pidx[dst[keep_e]] = out.policy_index[keep_e]
    pprob[dst[keep_e]] = out.policy_prob[keep_e]
    for j, (ix, pr) in zip(rows.tolist(), new_lists):
        pidx[off[j]:off[j + 1]] = ix
        pprob[off[j]:off[j + 1]] = pr
    return replace(out, values=values, count=count, ply=ply, player=player, game_index=game_index,
                   game_hash=game_hash_, model_index=model_index, config_index=config_index, game_ids=games,
                   models=models, configs=configs, policy_offsets=off, policy_index=pidx, policy_prob=pprob)


# -- the export ----------------------------------------------------------------------------------------

def _options_json(**kw) -> dict:
    return {k: (asdict(v) if hasattr(v, "__dataclass_fields__") else v) for k, v in kw.items()}


def _seat_values(absval: tuple, n: int) -> dict[int, list[float]]:
    out = {}
    for p in range(1, n + 1):
        v = [0.0] * VALUE_SEATS
        for k in range(n):
            v[k] = absval[(p - 1 + k) % n]
        out[p] = v
    return out


CHUNK_BYTES = 16 << 20  # default chunk size: about this many bytes of uint8 planes


def default_chunk_samples(board: str, num_players: int = 2) -> int:
    """Samples per chunk holding about ``CHUNK_BYTES`` of planes: 8192 on square8, 6912 on hex8,
    1536 on square19, 768 on hexagonal (multiples of 256, at least 512, at most 8192)."""
    c, h, w = config_shapes(board, num_players)["planes"]
    return max(512, min(8192, (CHUNK_BYTES // (c * h * w)) // 256 * 256))


def export_replay_dataset(shard_paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike, *, board: str,
                          num_players: int, val_fraction: float = 0.05, chunk_samples: int | None = None,
                          dedup: bool = True, include_capped: bool = False, compress: bool = True,
                          shuffle: bool = True, seed: int = 0,
                          gates: GateConfig | None = GateConfig(),  # noqa: B008 - frozen, shared safely
                          enforce_gates: bool = True, new_games: int | None = None,
                          exclude_games: Collection[str] = (), max_reuse: float | None = None,
                          overwrite: bool = False, progress: Callable[[dict], None] | None = None) -> ExportReport:
    """Export the samples of ``shard_paths`` (a window, oldest first) to ``out_dir``; see the module doc.

    val_fraction: share of games in the validation split. chunk_samples: samples per output chunk
    (also the spill chunk size; bounds memory; None = ``default_chunk_samples(board)``). dedup:
    merge identical positions. include_capped: export move-capped games too (value target 0).
    compress: deflate the NPZ entries (level 1). shuffle / seed: permute the samples within each
    chunk, deterministically. gates: thresholds
    (None = no gates). enforce_gates: a failed gate stops the export before anything is written
    (``report.ok`` False; ``report.gates`` says why). new_games: how many of the window's games are
    new (``min_games`` gate; None = all). exclude_games: quarantined game ids. max_reuse: if given,
    ``report.train_budget`` = train samples x max_reuse (``window.training_budget``). overwrite:
    replace a different export found in ``out_dir`` (else ``ExportError``). progress: called after
    every game read, with ``{"shard", "shards", "games", "positions"}`` (for a progress display).
    """
    t_wall = time.perf_counter()
    t_cpu = time.process_time()
    paths = [Path(p) for p in shard_paths]
    if not 0.0 <= val_fraction < 1.0:
        raise ExportError(f"val_fraction must be in [0, 1), got {val_fraction}")
    try:
        shapes = config_shapes(board, num_players)
    except ValueError as e:
        raise ExportError(str(e)) from None
    if chunk_samples is None:
        chunk_samples = default_chunk_samples(board, num_players)
    if chunk_samples < 1:
        raise ExportError(f"chunk_samples must be >= 1, got {chunk_samples}")
    for p in paths:
        if not p.is_file():
            raise ExportError(f"shard {p} does not exist")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    sources = [{"path": str(p), "sha256": sha256_file(p), "bytes": p.stat().st_size} for p in paths]
    excluded = frozenset(exclude_games)
    options = _options_json(val_fraction=val_fraction, chunk_samples=chunk_samples, dedup=dedup,
                            include_capped=include_capped, compress=compress, shuffle=shuffle, seed=seed,
                            gates=gates, enforce_gates=enforce_gates, new_games=new_games,
                            exclude_games=hashlib.sha256("\n".join(sorted(excluded)).encode()).hexdigest(),
                            max_reuse=max_reuse)
    # the fingerprint covers what decides the chunks' contents (not the gates, new_games, max_reuse)
    content = {k: options[k] for k in ("val_fraction", "chunk_samples", "dedup", "include_capped", "compress",
                                       "shuffle", "seed", "exclude_games")}
    fp_blob = json.dumps({"format": NPZ_FORMAT, "format_version": NPZ_FORMAT_VERSION, "encoder": ENCODER_VERSION,
                          "board": board, "num_players": num_players, "options": content,
                          "sources": [s["sha256"] for s in sources]}, sort_keys=True)
    fingerprint = hashlib.sha256(fp_blob.encode()).hexdigest()

    manifest_path = out / MANIFEST
    if manifest_path.exists():
        try:
            old = load_manifest(out)
        except (OSError, ValueError):
            old = None
        if old is not None and old.get("fingerprint") == fingerprint:
            rep = _report_from_manifest(old, out)
            if max_reuse is not None:
                rep.train_budget = training_budget(rep.samples["train"], max_reuse)
            return rep
        if not overwrite:
            raise ExportError(f"{out} holds another export (fingerprint {old and old.get('fingerprint')}); "
                              f"use another folder or overwrite=True")
        manifest_path.unlink()

    report = ExportReport(ok=False, out_dir=str(out), fingerprint=fingerprint)
    spill_dir = out / f".spill-{fingerprint[:16]}"
    for p in out.glob(".spill-*"):
        shutil.rmtree(p, ignore_errors=True)
    spill_dir.mkdir()
    try:
        return _export(sources, out, spill_dir, report, board, num_players, shapes, val_fraction, chunk_samples,
                       dedup, include_capped, compress, shuffle, seed, gates, enforce_gates, new_games, excluded,
                       max_reuse, options, t_wall, t_cpu, progress)
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)


def _export(sources, out, spill_dir, report, board, num_players, shapes, val_fraction, chunk_samples, dedup,
            include_capped, compress, shuffle, seed, gates, enforce_gates, new_games, excluded, max_reuse, options,
            t_wall, t_cpu, progress=None) -> ExportReport:
    # -- pass 1: scan, encode, spill ------------------------------------------------------------------
    stats = WindowStats(new_games=new_games)
    counts = dict.fromkeys(("lines", "malformed", "records", "other_config", "excluded", "duplicate_games",
                            "parity_failed", "capped_skipped", "games_exported", "positions", "no_policy"), 0)
    spills = {s: _SpillWriter(spill_dir, s, shapes, chunk_samples) for s in SPLITS}
    keys = {s: array("Q") for s in SPLITS}
    seen: set[int] = set()
    config_mix: dict[str, int] = {}
    samples: list = []

    def hook(s, d, legal):
        if d.policy_index is None:
            return
        lidx = legal_indices(s)
        pidx = [lidx[i] for i in d.policy_index]
        probs = d.policy
        total = sum(probs)
        order = sorted(range(len(pidx)), key=pidx.__getitem__)
        planes, glob = encode_state(s)
        samples.append((planes, glob, [pidx[j] for j in order], [probs[j] / total for j in order], sorted(lidx),
                        d.ply, d.player, (s.zobrist ^ mix) if dedup else 0))

    for shard_no, src in enumerate(sources, 1):
        for line_no, rec in read_shard(src["path"]):
            counts["lines"] += 1
            if isinstance(rec, RecordError):
                counts["malformed"] += 1
                stats.malformed += 1
                if len(report.malformed) < _MAX_LISTED:
                    report.malformed.append(str(rec))
                continue
            counts["records"] += 1
            if rec.config.board != board or rec.config.num_players != num_players:
                counts["other_config"] += 1
                continue
            if rec.game_id in excluded:
                counts["excluded"] += 1
                continue
            gh = game_hash(rec.game_id)
            if gh in seen:
                counts["duplicate_games"] += 1
                continue
            seen.add(gh)
            stats.games += 1
            stats.encoder_versions[rec.encoder_version] += 1
            ckey = rec.config.key()
            mix = config_mix.get(ckey)
            if mix is None:
                mix = config_mix[ckey] = splitmix64(int.from_bytes(hashlib.sha256(ckey.encode()).digest()[:8],
                                                                   "little"))
            o = rec.outcome
            skip_samples = o.capped and not include_capped
            samples.clear()
            res = check_parity(rec, None if skip_samples else hook)
            if not res.ok:
                stats.parity_failed += 1
                counts["parity_failed"] += 1
                if len(report.quarantined) < _MAX_LISTED:
                    report.quarantined.append({"source": src["path"], "line": line_no, "game_id": rec.game_id,
                                               "reason": res.reason, "ply": res.first_bad_ply})
                continue
            stats.add_game(len(rec.moves), o.winner, o.victory_reason, o.capped)
            if skip_samples:
                counts["capped_skipped"] += 1
                continue
            counts["games_exported"] += 1
            counts["positions"] += len(samples)
            if progress is not None:
                progress({"shard": shard_no, "shards": len(sources), "games": counts["games_exported"],
                          "positions": counts["positions"]})
            counts["no_policy"] += len(rec.decisions) - len(samples)
            split = split_of(rec.game_id, val_fraction)
            if dedup:
                keys[split].extend(smp[-1] for smp in samples)
            spills[split].add_game(samples, _seat_values(outcome_values(o, num_players), num_players), rec.game_id,
                                   rec.player_models(), ckey)
    samples.clear()
    for w in spills.values():
        w.flush()
    report.counts = counts
    report.gates = evaluate_gates(stats, gates) if gates is not None else None
    report.window = stats.to_json()
    t_scan = time.process_time() - t_cpu
    if report.gates is not None and not report.gates.ok and enforce_gates:
        log.warning("export to %s stopped by the gates: %s", out, report.gates.summary())
        report.seconds = {"scan_cpu": round(t_scan, 3), "write_cpu": 0.0,
                          "wall": round(time.perf_counter() - t_wall, 3)}
        return report

    # -- pass 2: merge duplicates, write chunks -------------------------------------------------------
    t2 = time.process_time()
    meta = {"format": NPZ_FORMAT, "format_version": NPZ_FORMAT_VERSION, "encoder_version": ENCODER_VERSION,
            "board": board, "num_players": num_players}
    counts["merged"] = 0
    for split in SPLITS:
        code, gid, merged = _dedup_plan(keys[split]) if dedup else (None, None, 0)
        keys[split] = array("Q")
        counts["merged"] += merged
        writer = _ChunkWriter(out, split, meta, chunk_samples, compress, shuffle, seed)
        acc: dict[int, _Acc] = {}
        pos = 0
        for path in spills[split].files:
            b, _ = _read_spill(path, meta)
            n = len(b)
            if code is not None:
                b = _merge(b, code[pos:pos + n], gid[pos:pos + n], acc)
            pos += n
            writer.add(b)
            path.unlink()
        if acc:
            raise ExportError(f"internal: {len(acc)} dedup groups of {split} left open")
        writer.flush()
        report.chunks[split] = writer.chunks
        report.samples[split] = writer.total
    t_write = time.process_time() - t2

    # -- manifest -------------------------------------------------------------------------------------
    if max_reuse is not None:
        report.train_budget = training_budget(report.samples["train"], max_reuse)
    report.ok = True
    report.seconds = {"scan_cpu": round(t_scan, 3), "write_cpu": round(t_write, 3),
                      "wall": round(time.perf_counter() - t_wall, 3)}
    manifest = {
        "format": NPZ_FORMAT, "format_version": NPZ_FORMAT_VERSION, "encoder_version": ENCODER_VERSION,
        "fingerprint": report.fingerprint, "board": board, "num_players": num_players,
        "shapes": {"planes": list(shapes["planes"]), "globals": list(shapes["globals"]),
                   "policy": list(shapes["policy"]), "policy_size": shapes["policy_size"]},
        "plane_scale": PLANE_SCALE, "value_seats": VALUE_SEATS, "options": options, "sources": sources,
        "splits": {s: {"samples": report.samples[s], "chunks": report.chunks[s]} for s in SPLITS},
        "counts": counts, "window": report.window,
        "gates": None if report.gates is None else report.gates.to_json(),
        "quarantined": report.quarantined, "malformed": report.malformed, "train_budget": report.train_budget,
    }
    atomic_write_bytes(out / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
    report.manifest = str(out / MANIFEST)
    _cleanup(out, {c["name"] for s in SPLITS for c in report.chunks[s]})
    log.info("exported %s samples (%s train, %s val) to %s", report.total_samples, report.samples["train"],
             report.samples["val"], out)
    return report


def _cleanup(out: Path, keep: set[str]) -> None:
    for p in out.iterdir():
        if (_CHUNK_RE.match(p.name) and p.name not in keep) or p.name.startswith(".tmp-"):
            try:
                p.unlink()
            except OSError:
                pass


def _report_from_manifest(m: dict, out: Path) -> ExportReport:
    g = m.get("gates")
    gates = None if g is None else GateReport(g["ok"], tuple(GateResult(**x) for x in g["gates"]))
    return ExportReport(ok=True, out_dir=str(out), fingerprint=m["fingerprint"], manifest=str(out / MANIFEST),
                        reused=True, gates=gates, samples={s: m["splits"][s]["samples"] for s in SPLITS},
                        chunks={s: m["splits"][s]["chunks"] for s in SPLITS}, counts=m.get("counts", {}),
                        window=m.get("window", {}), quarantined=m.get("quarantined", []),
                        malformed=m.get("malformed", []), train_budget=m.get("train_budget"))
