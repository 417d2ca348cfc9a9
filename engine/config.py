"""The one configuration type: ``ForgeConfig``, read from ``config/unified_loop.yaml``.

    from engine.config import load_config
    cfg = load_config()                 # $RINGRIFT_CONFIG_PATH or config/unified_loop.yaml, then env overrides
    cfg.storage.url, cfg.database.url

Every section is a frozen dataclass; the YAML file may set any subset of keys (defaults fill the
rest). An unknown key or a value of the wrong type is a ``ConfigError`` naming the file and the
dotted key, so a typo never silently falls back to a default.

Ranges live next to the fields, in their types: ``games_per_batch: Count`` (``Annotated[int,
Range(lo=1)]``), ``Share`` ([0, 1]), ``Annotated[str, OneOf(...)]``, ``KeyOf("sizes")`` (a key of
a sibling mapping), ``NotBelow("min_games")``. A violation is one line, ``FILE:LINE: dotted.key:
must be >= 1, got -5`` (``$VARIABLE (dotted.key): ...`` for an override), and the command line
prints it before anything starts.

This module is a leaf: it defines every section, those of the packages that use them too
(``GateConfig`` of ``engine.data``, the ``evaluation`` / ``gauntlet`` / ``promotion`` / ``ladder``
settings of ``engine.evaluation``, the ``ops`` settings of ``ops/``), and imports nothing of the
project, so reading the config loads no numpy, torch or Prefect (tests/test_config.py checks it).

Environment overrides (applied after the file, for the keys a host needs to change without
editing the shared file): see ``ENV_OVERRIDES``. Secrets never live here: S3 credentials come from
the standard ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` variables (read by s3fs/botocore).

Relative paths and ``file://`` URLs with a relative path are resolved against ``home``
(``$RINGRIFT_HOME``, default ``./var`` of the current directory), so one variable moves all local
state of a host.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import functools
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

CONFIG_ENV = "RINGRIFT_CONFIG_PATH"
HOME_ENV = "RINGRIFT_HOME"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "unified_loop.yaml"


class ConfigError(ValueError):
    """A configuration file or override is invalid; the one-line message names where:
    ``FILE[:LINE]: DOTTED.KEY: problem`` or ``$VARIABLE (DOTTED.KEY): problem``."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None,
                 line: int | None = None, var: str | None = None) -> None:
        self.message, self.file, self.key, self.line, self.var = message, file, key, line, var
        super().__init__(self._text())

    def _text(self) -> str:
        if self.var:
            return f"${self.var}" + (f" ({self.key})" if self.key else "") + f": {self.message}"
        parts = [f"{self.file}:{self.line}" if self.file and self.line else self.file, self.key, self.message]
        return ": ".join(p for p in parts if p)

    def located(self, **where: Any) -> ConfigError:
        """The same problem with more of its place filled in (file, line, variable)."""
        fields = {"file": self.file, "key": self.key, "line": self.line, "var": self.var} | where
        return ConfigError(self.message, **fields)


# -- value rules: declared on the fields with Annotated[type, rule, ...] ----------------------------

def _num(x: float) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


@dataclass(frozen=True)
class Range:
    """``lo <= value <= hi`` (``open_lo`` / ``open_hi``: strict); ``None`` = unbounded."""

    lo: float | None = None
    hi: float | None = None
    open_lo: bool = False
    open_hi: bool = False

    def problem(self, value: Any) -> str | None:
        low = self.lo is not None and (value < self.lo or (self.open_lo and value == self.lo))
        high = self.hi is not None and (value > self.hi or (self.open_hi and value == self.hi))
        if not (low or high):
            return None
        if self.hi is None:
            return f"must be {'>' if self.open_lo else '>='} {_num(self.lo)}, got {value!r}"
        if self.lo is None:
            return f"must be {'<' if self.open_hi else '<='} {_num(self.hi)}, got {value!r}"
        return (f"must be in {'(' if self.open_lo else '['}{_num(self.lo)}, {_num(self.hi)}"
                f"{')' if self.open_hi else ']'}, got {value!r}")


@dataclass(frozen=True)
class OneOf:
    """One of ``choices`` (with a did-you-mean for a near miss)."""

    choices: tuple[Any, ...]

    def __init__(self, *choices: Any) -> None:
        object.__setattr__(self, "choices", tuple(choices))

    def problem(self, value: Any) -> str | None:
        if value in self.choices:
            return None
        return f"must be one of {', '.join(map(str, self.choices))}, got {value!r}{_did_you_mean(value, self.choices)}"


@dataclass(frozen=True)
class Matches:
    """A string matching ``pattern`` (whole string); ``what`` says what that means."""

    pattern: str
    what: str

    def problem(self, value: Any) -> str | None:
        return None if re.fullmatch(self.pattern, value) else f"must be {self.what}, got {value!r}"


@dataclass(frozen=True)
class KeysOneOf:
    """A mapping whose keys are among ``choices``."""

    choices: tuple[str, ...]

    def __init__(self, *choices: str) -> None:
        object.__setattr__(self, "choices", tuple(choices))

    def problem(self, value: Any) -> str | None:
        bad = [k for k in value if k not in self.choices]
        if not bad:
            return None
        return (f"unknown key {bad[0]!r}{_did_you_mean(bad[0], self.choices)} "
                f"(known here: {', '.join(self.choices)})")


@dataclass(frozen=True)
class ConfigKeyRule:
    """A ``BOARD_Np`` config key of a board this engine has."""

    def problem(self, value: Any) -> str | None:
        board, sep, tail = str(value).rpartition("_")
        if sep and board in _BOARDS and tail in ("2p", "3p", "4p"):
            return None
        keys = [f"{b}_{n}p" for b in _BOARDS for n in (2, 3, 4)]
        return (f"unknown config key {value!r}{_did_you_mean(value, keys)} "
                f"(BOARD_Np, BOARD one of {', '.join(_BOARDS)}, N 2..4)")


# relations between fields of one section, checked once every value is known (file and environment)
@dataclass(frozen=True)
class KeyOf:
    """A key of the mapping in the sibling field ``field``."""

    field: str

    def relation(self, value: Any, obj: Any) -> str | None:
        known = _get(obj, self.field)
        if value in known:
            return None
        return (f"{value!r} is not one of the configured {self.field}{_did_you_mean(value, list(known))} "
                f"(configured: {', '.join(sorted(known))})")


@dataclass(frozen=True)
class NotBelow:
    """At least the sibling field ``field`` (``strict``: greater); ``None`` values are not compared."""

    field: str
    strict: bool = False

    def relation(self, value: Any, obj: Any) -> str | None:
        other = _get(obj, self.field)
        if value is None or other is None or value > other or (value == other and not self.strict):
            return None
        return f"must be {'>' if self.strict else '>='} {self.field} ({_num(other)}), got {value!r}"


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, Mapping) else getattr(obj, name)


def _did_you_mean(value: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_BOARDS = ("square8", "square19", "hex8", "hexagonal")  # engine.game.BOARD_TYPES (not imported: keeps this light)
_NONEMPTY = Matches(r"(?s).+", "a non-empty string")

# the usual shapes of a number in this file
Count = Annotated[int, Range(lo=1)]  # how many of something, at least one
NonNegInt = Annotated[int, Range(lo=0)]  # 0 has a meaning (off, all, default): see the field's comment
NonNegFloat = Annotated[float, Range(lo=0)]
PositiveFloat = Annotated[float, Range(lo=0, open_lo=True)]
Probability = Annotated[float, Range(0, 1)]
Share = Annotated[float, Range(0, 1)]
NonEmpty = Annotated[str, _NONEMPTY]
ConfigKey = Annotated[str, ConfigKeyRule()]
DatabaseUrl = Annotated[str, Matches(r"[A-Za-z0-9+]+://.*", "a SQLAlchemy URL such as sqlite:///forge.db")]
Device = Annotated[str, Matches(r"auto|cpu|mps|cuda(:[0-9]+)?", "auto, cpu, mps, cuda or cuda:N")]
# engine.training.temperature.KINDS and its ALIASES (not imported: that package imports torch)
TemperatureKind = Annotated[str, OneOf("constant", "step", "linear", "exponential", "linear_decay", "exp_decay", "exp")]
SELFPLAY_ENGINES = ("auto", "heuristic", "gumbel", "random")


@dataclass(frozen=True)
class StorageConfig:
    """Where artifacts live: ``file://`` (local folder), ``s3://bucket/prefix`` or ``memory://``."""

    url: NonEmpty = "store"  # relative -> {home}/store
    cache_dir: NonEmpty = "cache"  # local cache of remote objects (sync, model distribution)
    s3_endpoint_url: str | None = None  # e.g. http://minio:9000; None = AWS
    s3_region: str | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    """SQLAlchemy URL: SQLite (WAL) by default, ``postgresql+psycopg://...`` on a cluster."""

    url: DatabaseUrl = "sqlite:///forge.db"  # relative sqlite path -> {home}/forge.db


@dataclass(frozen=True)
class NetworkSize:
    """Residual tower dimensions (see ``engine.nn.network``)."""

    channels: Count
    blocks: Count
    se_ratio: NonNegInt = 4  # squeeze-excitation reduction; 0 disables SE
    policy_channels: Count = 32  # hidden channels of the policy head before the per-move logits
    value_hidden: Count = 64


@dataclass(frozen=True)
class NetworkConfig:
    """Network sizes by name; ``size`` is the one selfplay/training use unless told otherwise."""

    size: Annotated[str, KeyOf("sizes")] = "tiny"
    sizes: Mapping[str, NetworkSize] = field(default_factory=lambda: {
        "tiny": NetworkSize(channels=32, blocks=2, se_ratio=4, policy_channels=16, value_hidden=32),
        "standard": NetworkSize(channels=128, blocks=10, se_ratio=4, policy_channels=32, value_hidden=128),
    })
    device: Device = "auto"  # auto = cuda when available, else cpu
    # torch intra-op threads of a stage's CPU training and inference (0 = torch's default, one per
    # core). 1: on a 2-core host the self-play workers, the trainer and other jobs share the cores,
    # and two spinning threads per process made training 10x slower there (docs/TRAINING.md)
    cpu_threads: NonNegInt = 1

    def size_of(self, name: str | None = None) -> NetworkSize:
        key = name or self.size
        if key not in self.sizes:
            raise ConfigError(f"unknown network size {key!r} (configured: {', '.join(sorted(self.sizes))})")
        return self.sizes[key]


@dataclass(frozen=True)
class SelfplayTemperatureConfig:
    """Self-play move temperature by ply and generation (``engine.training.temperature``)."""

    kind: TemperatureKind = "step"  # constant | step | linear | exponential
    initial: NonNegFloat = 1.0
    final: NonNegFloat = 0.0  # 0 = best move
    plies: NonNegInt = 30  # step: plies at `initial`; linear: plies to reach `final`
    half_life: PositiveFloat = 15.0  # exponential
    generation_decay: Annotated[float, Range(0, 1, open_lo=True)] = 1.0  # 1 = same schedule every generation
    min_generation_factor: Share = 0.0


@dataclass(frozen=True)
class SelfplayBootstrapConfig:
    """Generation 0, before any champion: heuristic self-play with exploratory openings
    (``engine.data.bootstrap``; the ablations in docs/TRAINING.md, "Recipe")."""

    profile: NonEmpty = "heuristic_v2"  # the heuristic profile that plays (and is imitated)
    games: NonNegInt = 0  # games of a bootstrap batch (0 = the batch's own count; the goal config: 4000)
    plies: NonNegInt = 8  # plies at the start of a game whose move is drawn from the heuristic's policy
    temperature: NonNegFloat = 1.0  # of that draw (0 = the heuristic's own choice)
    epsilon: Share = 0.0  # instead, this share of those plies gets a uniformly random move (no target)
    mistakes: Share = 0.0  # later, this share of decisions plays a random move, keeping the heuristic's target
    target: Annotated[str, OneOf("soft", "choice")] = "choice"  # policy target: softmax of scores or one-hot


@dataclass(frozen=True)
class CalibrationConfig:
    bins: Count = 10
    objective: Annotated[str, OneOf("mse", "nll")] = "mse"
    seats: Annotated[str, OneOf("first", "all")] = "first"
    weight_by_count: bool = False
    history: NonEmpty = "calibration.jsonl"  # relative -> under home


@dataclass(frozen=True)
class SelfplayConfig:
    """Self-play batches (``engine.loop.run_selfplay``)."""

    games_per_batch: Count = 16
    # auto: gumbel with the champion network, heuristic until there is one
    engine: Annotated[str, OneOf(*SELFPLAY_ENGINES)] = "auto"
    simulations: Count = 32  # gumbel simulations per move with a network
    max_considered: Count = 8  # gumbel sampled actions at the root
    max_moves: Count = 2000  # safety cap per game (a capped game is never exported)
    concurrency: NonNegInt = 0  # games in lockstep (0 = the whole batch)
    workers: NonNegInt = 0  # local self-play processes (0 = one per core; same games as one process)
    temperature: SelfplayTemperatureConfig = field(default_factory=SelfplayTemperatureConfig)
    bootstrap: SelfplayBootstrapConfig = field(default_factory=SelfplayBootstrapConfig)


@dataclass(frozen=True)
class LoopConfig:
    """The generation loop (``engine.loop``; the Prefect master loop uses the same keys)."""

    profile: Annotated[str, KeyOf("profiles")] = "minimal"  # which entry of profiles runs
    profiles: Mapping[str, tuple[ConfigKey, ...]] = field(default_factory=lambda: {
        "minimal": ("square8_2p",),
        "standard": ("square8_2p", "square8_3p", "square8_4p", "hex8_2p"),
        "full": tuple(f"{b}_{n}p" for b in ("square8", "hex8", "square19", "hexagonal") for n in (2, 3, 4)),
    })
    train_threshold_games: Count = 64  # new games since the last training before a new training starts
    selfplay_batches: Count = 1  # selfplay batches per generation and config
    keep_candidates: NonNegInt = 5  # prune keeps the last K candidates per config (every champion is kept)

    def configs(self, profile: str | None = None) -> tuple[str, ...]:
        key = profile or self.profile
        if key not in self.profiles:
            raise ConfigError(f"unknown loop profile {key!r} (configured: {', '.join(sorted(self.profiles))})")
        return self.profiles[key]


@dataclass(frozen=True)
class WindowConfig:
    """KataGo's sublinear training window (``engine.data.window.data_window``)."""

    min_window: Count = 250_000
    alpha: Annotated[float, Range(0, 1, open_lo=True)] = 0.75
    beta: Annotated[float, Range(0, 1, open_lo=True)] = 0.4
    max_window: Annotated[int, NotBelow("min_window")] | None = None


@dataclass(frozen=True)
class GateConfig:
    """``export.gates``: the thresholds of the quality gates (``engine.data.gates.evaluate_gates``,
    whose module doc says what each gate measures)."""

    min_games: NonNegInt = 1
    max_parity_fail_share: Share = 0.01
    min_mean_moves: NonNegFloat = 10.0
    max_mean_moves: Annotated[float, Range(lo=0), NotBelow("min_mean_moves")] | None = None
    min_game_moves: NonNegInt | None = None
    max_game_moves: Annotated[int, Range(lo=0), NotBelow("min_game_moves")] | None = None
    max_draw_share: Share = 0.5
    max_stalemate_share: Share = 0.5
    max_capped_share: Share = 0.05


@dataclass(frozen=True)
class ExportConfig:
    """Shards -> NPZ (``engine.data.export``)."""

    val_fraction: Annotated[float, Range(0, 1, open_hi=True)] = 0.05
    chunk_samples: Count | None = None  # None = per-board default (about 16 MB of planes per chunk)
    dedup: bool = True
    include_capped: bool = False
    compress: bool = True
    shuffle: bool = True
    seed: NonNegInt = 0
    shard_compression: Annotated[str, OneOf("zstd", "gzip")] = "zstd"
    max_reuse: PositiveFloat = 4.0
    window: WindowConfig = field(default_factory=WindowConfig)
    gates: GateConfig = field(default_factory=GateConfig)


@dataclass(frozen=True)
class TrainingConfig:
    """The trainer's hyperparameters (``engine.training``)."""

    batch_size: Count = 256
    lr: PositiveFloat = 2e-3  # peak learning rate (AdamW)
    weight_decay: NonNegFloat = 1e-4
    warmup_steps: NonNegInt = 100
    epochs: Count = 4  # passes over the training split (the cosine schedule spans them)
    max_steps: NonNegInt = 0  # 0 = no cap beyond epochs
    reuse: NonNegFloat = 4.0  # > 0: steps = train samples x reuse / batch_size (instead of epochs); 0 = epochs
    grad_clip: NonNegFloat = 1.0
    value_weight: NonNegFloat = 1.0
    policy_weight: NonNegFloat = 1.0
    checkpoint_every: Count = 200  # steps; a checkpoint is also written at the end
    early_stop_patience: NonNegInt = 2  # epochs without a better validation loss; 0 = never stop early
    shuffle_chunks: Count = 4  # NPZ chunks mixed together when shuffling (bounds memory)
    augment: bool = True  # a random board symmetry per sample
    # CUDA autocast: auto (bf16 if supported, else fp16), bf16, fp16, off
    amp: Annotated[str, OneOf("auto", "bf16", "fp16", "off")] = "auto"
    seed: NonNegInt = 0


# The stages a generation can run, in order.
STAGES = ("selfplay", "sync", "export", "train", "gauntlet", "promotion", "analysis")


@dataclass(frozen=True)
class StageRuntime:
    """Prefect task options of one stage."""

    retries: int
    retry_delays: tuple[int, ...]  # seconds before retry 1, 2, ... (the last one repeats)
    timeout_seconds: int


# The one timeout table (``orchestration.timeouts``): seconds one attempt of a stage's task may
# run. Flow timeouts and the watchdog's limits are derived from it (OrchestrationConfig), so a run
# is never judged stuck by one table while another still gives it time.
DEFAULT_TIMEOUTS: dict[str, int] = {
    "contracts": 300, "selfplay": 4 * 3600, "ingest": 1800, "snapshot": 300, "export": 2 * 3600,
    "train": 12 * 3600, "gauntlet": 6 * 3600, "promotion": 6 * 3600, "rollback": 300, "sync": 3600,
    "prune": 3600, "health": 300, "analysis": 1800,
}

# retries and the delays before them, per stage (orchestration.retries / retry_delays override them)
_DEFAULT_RETRIES: dict[str, tuple[int, tuple[int, ...]]] = {
    "contracts": (0, (0,)), "selfplay": (2, (10, 60)), "ingest": (3, (5, 30, 120)), "snapshot": (3, (2, 10, 30)),
    "export": (2, (10, 60)), "train": (1, (60,)), "gauntlet": (2, (30, 120)), "promotion": (1, (60,)),
    "rollback": (2, (5, 30)), "sync": (3, (10, 60, 300)), "prune": (1, (60,)), "health": (1, (5,)),
    "analysis": (1, (30,)),
}

# The task options a task is decorated with (the config's are applied when the flow runs).
DEFAULT_RUNTIME: dict[str, StageRuntime] = {
    s: StageRuntime(r, d, DEFAULT_TIMEOUTS[s]) for s, (r, d) in _DEFAULT_RETRIES.items()}

# The stages each pipeline flow runs one after the other: its flow timeout covers one attempt of
# each (master-loop: a whole generation).
FLOW_STAGES: dict[str, tuple[str, ...]] = {
    "selfplay": ("contracts", "selfplay", "ingest"),
    "export": ("snapshot", "export"),
    "train": ("snapshot", "export", "train"),
    "gauntlet": ("gauntlet",),
    "promote": ("promotion",),
    "sync": ("sync",),
    "prune": ("prune",),
    "health": ("health",),
    "analysis": ("analysis",),
    "master-loop": ("contracts", "selfplay", "ingest", "sync", "snapshot", "export", "train", "gauntlet",
                    "promotion", "analysis"),
}


@dataclass(frozen=True)
class OrchestrationConfig:
    """The ``orchestration:`` section: Prefect pools, queues, schedules, retries (``tasks/``, ``flows/``)."""

    # stages per loop profile (the profile's configs are loop.profiles)
    profile_stages: Mapping[str, tuple[Annotated[str, OneOf(*STAGES)], ...]] = field(default_factory=lambda: {
        "minimal": ("selfplay", "export", "train", "promotion"),
        "standard": ("selfplay", "sync", "export", "train", "gauntlet", "promotion"),
        "full": ("selfplay", "sync", "export", "train", "gauntlet", "promotion", "analysis"),
    })
    # work pools (process type; kubernetes / docker use deployments/*-job-template.json)
    cpu_pool: NonEmpty = "cpu"
    gpu_pool: NonEmpty = "gpu"
    cpu_pool_type: NonEmpty = "process"
    gpu_pool_type: NonEmpty = "process"
    # work queues of each pool and their priorities (1 = served first)
    queue_priorities: Mapping[str, Count] = field(default_factory=lambda: {
        "promotion": 1, "evaluation": 2, "training": 3, "maintenance": 4, "selfplay": 5})
    # schedules (0 / "" = no schedule)
    selfplay_interval_seconds: NonNegInt = 900  # the selfplay/<config> deployments of the active profile
    selfplay_games: NonNegInt = 0  # games per scheduled selfplay run; 0 = loop.train_threshold_games
    sync_interval_seconds: NonNegInt = 300  # sync/default
    evaluation_interval_seconds: NonNegInt = 3600  # analysis/default (ratings, status)
    health_interval_seconds: NonNegInt = 300  # health/default
    prune_cron: str = "30 3 * * *"  # prune/default (daily)
    master_loop_interval_seconds: NonNegInt = 0  # master-loop/<profile>; 0 = run by hand only
    # crash / zombie detection: no heartbeat for this long -> the run is marked Crashed, then
    # rescheduled (retried) up to crash_retries times
    heartbeat_seconds: Count = 30
    zombie_seconds: Annotated[int, Range(lo=1), NotBelow("heartbeat_seconds")] = 180
    crash_retries: NonNegInt = 2
    # selfplay allocation across configs (flows.allocation): weights by Elo progress
    bootstrap_weight: NonNegFloat = 2.0  # no champion yet
    improving_weight: NonNegFloat = 1.5  # the last promotion was accepted
    steady_weight: NonNegFloat = 1.0
    # Prefect task options per stage (overrides of DEFAULT_RUNTIME)
    retries: Annotated[Mapping[str, NonNegInt], KeysOneOf(*DEFAULT_RUNTIME)] = field(default_factory=dict)
    retry_delays: Annotated[Mapping[str, tuple[NonNegInt, ...]], KeysOneOf(*DEFAULT_RUNTIME)] = field(
        default_factory=dict)
    # the timeout table: seconds per attempt of each stage's task; a stage left out keeps its default
    timeouts: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_TIMEOUTS))
    # a flow may run this many times the sum of its stages' timeouts (retries, queueing)
    flow_timeout_factor: float = 1.5
    # the watchdog acts on a running flow run only this long after the flow's own timeout
    watchdog_margin_seconds: int = 1800

    def __post_init__(self) -> None:
        bad = sorted(set(self.timeouts) - set(DEFAULT_TIMEOUTS))
        if bad:
            raise ConfigError(f"orchestration.timeouts.{bad[0]}: unknown stage (stages: {', '.join(DEFAULT_TIMEOUTS)})")
        for stage, seconds in self.timeouts.items():
            if int(seconds) <= 0:
                raise ConfigError(f"orchestration.timeouts.{stage}: must be a positive number of seconds, "
                                  f"got {seconds!r}")
        if self.flow_timeout_factor < 1:
            raise ConfigError(f"orchestration.flow_timeout_factor: must be at least 1 (a flow runs its stages), "
                              f"got {self.flow_timeout_factor!r}")
        if self.watchdog_margin_seconds < 0:
            raise ConfigError("orchestration.watchdog_margin_seconds: must be >= 0, "
                              f"got {self.watchdog_margin_seconds!r}")

    def stages(self, profile: str) -> tuple[str, ...]:
        if profile not in self.profile_stages:
            raise ValueError(f"unknown loop profile {profile!r} (stages configured for: "
                             f"{', '.join(sorted(self.profile_stages))})")
        bad = [s for s in self.profile_stages[profile] if s not in STAGES]
        if bad:
            raise ValueError(f"orchestration.profile_stages.{profile}: unknown stage {bad[0]!r} "
                             f"(stages: {', '.join(STAGES)})")
        return tuple(self.profile_stages[profile])

    def runtime(self, stage: str) -> StageRuntime:
        base = DEFAULT_RUNTIME[stage]
        return StageRuntime(int(self.retries.get(stage, base.retries)),
                            tuple(self.retry_delays.get(stage, base.retry_delays)),
                            self.timeout(stage))

    def timeout(self, stage: str) -> int:
        """Seconds one attempt of ``stage``'s task may run (the table, else its default)."""
        if stage not in DEFAULT_TIMEOUTS:
            raise ValueError(f"unknown stage {stage!r} (stages: {', '.join(DEFAULT_TIMEOUTS)})")
        return int(self.timeouts.get(stage, DEFAULT_TIMEOUTS[stage]))

    def flow_timeout(self, flow: str) -> int:
        """The timeout of pipeline flow ``flow``: its stages' timeouts summed, times the factor."""
        if flow not in FLOW_STAGES:
            raise ValueError(f"unknown flow {flow!r} (flows: {', '.join(FLOW_STAGES)})")
        return int(self.flow_timeout_factor * sum(self.timeout(s) for s in FLOW_STAGES[flow]))

    def flow_timeouts(self) -> dict[str, int]:
        return {f: self.flow_timeout(f) for f in FLOW_STAGES}

    def watchdog_limits(self) -> dict[str, int]:
        """Flow name -> age at which the watchdog calls a running run stuck: the flow's timeout plus
        the margin, so Prefect's own timeout always acts first."""
        return {f: t + int(self.watchdog_margin_seconds) for f, t in self.flow_timeouts().items()}


# -- the sections of engine.evaluation: evaluation (the Elo fit), gauntlet, promotion, ladder ------

class _FromConfig:
    """``X.from_config(cfg)``: the section's keys present in ``cfg`` over the defaults, so the
    evaluation code takes a ``ForgeConfig``, the section itself, a mapping or any object with those
    attributes."""

    SECTION = ""

    @classmethod
    def from_config(cls, cfg: Any = None, **overrides: Any):
        """Defaults, replaced by the keys present in ``cfg.<SECTION>`` (``cfg`` may also be the section
        itself as a mapping or object, or None), then by ``overrides``."""
        if isinstance(cfg, cls):
            return dataclasses.replace(cfg, **overrides)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        section: Any = None
        if isinstance(cfg, Mapping):
            section = cfg[cls.SECTION] if isinstance(cfg.get(cls.SECTION), Mapping) else cfg
        elif cfg is not None:
            if hasattr(cfg, cls.SECTION):
                section = getattr(cfg, cls.SECTION)
            elif any(hasattr(cfg, n) for n in names):
                section = cfg
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if section is None:
                break
            if isinstance(section, Mapping):
                if f.name in section:
                    values[f.name] = section[f.name]
            elif hasattr(section, f.name):
                values[f.name] = getattr(section, f.name)
        values.update(overrides)
        for k, v in list(values.items()):
            if isinstance(v, list):
                values[k] = tuple(v)
        return cls(**values)


@dataclass(frozen=True)
class EloSettings(_FromConfig):
    """``evaluation:`` section: the Elo fit (``engine.evaluation.elo``; see docs/EVALUATION.md)."""

    SECTION = "evaluation"

    prior_draws: NonNegFloat = 1.0  # virtual draws added between every pair of players that met
    prior_sd: PositiveFloat = 1000.0  # Gaussian prior sd (Elo) on the seat-1 advantage and on ratings without an anchor
    first_player_advantage: bool = True  # estimate a seat-1 advantage jointly (else fixed at 0)
    max_iter: Count = 100  # Newton iterations
    tol: PositiveFloat = 1e-6  # stop when the largest step is below this (Elo)

    def __post_init__(self) -> None:
        if self.prior_draws < 0 or self.prior_sd <= 0 or self.max_iter < 1 or self.tol <= 0:
            raise ValueError(f"bad Elo settings {self}")


@dataclass(frozen=True)
class GauntletSettings(_FromConfig):
    """``gauntlet:`` section: the candidate against the fixed ladder (``engine.evaluation.gauntlet``)."""

    SECTION = "gauntlet"

    games_per_opponent: Count = 20  # rounded up to a multiple of the player count (seat balance)
    ladder_simulations: tuple[Count, ...] = (16, 64, 256)  # plain MCTS (heuristic evaluator) rungs
    heuristic_profile: NonEmpty = "heuristic_v1"  # of the heuristic rung and of the MCTS rungs' evaluator
    include_random: bool = True
    include_heuristic: bool = True
    champions: NonNegInt = 3  # how many of the latest champions the caller should pass in (not enforced here)
    opening_moves: NonNegInt = 4  # random opening moves, the same for every game of a block
    max_moves: NonNegInt = 5000  # safety cap per game (0 = none); a capped game is a draw
    concurrency: NonNegInt = 0  # games in flight in lockstep (0 = all)

    def __post_init__(self) -> None:
        if self.games_per_opponent < 1 or self.opening_moves < 0 or self.max_moves < 0 or self.concurrency < 0:
            raise ValueError(f"bad gauntlet settings {self}")
        if any(int(s) < 1 for s in self.ladder_simulations):
            raise ValueError(f"ladder_simulations must be >= 1: {self.ladder_simulations}")


OpenShare = Annotated[float, Range(0, 1, open_lo=True, open_hi=True)]


@dataclass(frozen=True)
class PromotionSettings(_FromConfig):
    """``promotion:`` section: the SPRT gate of a candidate against the champion (``engine.evaluation.promotion``)."""

    SECTION = "promotion"

    elo0: float = 0.0  # H0: candidate - champion = elo0 (Elo)
    elo1: Annotated[float, NotBelow("elo0", strict=True)] = 40.0  # H1: candidate - champion = elo1
    alpha: OpenShare = 0.05  # P(accept | H0)
    beta: OpenShare = 0.05  # P(reject | H1)
    min_games: NonNegInt = 40  # no decision before this many games
    # "inconclusive" (no promotion) when reached without a decision
    max_games: Annotated[int, Range(lo=1), NotBelow("min_games")] = 1000
    batch_pairs: Count = 32  # colour-swapped pairs (blocks) played per lockstep batch
    opening_moves: NonNegInt = 4
    max_moves: NonNegInt = 5000
    concurrency: NonNegInt = 0

    def __post_init__(self) -> None:
        if not (0 < self.alpha < 1 and 0 < self.beta < 1) or self.elo1 <= self.elo0:
            raise ValueError(f"bad SPRT settings {self}: need 0 < alpha, beta < 1 and elo1 > elo0")
        if self.min_games < 0 or self.max_games < 1 or self.max_games < self.min_games or self.batch_pairs < 1:
            raise ValueError(f"bad promotion settings {self}")
        if self.opening_moves < 0 or self.max_moves < 0 or self.concurrency < 0:
            raise ValueError(f"bad promotion settings {self}")


# The words of ``ladder.anchors``; ``engine.evaluation.ladder.anchor_spec`` turns one into a player.
ANCHOR_WORDS = ("random", "heuristic_v1", "heuristic_v2", "mcts")
ANCHOR_FORMS = "random, heuristic_v1, heuristic_v2, heuristic:PROFILE, mcts, mcts-N"
_ANCHOR = Matches(r"random|heuristic_.*|heuristic:.+|mcts|mcts-[0-9]*[1-9][0-9]*", f"an anchor ({ANCHOR_FORMS})")


@dataclass(frozen=True)
class LadderSettings(_FromConfig):
    """``ladder:`` section of the config (``ringrift ladder``; docs/EVALUATION.md, "Strength ladder")."""

    SECTION = "ladder"

    anchors: tuple[Annotated[str, _ANCHOR], ...] = ANCHOR_WORDS  # see ANCHOR_FORMS
    mcts_simulations: Count = 200  # budget of the PUCT anchor ("mcts"; the MCTSPlayer default)
    mcts_profile: NonEmpty = "heuristic_v1"  # heuristic evaluator of the PUCT anchor
    champions: bool = True  # every champion of the config, at the loop's evaluation budget
    policy: bool = True  # and each champion's raw policy network (no search)
    target_ci: PositiveFloat = 50.0  # Elo: wanted half-width of the 95% interval on each pair that matters
    separated_elo: NonNegFloat = 200.0  # a pair whose 95% interval lies wholly beyond this gap is resolved
    prior_draws: NonNegFloat = 0.25  # virtual draws per pair in the ladder's fit (engine.evaluation.ladder)
    initial_pairs: Count = 8  # colour-swapped blocks per pair of the first round's chain
    round_pairs: Count = 8  # blocks added to each chosen pair per later round
    pairs_per_round: Count = 4  # unresolved pairs (widest intervals first) that get games each round
    max_games: NonNegInt = 6000  # games per run of the command, over all pairs (0: report only)
    max_games_per_pair: Count = 400  # a pair with this many games gets no more
    opening_moves: NonNegInt = 4  # random opening moves shared by the games of a block
    max_moves: NonNegInt = 5000  # per game (0 = none); a capped game is a draw
    concurrency: NonNegInt = 0  # games in flight in lockstep (0 = all of a round)
    seed: NonNegInt = 0

    def __post_init__(self) -> None:
        bad = [k for k in ("mcts_simulations", "initial_pairs", "round_pairs", "pairs_per_round",
                           "max_games_per_pair") if int(getattr(self, k)) < 1]
        bad += ["max_games"] if self.max_games < 0 else []
        if bad or self.target_ci <= 0 or self.separated_elo < 0 or self.prior_draws < 0 or self.opening_moves < 0 \
                or self.max_moves < 0 or self.concurrency < 0:
            raise ValueError(f"bad ladder settings {self}" + (f" ({', '.join(bad)} out of range)" if bad else ""))
        for w in self.anchors:
            if _ANCHOR.problem(str(w).strip()):
                raise ValueError(f"unknown ladder anchor {w!r} (known: {ANCHOR_FORMS})")


# -- the ops section: the health check, the watchdog and the worker launcher (ops/) ----------------

STUCK_ACTIONS = ("crash", "cancel", "reschedule", "report")
LATE_ACTIONS = ("report", "reschedule", "cancel")


@dataclass(frozen=True)
class HealthSettings:
    prefect_timeout_seconds: PositiveFloat = 5.0  # every Prefect API call of the snapshot
    require_prefect: bool = False  # PREFECT_API_URL unset: a failure (True) or a skipped check (False)
    worker_offline_seconds: Count = 120  # a worker whose last heartbeat is older counts as offline
    pools: tuple[str, ...] = ("cpu", "gpu")  # pools that should have an online worker
    pool_without_worker: Annotated[str, OneOf("warn", "fail")] = "warn"
    crashed_window_hours: PositiveFloat = 24.0  # crashed / failed runs counted over this window
    late_after_seconds: Count = 300  # a scheduled run this far past its start time is late
    # a scheduled run this far past its start time is overdue (nothing runs it: unhealthy), and a
    # deployment whose active schedule has been in place this long must have an upcoming run
    overdue_after_seconds: int = 1800
    min_free_disk_gb: NonNegFloat = 2.0  # the cache's disk below this: fail
    warn_free_disk_gb: Annotated[float, Range(lo=0), NotBelow("min_free_disk_gb")] = 10.0  # ... below this: warn
    champion_max_age_hours: NonNegFloat = 0.0  # a champion older than this: warn (0 = never)


@dataclass(frozen=True)
class WatchdogSettings:
    interval_seconds: Count = 120  # between passes (``ringrift watchdog`` without --once)
    stuck_action: Annotated[str, OneOf(*STUCK_ACTIONS)] = "crash"
    late_action: Annotated[str, OneOf(*LATE_ACTIONS)] = "report"
    heartbeat_timeout_seconds: NonNegInt = 300  # a running run without a heartbeat this long is stuck (0 = off)
    late_after_seconds: Count = 900
    # (when a running run is stuck comes from orchestration.timeouts: OrchestrationConfig.watchdog_limits)
    backoff_seconds: NonNegInt = 600  # wait before acting on the same run again; doubles each time
    max_actions_per_run: NonNegInt = 3  # then the run is only reported
    max_actions_per_hour: NonNegInt = 10  # over all runs: no restart storm
    tag: str | None = "ringrift"  # only runs with this tag (None: every run)
    emit_events: bool = True  # a ringrift.watchdog.* event per finding acted on
    state_file: NonEmpty = "watchdog-state.json"  # relative -> under home


@dataclass(frozen=True)
class WorkerSettings:
    cpu_pool: NonEmpty = "cpu"
    gpu_pool: NonEmpty = "gpu"
    worker_type: NonEmpty = "process"
    cpu_limit: NonNegInt = 0  # concurrent flow runs of the CPU worker (0 = half the cores, at least 1)
    gpu_limit: Count = 1  # per GPU worker: one flow run per GPU
    heartbeat_seconds: Count = 30  # PREFECT_FLOWS_HEARTBEAT_FREQUENCY of the flow runs
    env: Mapping[str, str] = field(default_factory=dict)  # extra environment of every worker


@dataclass(frozen=True)
class OpsSettings:
    health: HealthSettings = field(default_factory=HealthSettings)
    watchdog: WatchdogSettings = field(default_factory=WatchdogSettings)
    workers: WorkerSettings = field(default_factory=WorkerSettings)


def _ops_part(cls, data: Any):
    """One part of the ops section from a mapping or a dataclass (a ``ValueError`` naming the key)."""
    if data is None:
        return cls()
    if isinstance(data, cls):
        return data
    if dataclasses.is_dataclass(data):
        data = dataclasses.asdict(data)
    data = dict(data)
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(f"ops.{cls.__name__.removesuffix('Settings').lower()}: unknown key {unknown[0]!r} "
                         f"(known: {', '.join(sorted(known))})")
    kwargs = {}
    for k, v in data.items():
        default = getattr(cls(), k)
        if isinstance(default, tuple) and isinstance(v, list):
            v = tuple(v)
        kwargs[k] = v
    obj = cls(**kwargs)
    for name, allowed in (("stuck_action", STUCK_ACTIONS), ("late_action", LATE_ACTIONS),
                          ("pool_without_worker", ("warn", "fail"))):
        if hasattr(obj, name) and getattr(obj, name) not in allowed:
            raise ValueError(f"ops: {name} must be one of {', '.join(allowed)}, got {getattr(obj, name)!r}")
    return obj


def ops_settings(cfg: Any = None) -> OpsSettings:
    """The ops section of ``cfg`` (a ``ForgeConfig``, a mapping with an ``ops`` key or any object
    with an ``ops`` attribute: a mapping or a dataclass with these fields); the defaults without one."""
    sec = getattr(cfg, "ops", None) if cfg is not None and not isinstance(cfg, Mapping) else (
        cfg.get("ops") if isinstance(cfg, Mapping) else None)
    if sec is None:
        return OpsSettings()
    if isinstance(sec, OpsSettings):
        return sec
    if dataclasses.is_dataclass(sec):
        sec = {f.name: getattr(sec, f.name) for f in dataclasses.fields(sec)}
    sec = dict(sec)
    return OpsSettings(health=_ops_part(HealthSettings, sec.get("health")),
                       watchdog=_ops_part(WatchdogSettings, sec.get("watchdog")),
                       workers=_ops_part(WorkerSettings, sec.get("workers")))


@dataclass(frozen=True)
class ForgeConfig:
    version: Annotated[int, OneOf(1)] = 1
    home: NonEmpty = "var"
    storage: StorageConfig = field(default_factory=StorageConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    selfplay: SelfplayConfig = field(default_factory=SelfplayConfig)
    loop: LoopConfig = field(default_factory=LoopConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    calibration: CalibrationConfig = field(default_factory=CalibrationConfig)
    evaluation: EloSettings = field(default_factory=EloSettings)
    gauntlet: GauntletSettings = field(default_factory=GauntletSettings)
    promotion: PromotionSettings = field(default_factory=PromotionSettings)
    ladder: LadderSettings = field(default_factory=LadderSettings)
    orchestration: OrchestrationConfig = field(default_factory=OrchestrationConfig)
    ops: OpsSettings = field(default_factory=OpsSettings)
    source: str = "<defaults>"  # the file it was read from (not a YAML key)

    # -- resolved locations ----------------------------------------------------------------------
    @property
    def home_path(self) -> Path:
        return Path(self.home).expanduser().resolve()

    def local_path(self, p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else self.home_path / q

    @property
    def storage_url(self) -> str:
        """The artifact store URL with a relative local path made absolute under ``home``."""
        u = self.storage.url
        if "://" not in u:
            return "file://" + str(self.local_path(u))
        if u.startswith("file://") and not u[len("file://"):].startswith("/"):
            return "file://" + str(self.local_path(u[len("file://"):]))
        return u

    @property
    def cache_path(self) -> Path:
        return self.local_path(self.storage.cache_dir)

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute under ``home``."""
        u = self.database.url
        prefix = "sqlite:///"
        if u.startswith(prefix) and not u[len(prefix):].startswith("/") and u[len(prefix):] not in ("", ":memory:"):
            return prefix + str(self.local_path(u[len(prefix):]))
        return u


# env var -> dotted key; values are parsed with the key's type
ENV_OVERRIDES: dict[str, str] = {
    HOME_ENV: "home",
    "RINGRIFT_STORE_URL": "storage.url",
    "RINGRIFT_CACHE_DIR": "storage.cache_dir",
    "RINGRIFT_S3_ENDPOINT_URL": "storage.s3_endpoint_url",
    "RINGRIFT_S3_REGION": "storage.s3_region",
    "RINGRIFT_DB_URL": "database.url",
    "RINGRIFT_DEVICE": "network.device",
    "RINGRIFT_NETWORK_SIZE": "network.size",
    "RINGRIFT_PROFILE": "loop.profile",
}


_NONE = type(None)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Field name -> declared type with its rules (``Annotated``)."""
    return typing.get_type_hints(cls, include_extras=True)


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _type_name(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if origin in (collections.abc.Mapping, dict) or dataclasses.is_dataclass(tp):
        return "a mapping"
    if origin in (list, tuple, collections.abc.Sequence):
        return "a list"
    return {int: "an integer", float: "a number", bool: "true/false", str: "a string", _NONE: "null"}.get(
        tp, getattr(tp, "__name__", str(tp)))


def _check_type(value: Any, tp: Any, where: str) -> Any:
    """``value`` converted to ``tp`` (lists -> tuples, ints -> floats), its rules checked; a
    ``ConfigError`` with ``key=where`` otherwise."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *rules = typing.get_args(tp)
        value = _check_type(value, base, where)
        for rule in rules:
            problem = rule.problem(value) if hasattr(rule, "problem") else None
            if problem:
                raise ConfigError(problem, key=where)
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and _NONE in args:
            return None
        options = [a for a in args if a is not _NONE]
        if len(options) == 1:  # Optional[X]: X's own error is the precise one
            return _check_type(value, options[0], where)
        for a in options:
            try:
                return _check_type(value, a, where)
            except ConfigError:
                pass
        raise ConfigError(f"expected {_type_name(tp)}, got {value!r}", key=where)
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a mapping, got {value!r}", key=where)
        _, vt = typing.get_args(tp)
        return {str(k): _check_type(v, vt, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"expected a list, got {value!r}", key=where)
        (et, *_) = typing.get_args(tp) or (Any,)
        return tuple(_check_type(v, et, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a mapping, got {value!r}", key=where)
        return _build(tp, value, where)
    if tp is Any:
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is float and isinstance(value, float) and value != value:
        raise ConfigError("expected a number, got nan", key=where)
    if tp is bool and not isinstance(value, bool):
        raise ConfigError(f"expected true/false, got {value!r}", key=where)
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"expected an integer, got {value!r}", key=where)
    if not isinstance(value, tp):
        raise ConfigError(f"expected {_type_name(tp)}, got {value!r}", key=where)
    return value


def _relations(cls: type, values: Mapping[str, Any], where: str) -> None:
    """The rules of ``cls``'s fields that compare a field with a sibling (``KeyOf``, ``NotBelow``)."""
    for name, tp in _hints(cls).items():
        if name not in values:
            continue
        for rule in _rules_of(tp):
            problem = rule.relation(values[name], values) if hasattr(rule, "relation") else None
            if problem:
                raise ConfigError(problem, key=f"{where}.{name}" if where else name)


def _rules_of(tp: Any) -> list:
    """The rules of a field type (``Annotated[X, ...]`` or ``Annotated[X, ...] | None``)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [r for a in typing.get_args(tp) for r in _rules_of(a)]
    return list(typing.get_args(tp)[1:]) if typing.get_origin(tp) is Annotated else []


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = sorted(str(k) for k in data if k not in names)  # YAML keys may be numbers
    if unknown:
        close = difflib.get_close_matches(unknown[0], names, n=1, cutoff=0.6)
        raise ConfigError("unknown key (" + (f"did you mean {close[0]!r}? " if close else "")
                          + f"known here: {', '.join(sorted(names))})",
                          key=f"{where}.{unknown[0]}" if where else unknown[0])
    kwargs = {k: _check_type(v, hints[k], f"{where}.{k}" if where else k) for k, v in data.items()}
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in kwargs and not _has_default(f)]
    if missing:
        raise ConfigError(f"missing required key {missing[0]!r} (required here: "
                          f"{', '.join(f.name for f in dataclasses.fields(cls) if not _has_default(f))})",
                          key=where or None)
    defaults = {f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()
                for f in dataclasses.fields(cls) if f.name != "source" and f.name not in kwargs and _has_default(f)}
    _relations(cls, {**defaults, **kwargs}, where)
    try:
        return cls(**kwargs)
    except (ValueError, TypeError) as e:  # a section's own check (__post_init__)
        if isinstance(e, ConfigError) and e.key:
            raise
        msg = e.message if isinstance(e, ConfigError) else str(e)
        key, sep, rest = msg.partition(": ")
        if sep and where and (key == where or key.startswith(where + ".")):  # it named its key already
            raise ConfigError(rest, key=key) from None
        raise ConfigError(msg, key=where or None) from None


def _has_default(f: dataclasses.Field) -> bool:
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def _check_relations(obj: Any, where: str = "") -> None:
    """``_relations`` over the whole built tree (run again after the environment overrides)."""
    if not dataclasses.is_dataclass(obj):
        return
    _relations(type(obj), {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}, where)
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        sub = f"{where}.{f.name}" if where else f.name
        if dataclasses.is_dataclass(v):
            _check_relations(v, sub)
        elif isinstance(v, Mapping):
            for k, item in v.items():
                _check_relations(item, f"{sub}.{k}")
        elif isinstance(v, tuple):
            for i, item in enumerate(v):
                _check_relations(item, f"{sub}[{i}]")


def _parse_env(raw: str, tp: Any, where: str) -> Any:
    """A variable's text as a value of ``tp`` (then checked like a value from the file)."""
    args = [a for a in typing.get_args(tp) if a is not _NONE] if typing.get_origin(tp) in (
        typing.Union, types.UnionType) else [tp]
    if raw == "" and _NONE in typing.get_args(tp):
        return None
    base = args[0]
    while typing.get_origin(base) is Annotated:
        base = typing.get_args(base)[0]
    try:
        if base is int:
            return int(raw)
        if base is float:
            return float(raw)
    except ValueError:
        raise ConfigError(f"expected {_type_name(base)}, got {raw!r}", key=where) from None
    if base is bool:
        if raw.strip().lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            raise ConfigError(f"expected true/false (1/0, yes/no, on/off), got {raw!r}", key=where)
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


def _set_dotted(cfg: Any, dotted: str, raw: str, where: str = "") -> Any:
    head, _, rest = dotted.partition(".")
    where = f"{where}.{head}" if where else head
    if rest:
        return dataclasses.replace(cfg, **{head: _set_dotted(getattr(cfg, head), rest, raw, where)})
    tp = _hints(type(cfg))[head]
    return dataclasses.replace(cfg, **{head: _check_type(_parse_env(raw, tp, where), tp, where)})


def config_from_dict(data: Mapping[str, Any] | None, source: str = "<dict>",
                     env: Mapping[str, str] | None = None) -> ForgeConfig:
    """Build a ``ForgeConfig`` from parsed YAML (``None`` = all defaults), then apply ``env``
    overrides; every value is checked against its field's type and rules (``ConfigError``)."""
    data = dict(data or {})
    try:
        cfg = _build(ForgeConfig, data, "")
    except ConfigError as e:
        raise e.located(file=source) from None
    cfg = dataclasses.replace(cfg, source=source)
    overridden: dict[str, str] = {}
    for var, dotted in ENV_OVERRIDES.items():
        if env is not None and var in env:
            try:
                cfg = _set_dotted(cfg, dotted, env[var])
            except ConfigError as e:
                raise ConfigError(e.message, key=dotted, var=var) from None
            overridden[dotted] = var
    try:
        _check_relations(cfg)
    except ConfigError as e:
        # a relation broken by an override names the variable, else the file
        var = overridden.get(e.key or "")
        raise (e.located(var=var) if var else e.located(file=source)) from None
    return cfg


def yaml_line(text: str, dotted: str) -> int | None:
    """The 1-based line of ``dotted`` (``a.b[2].c``) in YAML ``text``, or ``None``."""
    import yaml

    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", dotted):
        if part.startswith("[") and isinstance(node, yaml.SequenceNode) and int(part[1:-1]) < len(node.value):
            node = node.value[int(part[1:-1])]
            line = node.start_mark.line
        elif isinstance(node, yaml.MappingNode) and any(k.value == part for k, _ in node.value):
            key, node = next((k, v) for k, v in node.value if k.value == part)
            line = key.start_mark.line  # the key's line (a nested section's value starts below it)
        else:
            return None
    return None if line is None else line + 1


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ForgeConfig:
    """Read the config file (``path``, else ``$RINGRIFT_CONFIG_PATH``, else ``config/unified_loop.yaml``)."""
    import yaml

    env = os.environ if env is None else env
    p = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    try:
        text = p.read_text()
    except OSError as e:
        from_env = not path and env.get(CONFIG_ENV)  # say where the path came from
        raise ConfigError(f"cannot read config file {p}: {e.strerror}", var=CONFIG_ENV if from_env else None) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"not a UTF-8 text file (byte {e.start})", file=str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = " ".join(str(x) for x in (getattr(e, "problem", None), getattr(e, "context", None)) if x) or str(e)
        col = f" (column {mark.column + 1})" if mark is not None else ""
        raise ConfigError(f"invalid YAML: {' '.join(what.split())}{col}", file=str(p),
                          line=mark.line + 1 if mark is not None else None) from None
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError("the top level must be a mapping of keys", file=str(p))
    try:
        return config_from_dict(data, str(p), env)
    except ConfigError as e:
        if e.var or not e.key or e.line:
            raise
        raise e.located(line=yaml_line(text, e.key)) from None
