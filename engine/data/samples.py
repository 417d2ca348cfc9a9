"""NPZ chunks of training samples: the layout, a deterministic writer, and the loader.

    batch = load_npz_chunk("exports/run7/train-00000.npz")   # np.load(..., allow_pickle=False)
    x = batch.float_planes()          # float32 [N, C, H, W]
    mask = batch.legal_mask_dense()   # bool [N, A*H*W]

Every array is a plain numeric or fixed-width bytes (``S``) array; nothing needs pickle. Sparse
per-sample lists (policy targets, legal moves) are CSR-style: ``X_offsets`` int64 ``[N + 1]`` and the
flat ``X_index`` / ``X_prob`` arrays, sample ``i`` owning entries ``offsets[i]:offsets[i + 1]``. The
full field table is in docs/DATA.md (and ``FIELDS`` below).

Planes are stored as ``uint8`` *eighths*: every input plane value of ``engine.nn.encode_state`` is
``k / 8`` with ``k`` in 0..8 (0/1 indicator planes, heights / 8 clipped to 1), so ``planes_u8 = 8 *
planes`` is exact and ``float_planes()`` returns exactly the encoder's float32 planes.

The writer (``write_npz``) fixes every zip entry's timestamp and permissions so that the same
arrays always give the same bytes (exports are reproducible and resumable), and writes through a
temporary file and ``os.replace``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_bytes
from engine.nn.encoding import check_encoder_version, config_shapes

NPZ_FORMAT = "ringrift-npz"
NPZ_FORMAT_VERSION = 1
PLANE_SCALE = 8  # planes are stored as uint8 multiples of 1/8
VALUE_SEATS = 4

# name -> (dtype, shape description) of every array of a chunk, in write order.
FIELDS: dict[str, tuple[str, str]] = {
    "planes": ("uint8", "[N, C, H, W] input planes x 8 (exact)"),
    "globals": ("float32", "[N, G] global features"),
    "values": ("float32", "[N, 4] value target per seat (seat 0 = player to act), padding seats 0"),
    "policy_offsets": ("int64", "[N + 1] CSR offsets into policy_index / policy_prob"),
    "policy_index": ("int32", "[P] flat spatial policy index (channel * H * W + row * W + col)"),
    "policy_prob": ("float32", "[P] target probability (sums to 1 per sample)"),
    "legal_offsets": ("int64", "[N + 1] CSR offsets into legal_index"),
    "legal_index": ("int32", "[L] flat policy index of every legal move, ascending per sample"),
    "count": ("int32", "[N] positions merged into the sample by deduplication (1 = unique)"),
    "ply": ("int32", "[N] ply (move index, bookkeeping included) of the position in its game"),
    "player": ("int8", "[N] the player to act (1..4)"),
    "game_index": ("int32", "[N] row of game_ids"),
    "game_hash": ("int64", "[N] first 8 bytes of sha256(game id), signed"),
    "model_index": ("int16", "[N] row of models: what generated the decision"),
    "config_index": ("int16", "[N] row of configs: the game's rules setup"),
    "game_ids": ("S", "[games] game id (ASCII)"),
    "models": ("S", "[models] model identity (records.model_identity)"),
    "configs": ("S", "[configs] RecordConfig canonical JSON"),
    "meta": ("S", "0-d: JSON {format, format_version, encoder_version, board, num_players, split, chunk}"),
}


def game_hash(game_id: str) -> int:
    """The signed int64 of the first 8 bytes of sha256(game id)."""
    return int.from_bytes(hashlib.sha256(game_id.encode()).digest()[:8], "little", signed=True)


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- writing -----------------------------------------------------------------------------------------

def npz_bytes(arrays: dict[str, np.ndarray], compress: bool = True, level: int = 1) -> bytes:
    """The bytes of an ``.npz`` holding ``arrays`` (deterministic: fixed timestamps and attributes)."""
    buf = io.BytesIO()
    ctype = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", compression=ctype, allowZip64=True) as zf:
        for name, arr in arrays.items():
            a = np.asanyarray(arr)
            if a.dtype.hasobject:
                raise TypeError(f"array {name!r} has dtype object; NPZ chunks hold plain arrays only")
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = ctype
            info._compresslevel = level if compress else None  # (Python >= 3.13 also reads this alias)
            # streamed into the entry: no serialized copy of the array in memory
            with zf.open(info, "w", force_zip64=True) as f:
                np.lib.format.write_array(f, a, allow_pickle=False)
    return buf.getvalue()


def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray], compress: bool = True,
              level: int = 1) -> str:
    """Atomically write a deterministic ``.npz``; returns the sha256 of its bytes."""
    data = npz_bytes(arrays, compress, level)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


# -- the batch ---------------------------------------------------------------------------------------

def _csr_take(offsets: np.ndarray, idx: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rows ``idx`` of a CSR structure: new offsets and the gathered value arrays."""
    starts = offsets[idx]
    lens = offsets[idx + 1] - starts
    new_off = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(lens, out=new_off[1:])
    total = int(new_off[-1])
    # position of each output entry in the source: start of its row + rank within the row
    row_of = np.repeat(np.arange(len(idx)), lens)
    src = starts[row_of] + (np.arange(total) - new_off[:-1][row_of])
    return (new_off, *(v[src] for v in values))


@dataclass(frozen=True, eq=False)
class SampleBatch:
    """One chunk (or a subset / concatenation of chunks) of samples; fields as in ``FIELDS``."""

    planes: np.ndarray
    globals: np.ndarray
    values: np.ndarray
    policy_offsets: np.ndarray
    policy_index: np.ndarray
    policy_prob: np.ndarray
    legal_offsets: np.ndarray
    legal_index: np.ndarray
    count: np.ndarray
    ply: np.ndarray
    player: np.ndarray
    game_index: np.ndarray
    game_hash: np.ndarray
    model_index: np.ndarray
    config_index: np.ndarray
    game_ids: np.ndarray
    models: np.ndarray
    configs: np.ndarray
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.planes.shape[0])

    @property
    def board(self) -> str:
        return self.meta["board"]

    @property
    def num_players(self) -> int:
        return int(self.meta["num_players"])

    @property
    def policy_size(self) -> int:
        return int(config_shapes(self.board, self.num_players)["policy_size"])

    def float_planes(self) -> np.ndarray:
        """float32 ``[N, C, H, W]``: exactly the encoder's planes."""
        return self.planes.astype(np.float32) * np.float32(1.0 / PLANE_SCALE)

    def game_id(self, i: int) -> str:
        return self.game_ids[self.game_index[i]].decode()

    def model(self, i: int) -> str:
        return self.models[self.model_index[i]].decode()

    def policy_of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = self.policy_offsets[i], self.policy_offsets[i + 1]
        return self.policy_index[a:b], self.policy_prob[a:b]

    def legal_of(self, i: int) -> np.ndarray:
        return self.legal_index[self.legal_offsets[i]:self.legal_offsets[i + 1]]

    def policy_rows(self) -> np.ndarray:
        """Sample row of every policy entry (``[P]``)."""
        return np.repeat(np.arange(len(self)), np.diff(self.policy_offsets))

    def legal_rows(self) -> np.ndarray:
        return np.repeat(np.arange(len(self)), np.diff(self.legal_offsets))

    def policy_dense(self, size: int | None = None) -> np.ndarray:
        """float32 ``[N, A*H*W]`` policy targets."""
        out = np.zeros((len(self), size or self.policy_size), dtype=np.float32)
        out[self.policy_rows(), self.policy_index] = self.policy_prob
        return out

    def legal_mask_dense(self, size: int | None = None) -> np.ndarray:
        """bool ``[N, A*H*W]``: True on every legal move."""
        out = np.zeros((len(self), size or self.policy_size), dtype=bool)
        out[self.legal_rows(), self.legal_index] = True
        return out

    def subset(self, idx: Sequence[int] | np.ndarray) -> SampleBatch:
        """The samples ``idx`` (in that order); tables are kept as they are."""
        idx = np.asarray(idx, dtype=np.int64)
        poff, pidx, pprob = _csr_take(self.policy_offsets, idx, self.policy_index, self.policy_prob)
        loff, lidx = _csr_take(self.legal_offsets, idx, self.legal_index)
        return replace(self, planes=self.planes[idx], globals=self.globals[idx], values=self.values[idx],
                       policy_offsets=poff, policy_index=pidx, policy_prob=pprob, legal_offsets=loff,
                       legal_index=lidx, count=self.count[idx], ply=self.ply[idx], player=self.player[idx],
                       game_index=self.game_index[idx], game_hash=self.game_hash[idx],
                       model_index=self.model_index[idx], config_index=self.config_index[idx])

    def arrays(self) -> dict[str, np.ndarray]:
        """Every field as an array (``meta`` as a 0-d bytes array), in ``FIELDS`` order."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "meta"}
        out["meta"] = np.array(json.dumps(self.meta, sort_keys=True).encode())
        return out

    @classmethod
    def concat(cls, batches: Sequence[SampleBatch]) -> SampleBatch:
        """One batch of all samples; the tables are merged (indices remapped)."""
        if not batches:
            raise ValueError("nothing to concatenate")
        first = batches[0]
        for b in batches[1:]:
            if (b.board, b.num_players, b.meta.get("encoder_version")) != \
                    (first.board, first.num_players, first.meta.get("encoder_version")):
                raise ValueError("cannot concatenate batches of different configs or encoder versions")

        def merge(table: str, index: str) -> tuple[np.ndarray, np.ndarray]:
            rows: dict[bytes, int] = {}
            parts = []
            for b in batches:
                tab = getattr(b, table)
                remap = np.array([rows.setdefault(bytes(t), len(rows)) for t in tab], dtype=np.int64)
                parts.append(remap[getattr(b, index)] if len(tab) else getattr(b, index))
            names = list(rows)
            width = max([len(x) for x in names] + [1])
            dtype = getattr(first, index).dtype
            return np.array(names, dtype=f"S{width}"), np.concatenate(parts).astype(dtype)

        def csr(off: str, *vals: str):
            offs = [getattr(b, off) for b in batches]
            base = np.cumsum([0] + [int(o[-1]) for o in offs[:-1]])
            new = np.concatenate([offs[0][:1]] + [o[1:] + s for o, s in zip(offs, base)])
            return (new, *(np.concatenate([getattr(b, v) for b in batches]) for v in vals))

        games, gidx = merge("game_ids", "game_index")
        models, midx = merge("models", "model_index")
        configs, cidx = merge("configs", "config_index")
        poff, pidx, pprob = csr("policy_offsets", "policy_index", "policy_prob")
        loff, lidx = csr("legal_offsets", "legal_index")
        cat = lambda name: np.concatenate([getattr(b, name) for b in batches])  # noqa: E731
        meta = dict(first.meta)
        meta.pop("chunk", None)
        return cls(planes=cat("planes"), globals=cat("globals"), values=cat("values"), policy_offsets=poff,
                   policy_index=pidx, policy_prob=pprob, legal_offsets=loff, legal_index=lidx, count=cat("count"),
                   ply=cat("ply"), player=cat("player"), game_index=gidx, game_hash=cat("game_hash"),
                   model_index=midx, config_index=cidx, game_ids=games, models=models, configs=configs, meta=meta)


# -- loading -----------------------------------------------------------------------------------------

def load_npz_chunk(path: str | os.PathLike, *, check_version: bool = True) -> SampleBatch:
    """Load one chunk (``allow_pickle=False``); the encoder version is checked unless told not to."""
    with np.load(path, allow_pickle=False) as z:
        missing = [k for k in FIELDS if k not in z.files]
        if missing:
            raise ValueError(f"{path}: not a {NPZ_FORMAT} chunk: missing arrays {missing}")
        data = {k: z[k] for k in FIELDS}
    meta = json.loads(data.pop("meta").item().decode())
    if meta.get("format") != NPZ_FORMAT or meta.get("format_version") != NPZ_FORMAT_VERSION:
        raise ValueError(f"{path}: format {meta.get('format')!r} v{meta.get('format_version')}, expected "
                         f"{NPZ_FORMAT!r} v{NPZ_FORMAT_VERSION}")
    if check_version:
        check_encoder_version(meta.get("encoder_version", "?"))
    return SampleBatch(meta=meta, **data)


MANIFEST = "manifest.json"


def load_manifest(out_dir: str | os.PathLike) -> dict:
    """The manifest of a finished export (``FileNotFoundError`` when the export is not complete)."""
    return json.loads((Path(out_dir) / MANIFEST).read_text())


def chunk_paths(out_dir: str | os.PathLike, split: str = "train") -> list[Path]:
    """Paths of a split's chunks, in manifest order."""
    m = load_manifest(out_dir)
    return [_chunk_path(out_dir, c["name"]) for c in m["splits"][split]["chunks"]]


def _chunk_path(out_dir: str | os.PathLike, name: str) -> Path:
    """A chunk named by a manifest: the name must be a safe name inside the export folder."""
    from engine.names import safe_join

    return safe_join(Path(out_dir), name, kind="chunk name")


def iter_chunks(out_dir: str | os.PathLike, split: str = "train", *, verify: bool = False) -> Iterator[SampleBatch]:
    """Load a split's chunks one by one (``verify``: check each file's sha256 against the manifest)."""
    m = load_manifest(out_dir)
    check_encoder_version(m["encoder_version"])
    for c in m["splits"][split]["chunks"]:
        p = _chunk_path(out_dir, c["name"])
        if verify and sha256_file(p) != c["sha256"]:
            raise ValueError(f"{p}: sha256 differs from the manifest")
        yield load_npz_chunk(p)


def verify_export(out_dir: str | os.PathLike) -> list[str]:
    """Problems found checking every chunk of the manifest (missing file, sha256, sample count)."""
    m = load_manifest(out_dir)
    problems = []
    for _split, info in m["splits"].items():
        for c in info["chunks"]:
            p = _chunk_path(out_dir, c["name"])
            if not p.is_file():
                problems.append(f"{c['name']}: missing")
                continue
            if sha256_file(p) != c["sha256"]:
                problems.append(f"{c['name']}: sha256 differs from the manifest")
                continue
            with np.load(p, allow_pickle=False) as z:
                n = z["planes"].shape[0]
            if n != c["samples"]:
                problems.append(f"{c['name']}: {n} samples, the manifest says {c['samples']}")
    return problems
