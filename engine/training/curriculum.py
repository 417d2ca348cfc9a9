"""Curriculum training: stages declared by the caller (a mapping or JSON), run in order, each
resumable on its own. It is a library for experiments: the loop's train stage trains plainly and
the config file has no curriculum section (one that nothing read was removed).

    cfg = CurriculumConfig.from_json({"stages": [
        {"name": "bootstrap", "sources": ["heuristic"], "epochs": 2},
        {"name": "search", "sources": ["heuristic", "gen-*"], "lr_scale": 0.5, "generation_decay": 0.7},
    ]})
    sources = [DataSource.from_export("heuristic", "exports/h0", generation=0),
               DataSource.from_export("gen-3", "exports/g3", generation=3)]
    result = CurriculumTrainer(cfg, load_config().training).run(sources, "runs/cur1", arch=arch)
    result.final.checkpoint, [s.result.best_val for s in result.stages]

**Data.** A ``DataSource`` is a named set of NPZ chunks (train and val split; an export folder or
explicit paths) with a *generation* tag (0 = bootstrap data, e.g. heuristic games; ``g`` = games
of self-play generation ``g``). A stage selects sources by name with ``fnmatch`` patterns
(``sources: ["gen-*"]``; empty = every source) and trains on the union of their chunks, validating
on the union of their val chunks.

**Stage settings.** ``epochs`` / ``max_steps`` (0 = the base ``TrainingConfig``'s), ``lr_scale``
(times the base peak learning rate; every stage has its own warmup and cosine decay),
``overrides`` (any other ``TrainingConfig`` field, e.g. ``batch_size``), and sample weighting by
generation: with ``generation_decay < 1`` a sample of generation ``g`` weighs
``max(min_weight, generation_decay ** (latest - g))``, ``latest`` the newest generation among the
stage's sources (``GenerationWeights``, passed to the trainer as ``TrainingRun.weight_fn``; the
loss is the weighted mean per batch). A sample's generation is that of the source whose chunks
hold its game (looked up by ``game_hash``); ``GenerationWeights`` can also map model identities
(``SampleBatch.models``) to generations.

**Initialisation.** ``init: previous`` (default): from the previous stage's final checkpoint
(``TrainingRun.init``: the stage's model lists it as its parent); the first stage starts from the
``init`` checkpoint given to ``run`` or, without one, from scratch with ``arch``. ``init: base``:
from ``run``'s ``init`` (or scratch) again; ``init: scratch``: fresh weights.

**Networks are per config** (board x players). A stage whose data is for another config than
the network it starts from needs ``allow_transfer: true``; it then starts from a *weight
transfer* (``transfer_weights``): a network of the same tower dimensions for the new config gets
every tensor whose name and shape match, and fresh (seeded) weights for the rest. All configs share
the input planes (29) and globals (35) and the tower is convolutional, so from one board to another
only the final policy convolution (``policy_out``: one output channel per move type, 239 on
square8, 415 on square19, 196 on hex8, 388 on hexagonal) is re-initialised; between player counts
of one board every tensor transfers. The transferred network is written to
``<stage>/transfer/init`` (its lineage names the source model and what was re-initialised).
Without ``allow_transfer`` such a curriculum is refused before anything is trained.

**Resuming.** Stage ``i`` runs in ``<root>/<ii>-<name>/`` as an ordinary trainer run (checkpoints,
``metrics.jsonl``), so a killed curriculum rerun with the same arguments skips every finished
stage (its final checkpoint says why it stopped and ``metrics.jsonl`` has its ``end`` line; the
``TrainResult`` is read back, nothing is retrained or rewritten) and resumes the interrupted one
from its last checkpoint, exactly as ``train`` resumes. Each stage directory holds
``curriculum-stage.json``: the stage, its data, its training config and its initial model; a rerun
with a different stage definition, data or starting model is an error (use a new root). The
summary of a finished curriculum is written to ``<root>/curriculum.json``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.atomic import atomic_write_json
from engine.config import TrainingConfig
from engine.data.samples import SampleBatch, chunk_paths
from engine.nn.checkpoint import Checkpoint, Lineage, load_checkpoint, save_checkpoint
from engine.nn.network import NetworkArch, RingRiftNet, build_network

from .state import latest_checkpoint
from .trainer import TrainingRun, TrainResult, train

log = logging.getLogger("ringrift.training.curriculum")

INITS = ("previous", "base", "scratch")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
STAGE_FILE = "curriculum-stage.json"
SUMMARY_FILE = "curriculum.json"
_TRAINING_FIELDS = frozenset(f.name for f in dataclasses.fields(TrainingConfig))


class CurriculumError(ValueError):
    """A curriculum cannot run as declared (bad stage, no data, config change without transfer,
    a stage directory holding another stage)."""


# -- configuration ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurriculumStage:
    name: str
    sources: tuple[str, ...] = ()  # fnmatch patterns over source names; () = every source
    epochs: int = 0  # 0 = the base TrainingConfig's
    max_steps: int = 0  # 0 = the base TrainingConfig's
    lr_scale: float = 1.0  # times the base peak learning rate
    generation_decay: float = 1.0  # sample weight decay ** (latest - generation); 1 = uniform
    min_weight: float = 0.0  # floor of the generation weight
    init: str = "previous"  # previous | base | scratch
    overrides: Mapping[str, Any] = field(default_factory=dict)  # other TrainingConfig fields

    def __post_init__(self) -> None:
        where = f"curriculum stage {self.name!r}"
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise CurriculumError(f"{where}: a stage name is letters, digits, '_', '-', '.' (it names a directory)")
        if isinstance(self.sources, str):
            object.__setattr__(self, "sources", (self.sources,))
        object.__setattr__(self, "sources", tuple(self.sources))
        if not all(isinstance(s, str) and s for s in self.sources):
            raise CurriculumError(f"{where}: sources must be non-empty name patterns, got {self.sources!r}")
        if self.epochs < 0 or self.max_steps < 0:
            raise CurriculumError(f"{where}: epochs and max_steps must be >= 0")
        if not self.lr_scale > 0:
            raise CurriculumError(f"{where}: lr_scale must be > 0, got {self.lr_scale}")
        if not 0 < self.generation_decay <= 1:
            raise CurriculumError(f"{where}: generation_decay must be in (0, 1], got {self.generation_decay}")
        if not 0 <= self.min_weight <= 1:
            raise CurriculumError(f"{where}: min_weight must be in [0, 1], got {self.min_weight}")
        if self.init not in INITS:
            raise CurriculumError(f"{where}: init must be one of {', '.join(INITS)}, got {self.init!r}")
        ov = dict(self.overrides)
        unknown = sorted(set(ov) - _TRAINING_FIELDS)
        if unknown:
            raise CurriculumError(f"{where}: unknown training overrides {unknown} (TrainingConfig fields: "
                                  f"{', '.join(sorted(_TRAINING_FIELDS))})")
        object.__setattr__(self, "overrides", ov)

    @property
    def weighted(self) -> bool:
        return self.generation_decay < 1

    def training_config(self, base: TrainingConfig) -> TrainingConfig:
        """The base config with this stage's overrides, epochs, max_steps and learning-rate scale."""
        try:
            cfg = dataclasses.replace(base, **self.overrides)
        except TypeError as e:
            raise CurriculumError(f"curriculum stage {self.name!r}: {e}") from None
        if self.epochs:
            cfg = dataclasses.replace(cfg, epochs=self.epochs)
        if self.max_steps:
            cfg = dataclasses.replace(cfg, max_steps=self.max_steps)
        return dataclasses.replace(cfg, lr=cfg.lr * self.lr_scale)

    def to_json(self) -> dict:
        d = asdict(self)
        d["sources"] = list(self.sources)
        d["overrides"] = dict(self.overrides)
        return d

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CurriculumStage:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise CurriculumError(f"unknown curriculum stage keys {unknown} (known: {sorted(known)})")
        return cls(**dict(d))

    @classmethod
    def coerce(cls, obj: Any) -> CurriculumStage:
        """From a ``CurriculumStage`` or a mapping."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise CurriculumError(f"a curriculum stage must be a mapping, got {obj!r}")
        return cls.from_json(obj)


@dataclass(frozen=True)
class CurriculumConfig:
    stages: tuple[CurriculumStage, ...] = ()
    allow_transfer: bool = False  # a stage may change the config (board / players) by weight transfer

    def __post_init__(self) -> None:
        stages = tuple(CurriculumStage.coerce(s) for s in self.stages)
        object.__setattr__(self, "stages", stages)
        names = [s.name for s in stages]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise CurriculumError(f"curriculum stage names must be unique: {dup}")

    def to_json(self) -> dict:
        return {"stages": [s.to_json() for s in self.stages], "allow_transfer": self.allow_transfer}

    @classmethod
    def from_json(cls, d: Mapping[str, Any] | str) -> CurriculumConfig:
        if isinstance(d, str):
            d = json.loads(d)
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise CurriculumError(f"unknown curriculum keys {unknown} (known: {sorted(known)})")
        allow = d.get("allow_transfer", False)
        if not isinstance(allow, bool):
            raise CurriculumError(f"allow_transfer must be true or false, got {allow!r}")
        return cls(stages=tuple(CurriculumStage.coerce(s) for s in d.get("stages", ())), allow_transfer=allow)

    @classmethod
    def coerce(cls, obj: Any) -> CurriculumConfig:
        """From a ``CurriculumConfig``, a mapping or its JSON text."""
        if isinstance(obj, cls):
            return obj
        return cls.from_json(obj)




# -- data ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataSource:
    """Named NPZ chunks (train / val) of one config, tagged with the generation that produced them."""

    name: str
    train: tuple[Path, ...]
    val: tuple[Path, ...] = ()
    generation: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "train", tuple(Path(p) for p in self.train))
        object.__setattr__(self, "val", tuple(Path(p) for p in self.val))

    @classmethod
    def from_export(cls, name: str, export_dir: str | os.PathLike, generation: int = 0) -> DataSource:
        """The train and val chunks of a finished export (``manifest.json``)."""
        m = json.loads((Path(export_dir) / "manifest.json").read_text())
        val = chunk_paths(export_dir, "val") if "val" in m.get("splits", {}) else []
        return cls(name, tuple(chunk_paths(export_dir, "train")), tuple(val), generation)

    @property
    def config_key(self) -> str:
        return chunk_config_key((self.train or self.val)[0])


def chunk_config_key(path: str | os.PathLike) -> str:
    """``board_<n>p`` of an NPZ chunk, from its ``meta`` array only."""
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["meta"]).decode())
    return f"{meta['board']}_{meta['num_players']}p"


def _chunk_game_hashes(path: Path) -> np.ndarray:
    with np.load(path, allow_pickle=False) as z:
        return np.unique(z["game_hash"])


class GenerationWeights:
    """``weight_fn`` for the trainer: ``max(min_weight, decay ** (latest - generation))`` per sample.

    A sample's generation: its game's (``game_generation``: ``game_hash`` -> generation), else its
    model's (``model_generation``: model identity as in ``SampleBatch.models`` -> generation), else
    ``default_generation``. Generations above ``latest`` weigh 1."""

    def __init__(self, *, decay: float, latest: int | None = None, game_generation: Mapping[int, int] | None = None,
                 model_generation: Mapping[str, int] | None = None, default_generation: int = 0,
                 min_weight: float = 0.0) -> None:
        if not 0 < decay <= 1:
            raise ValueError(f"decay must be in (0, 1], got {decay}")
        games = dict(game_generation or {})
        self._keys = np.array(sorted(games), dtype=np.int64)
        self._gens = np.array([games[k] for k in sorted(games)], dtype=np.int64)
        self.model_generation = {str(k): int(v) for k, v in (model_generation or {}).items()}
        self.default_generation = int(default_generation)
        known = list(games.values()) + list(self.model_generation.values()) + [self.default_generation]
        self.latest = int(max(known) if latest is None else latest)
        self.decay = float(decay)
        self.min_weight = float(min_weight)

    @classmethod
    def from_sources(cls, sources: Sequence[DataSource], *, decay: float, min_weight: float = 0.0,
                     splits: Sequence[str] = ("train",)) -> GenerationWeights:
        """Generations by game, read from the ``game_hash`` arrays of the sources' chunks (a game
        in several sources takes the newest generation); ``latest`` = the newest source."""
        games: dict[int, int] = {}
        for s in sources:
            for split in splits:
                for p in getattr(s, split):
                    for h in _chunk_game_hashes(p).tolist():
                        if games.get(h, -1) < s.generation:
                            games[h] = s.generation
        return cls(decay=decay, latest=max(s.generation for s in sources), game_generation=games,
                   default_generation=min(s.generation for s in sources), min_weight=min_weight)

    def generations(self, batch: SampleBatch) -> np.ndarray:
        """int64 ``[N]``: the generation of each sample."""
        n = len(batch)
        out = np.full(n, self.default_generation, dtype=np.int64)
        found = np.zeros(n, dtype=bool)
        if self._keys.size:
            h = np.asarray(batch.game_hash, dtype=np.int64)
            pos = np.clip(np.searchsorted(self._keys, h), 0, self._keys.size - 1)
            found = self._keys[pos] == h
            out[found] = self._gens[pos[found]]
        if self.model_generation and not found.all():
            table = np.array([self.model_generation.get(m.decode(), -1) for m in batch.models], dtype=np.int64)
            if table.size:
                by_model = table[np.asarray(batch.model_index, dtype=np.int64)]
                use = ~found & (by_model >= 0)
                out[use] = by_model[use]
        return out

    def __call__(self, batch: SampleBatch) -> np.ndarray:
        age = np.maximum(0, self.latest - self.generations(batch))
        return np.maximum(self.min_weight, self.decay ** age).astype(np.float32)


# -- weight transfer between configs -------------------------------------------------------------

def _parse_key(config_key: str) -> tuple[str, int]:
    board, _, p = config_key.rpartition("_")
    if not board or not p.endswith("p") or not p[:-1].isdigit():
        raise CurriculumError(f"not a config key: {config_key!r} (expected e.g. square8_2p)")
    return board, int(p[:-1])


def arch_for_config(arch: NetworkArch, config_key: str) -> NetworkArch:
    """``arch``'s tower dimensions for another config (board x players)."""
    if arch.config_key == config_key:
        return arch
    board, players = _parse_key(config_key)
    out = NetworkArch.for_config(board, players, channels=arch.channels, blocks=arch.blocks, se_ratio=arch.se_ratio,
                                 policy_channels=arch.policy_channels, value_hidden=arch.value_hidden)
    if out.arch_version != arch.arch_version:
        raise CurriculumError(f"architecture version {arch.arch_version} cannot be rebuilt "
                              f"(this code: {out.arch_version})")
    return out


@dataclass(frozen=True)
class TransferReport:
    source: str  # config key of the source network
    target: str
    source_model: str | None
    copied: tuple[str, ...]
    reinitialised: tuple[str, ...]

    def to_json(self) -> dict:
        return {"source": self.source, "target": self.target, "source_model": self.source_model,
                "copied": list(self.copied), "reinitialised": list(self.reinitialised)}


def transfer_weights(source: Checkpoint | RingRiftNet, config_key: str,
                     seed: int = 0) -> tuple[RingRiftNet, TransferReport]:
    """A network for ``config_key`` with ``source``'s tower dimensions: every tensor (weights and
    batch-norm statistics) whose name and shape match is copied, the rest keep their fresh
    initialisation from ``seed``."""
    src_net = source.net if isinstance(source, Checkpoint) else source
    src_model = source.model_id if isinstance(source, Checkpoint) else None
    target = arch_for_config(src_net.arch, config_key)
    net = build_network(target, seed=seed)
    src = src_net.state_dict()
    dst = net.state_dict()
    copied, fresh = [], []
    for k, v in dst.items():
        if k in src and tuple(src[k].shape) == tuple(v.shape):
            dst[k] = src[k].detach().to("cpu").clone()
            copied.append(k)
        else:
            fresh.append(k)
    net.load_state_dict(dst)
    return net, TransferReport(src_net.arch.config_key, config_key, src_model, tuple(copied), tuple(fresh))


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StageResult:
    name: str
    index: int
    run_dir: Path
    sources: tuple[str, ...]
    config_key: str
    init: str  # "scratch", "previous:<model id>", "base:<model id>", with "transfer:" in front when transferred
    skipped: bool  # finished by an earlier run: read back, not retrained
    result: TrainResult
    transfer: TransferReport | None = None

    def to_json(self) -> dict:
        r = {k: _plain(v) for k, v in asdict(self.result).items()}
        return {"name": self.name, "index": self.index, "run_dir": str(self.run_dir), "sources": list(self.sources),
                "config_key": self.config_key, "init": self.init, "skipped": self.skipped, "result": r,
                "transfer": self.transfer.to_json() if self.transfer else None}


def _plain(v: Any) -> Any:
    """JSON-ready: paths as strings, tuples as lists (``TrainResult.val_chunks`` holds paths)."""
    if isinstance(v, Path):
        return str(v)
    if isinstance(v, (tuple, list)):
        return [_plain(x) for x in v]
    return v


@dataclass(frozen=True)
class CurriculumResult:
    root: Path
    stages: tuple[StageResult, ...]

    @property
    def results(self) -> tuple[TrainResult, ...]:
        return tuple(s.result for s in self.stages)

    @property
    def final(self) -> TrainResult:
        return self.stages[-1].result

    @property
    def model_id(self) -> str:
        return self.final.model_id

    @property
    def checkpoint(self) -> Path:
        return self.final.checkpoint


# -- the trainer -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StagePlan:
    """A stage resolved against the data: what ``run`` will train (``CurriculumTrainer.plan``)."""

    stage: CurriculumStage
    index: int
    dirname: str
    sources: tuple[DataSource, ...]
    config_key: str
    training: TrainingConfig
    start_config: str | None  # config of the network the stage starts from (None = scratch)

    @property
    def train_chunks(self) -> list[Path]:
        return [p for s in self.sources for p in s.train]

    @property
    def val_chunks(self) -> list[Path]:
        return [p for s in self.sources for p in s.val]

    @property
    def transfers(self) -> bool:
        return self.start_config is not None and self.start_config != self.config_key


def stage_finished(run_dir: str | os.PathLike) -> bool:
    """True when the trainer run in ``run_dir`` has ended: its newest checkpoint records why it
    stopped and ``metrics.jsonl`` has the matching ``end`` line."""
    return _finished(Path(run_dir)) is not None


def _finished(run_dir: Path) -> TrainResult | None:
    stem = latest_checkpoint(run_dir / "checkpoints")
    if stem is None:
        return None
    try:
        doc = json.loads(stem.with_name(stem.name + ".train.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    prog = doc.get("progress", {})
    if prog.get("stopped") is None:
        return None
    end, val = None, []
    mpath = run_dir / "metrics.jsonl"
    if not mpath.exists():
        return None
    for line in mpath.read_text().splitlines():
        try:
            d = json.loads(line)
        except json.JSONDecodeError:
            continue
        if d.get("kind") == "val":
            val.append(float(d["loss"]))
        elif d.get("kind") == "end" and d.get("step") == prog["step"]:
            end = d
    if end is None:
        return None
    return TrainResult(run_dir=run_dir, checkpoint=stem, model_id=doc["model_id"], init=f"resume:{prog['step']}",
                       steps=prog["step"], epochs=prog["epoch"], stopped=prog["stopped"], best_val=prog.get("best_val"),
                       val_history=tuple(val), samples_per_s=0.0)


class CurriculumTrainer:
    """Runs the stages of a ``CurriculumConfig`` in order with the base ``TrainingConfig``."""

    def __init__(self, config: CurriculumConfig | Mapping[str, Any], training: TrainingConfig) -> None:
        self.config = CurriculumConfig.coerce(config)
        if not self.config.stages:
            raise CurriculumError("a curriculum needs at least one stage")
        self.training = training

    def plan(self, sources: Mapping[str, DataSource] | Sequence[DataSource], *, arch: NetworkArch | None = None,
             init: Checkpoint | None = None) -> list[StagePlan]:
        """Resolve every stage against the data; every check that needs no training is done here
        (no data, mixed configs, a config change without ``allow_transfer``, no architecture)."""
        src = _source_list(sources)
        keys = {s.name: s.config_key for s in src}
        plans: list[StagePlan] = []
        net_config: str | None = None  # config of the network the previous stage produced
        for i, st in enumerate(self.config.stages):
            chosen = [s for s in src if not st.sources or any(fnmatch.fnmatchcase(s.name, pat) for pat in st.sources)]
            if not chosen:
                raise CurriculumError(f"curriculum stage {st.name!r}: no data source matches {list(st.sources)} "
                                      f"(sources: {', '.join(s.name for s in src)})")
            cks = sorted({keys[s.name] for s in chosen})
            if len(cks) != 1:
                raise CurriculumError(f"curriculum stage {st.name!r}: its sources hold data of several configs "
                                      f"({', '.join(cks)}); a stage trains one network")
            ck = cks[0]
            if not any(s.train for s in chosen):
                raise CurriculumError(f"curriculum stage {st.name!r}: its sources have no training chunks")
            mode = "base" if (st.init == "previous" and i == 0) else st.init
            if mode == "previous":
                start = net_config
            elif mode == "base":
                start = init.meta.config_key if init is not None else None
            else:
                start = None
            if start is None and arch is None:
                raise CurriculumError(f"curriculum stage {st.name!r} starts from scratch: pass arch=")
            if start is not None and start != ck and not self.config.allow_transfer:
                raise CurriculumError(
                    f"curriculum stage {st.name!r}: its data is for {ck} but it would start from a {start} network; "
                    f"a network is per config (set allow_transfer: true to start from a weight transfer)")
            cfg = st.training_config(self.training)
            plans.append(StagePlan(st, i, f"{i:02d}-{st.name}", tuple(chosen), ck, cfg, start))
            net_config = ck
        return plans

    def run(self, sources: Mapping[str, DataSource] | Sequence[DataSource], root: str | os.PathLike, *,
            arch: NetworkArch | None = None, init: Checkpoint | None = None, device: str = "auto",
            augment_fn: Callable | None = None, dataset: str | None = None, run_id: str | None = None,
            progress_cb: Callable[[dict], None] | None = None) -> CurriculumResult:
        """Train every stage in order (skipping finished ones) and return their results.

        ``arch``: the architecture of stages that start from scratch (its tower dimensions; board
        and players come from the stage's data). ``init``: the checkpoint the first stage (and
        ``init: base`` stages) start from. ``progress_cb`` gets the trainer's lines plus ``stage``
        and ``stage_index``."""
        root = Path(root)
        plans = self.plan(sources, arch=arch, init=init)
        root.mkdir(parents=True, exist_ok=True)
        done: list[StageResult] = []
        prev: TrainResult | None = None
        for p in plans:
            st = p.stage
            run_dir = root / p.dirname
            start, desc, transfer = self._start(p, prev, init, arch, run_dir)
            fingerprint = {
                "stage": st.to_json(), "index": p.index, "config_key": p.config_key,
                "sources": [{"name": s.name, "generation": s.generation, "train": [str(x) for x in s.train],
                             "val": [str(x) for x in s.val]} for s in p.sources],
                "training": asdict(p.training), "init": desc,
                "scratch_arch": arch_for_config(arch, p.config_key).to_dict() if start is None else None,
            }
            self._check_stage_dir(run_dir, fingerprint)
            finished = _finished(run_dir)
            if finished is not None:
                log.info("curriculum: stage %d %s already finished (%s at step %d): skipped", p.index, st.name,
                         finished.stopped, finished.steps)
                result, skipped = finished, True
            else:
                weight_fn = (GenerationWeights.from_sources(p.sources, decay=st.generation_decay,
                                                            min_weight=st.min_weight)
                             if st.weighted else None)
                log.info("curriculum: stage %d %s on %s (%s), from %s", p.index, st.name,
                         ", ".join(s.name for s in p.sources), p.config_key, desc)
                run = TrainingRun(train_chunks=p.train_chunks, val_chunks=p.val_chunks, run_dir=run_dir,
                                  arch=arch_for_config(arch, p.config_key) if start is None else None, init=start,
                                  dataset=dataset, run_id=f"{run_id}/{st.name}" if run_id else st.name, device=device,
                                  augment_fn=augment_fn, weight_fn=weight_fn)
                cb = None
                if progress_cb is not None:
                    def cb(line: dict, _name=st.name, _i=p.index) -> None:
                        progress_cb(line | {"stage": _name, "stage_index": _i})
                result, skipped = train(run, p.training, cb), False
            done.append(StageResult(st.name, p.index, run_dir, tuple(s.name for s in p.sources), p.config_key, desc,
                                    skipped, result, transfer))
            prev = result
        out = CurriculumResult(root, tuple(done))
        atomic_write_json(root / SUMMARY_FILE, {"config": self.config.to_json(), "stages": [s.to_json() for s in done],
                                           "model_id": out.model_id, "checkpoint": str(out.checkpoint)})
        return out

    # -- helpers -----------------------------------------------------------------------------------
    def _start(self, p: StagePlan, prev: TrainResult | None, init: Checkpoint | None, arch: NetworkArch | None,
               run_dir: Path) -> tuple[Checkpoint | None, str, TransferReport | None]:
        """The checkpoint stage ``p`` starts from, its description, and the transfer made (if any)."""
        mode = "base" if (p.stage.init == "previous" and p.index == 0) else p.stage.init
        if mode == "scratch" or (mode == "base" and init is None):
            return None, "scratch", None
        if mode == "previous":
            assert prev is not None
            ck = load_checkpoint(prev.checkpoint)
        else:
            ck = init
        desc = f"{mode}:{ck.model_id}"
        if ck.meta.config_key == p.config_key:
            return ck, desc, None
        tstem = run_dir / "transfer" / "init"
        if tstem.with_name("init.json").exists():
            t = load_checkpoint(tstem)
            rep = t.meta.extra.get("transfer", {})
            if t.meta.lineage.parent == ck.model_id and rep.get("target") == p.config_key:
                return t, f"transfer:{desc}", TransferReport(rep["source"], rep["target"], rep.get("source_model"),
                                                             tuple(rep["copied"]), tuple(rep["reinitialised"]))
        net, rep = transfer_weights(ck, p.config_key, seed=p.training.seed)
        save_checkpoint(net, tstem, lineage=Lineage(parent=ck.model_id, notes=(
            f"weight transfer {rep.source} -> {rep.target}; re-initialised: {', '.join(rep.reinitialised) or 'none'}")),
            extra={"transfer": rep.to_json()})
        log.info("curriculum: stage %s starts from a transfer %s -> %s (%d tensors copied, re-initialised: %s)",
                 p.stage.name, rep.source, rep.target, len(rep.copied), ", ".join(rep.reinitialised) or "none")
        return load_checkpoint(tstem), f"transfer:{desc}", rep

    @staticmethod
    def _check_stage_dir(run_dir: Path, fingerprint: dict) -> None:
        path = run_dir / STAGE_FILE
        fp = json.loads(json.dumps(fingerprint, sort_keys=True))
        if path.exists():
            old = json.loads(path.read_text())
            if old != fp:
                diff = sorted(k for k in set(old) | set(fp) if old.get(k) != fp.get(k))
                raise CurriculumError(f"{run_dir} holds a stage run with another definition (differs in: "
                                      f"{', '.join(diff)}); use a new curriculum root")
            return
        if (run_dir / "checkpoints").exists():
            raise CurriculumError(f"{run_dir} holds a training run that is not this curriculum's stage")
        atomic_write_json(path, fp)


def _source_list(sources: Mapping[str, DataSource] | Sequence[DataSource] | Iterable[DataSource]) -> list[DataSource]:
    if isinstance(sources, Mapping):
        out = []
        for name, s in sources.items():
            if s.name != name:
                s = dataclasses.replace(s, name=name)
            out.append(s)
    else:
        out = list(sources)
    if not out:
        raise CurriculumError("no data sources")
    names = [s.name for s in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CurriculumError(f"data source names must be unique: {dup}")
    return out
