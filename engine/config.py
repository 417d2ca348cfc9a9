"""The one configuration type: ``ForgeConfig``, read from ``config/unified_loop.yaml``.

    from engine.config import load_config
    cfg = load_config()                 # $RINGRIFT_CONFIG_PATH or config/unified_loop.yaml, then env overrides
    cfg.storage.url, cfg.database.url

Every section is a frozen dataclass; the YAML file may set any subset of keys (defaults fill the
rest). An unknown key or a value of the wrong type is a ``ConfigError`` naming the file and the
dotted key, so a typo never silently falls back to a default.

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
import os
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from engine.analysis.settings import OpsSettings
from engine.data.gates import GateConfig
from engine.evaluation.settings import EloSettings, GauntletSettings, PromotionSettings
from engine.evaluation.ladder import LadderSettings

CONFIG_ENV = "RINGRIFT_CONFIG_PATH"
HOME_ENV = "RINGRIFT_HOME"
DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "unified_loop.yaml"


class ConfigError(ValueError):
    """A configuration file or override is invalid; the message names the file and key."""


@dataclass(frozen=True)
class StorageConfig:
    """Where artifacts live: ``file://`` (local folder), ``s3://bucket/prefix`` or ``memory://``."""

    url: str = "store"  # relative -> {home}/store
    cache_dir: str = "cache"  # local cache of remote objects (sync, model distribution)
    s3_endpoint_url: str | None = None  # e.g. http://minio:9000; None = AWS
    s3_region: str | None = None


@dataclass(frozen=True)
class DatabaseConfig:
    """SQLAlchemy URL: SQLite (WAL) by default, ``postgresql+psycopg://...`` on a cluster."""

    url: str = "sqlite:///forge.db"  # relative sqlite path -> {home}/forge.db


@dataclass(frozen=True)
class NetworkSize:
    """Residual tower dimensions (see ``engine.nn.network``)."""

    channels: int
    blocks: int
    se_ratio: int = 4  # squeeze-excitation reduction; 0 disables SE
    policy_channels: int = 32  # hidden channels of the policy head before the per-move logits
    value_hidden: int = 64


@dataclass(frozen=True)
class NetworkConfig:
    """Network sizes by name; ``size`` is the one selfplay/training use unless told otherwise."""

    size: str = "tiny"
    sizes: Mapping[str, NetworkSize] = field(default_factory=lambda: {
        "tiny": NetworkSize(channels=32, blocks=2, se_ratio=4, policy_channels=16, value_hidden=32),
        "standard": NetworkSize(channels=128, blocks=10, se_ratio=4, policy_channels=32, value_hidden=128),
    })
    device: str = "auto"  # auto = cuda when available, else cpu

    def size_of(self, name: str | None = None) -> NetworkSize:
        key = name or self.size
        if key not in self.sizes:
            raise ConfigError(f"unknown network size {key!r} (configured: {', '.join(sorted(self.sizes))})")
        return self.sizes[key]


@dataclass(frozen=True)
class SelfplayTemperatureConfig:
    """Self-play move temperature by ply and generation (``engine.training.temperature``)."""

    kind: str = "step"  # constant | step | linear | exponential
    initial: float = 1.0
    final: float = 0.0  # 0 = best move
    plies: int = 30  # step: plies at `initial`; linear: plies to reach `final`
    half_life: float = 15.0  # exponential
    generation_decay: float = 1.0  # 1 = same schedule every generation
    min_generation_factor: float = 0.0


@dataclass(frozen=True)
class CalibrationConfig:
    bins: int = 10
    objective: str = "mse"  # mse | nll
    seats: str = "first"  # first | all
    weight_by_count: bool = False
    history: str = "calibration.jsonl"  # relative -> under home


@dataclass(frozen=True)
class SelfplayConfig:
    """Self-play batches (``engine.loop.run_selfplay``)."""

    games_per_batch: int = 16
    engine: str = "auto"  # auto: gumbel with the champion network, heuristic until there is one
    simulations: int = 32  # gumbel simulations per move with a network
    max_considered: int = 8  # gumbel sampled actions at the root
    max_moves: int = 2000  # safety cap per game (a capped game is never exported)
    concurrency: int = 0  # games in lockstep (0 = the whole batch)
    temperature: SelfplayTemperatureConfig = field(default_factory=SelfplayTemperatureConfig)


@dataclass(frozen=True)
class LoopConfig:
    """The generation loop (``engine.loop``; the Prefect master loop uses the same keys)."""

    profile: str = "minimal"  # which entry of profiles runs
    profiles: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "minimal": ("square8_2p",),
        "standard": ("square8_2p", "square8_3p", "square8_4p", "hex8_2p"),
        "full": tuple(f"{b}_{n}p" for b in ("square8", "hex8", "square19", "hexagonal") for n in (2, 3, 4)),
    })
    train_threshold_games: int = 64  # new games since the last training before a new training starts
    selfplay_batches: int = 1  # selfplay batches per generation and config
    keep_candidates: int = 5  # prune keeps the last K candidates per config (every champion is kept)

    def configs(self, profile: str | None = None) -> tuple[str, ...]:
        key = profile or self.profile
        if key not in self.profiles:
            raise ConfigError(f"unknown loop profile {key!r} (configured: {', '.join(sorted(self.profiles))})")
        return self.profiles[key]


@dataclass(frozen=True)
class WindowConfig:
    """KataGo's sublinear training window (``engine.data.window.data_window``)."""

    min_window: int = 250_000
    alpha: float = 0.75
    beta: float = 0.4
    max_window: int | None = None


@dataclass(frozen=True)
class ExportConfig:
    """Shards -> NPZ (``engine.data.export``)."""

    val_fraction: float = 0.05
    chunk_samples: int | None = None  # None = per-board default (about 16 MB of planes per chunk)
    dedup: bool = True
    include_capped: bool = False
    compress: bool = True
    shuffle: bool = True
    seed: int = 0
    shard_compression: str = "zstd"
    max_reuse: float = 4.0
    window: WindowConfig = field(default_factory=WindowConfig)
    gates: GateConfig = field(default_factory=GateConfig)


@dataclass(frozen=True)
class TrainingConfig:
    """The trainer's hyperparameters (``engine.training``)."""

    batch_size: int = 256
    lr: float = 2e-3  # peak learning rate (AdamW)
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    epochs: int = 4  # passes over the training split (the cosine schedule spans them)
    max_steps: int = 0  # 0 = no cap beyond epochs
    grad_clip: float = 1.0
    value_weight: float = 1.0
    policy_weight: float = 1.0
    checkpoint_every: int = 200  # steps; a checkpoint is also written at the end
    early_stop_patience: int = 2  # epochs without a better validation loss; 0 = never stop early
    shuffle_chunks: int = 4  # NPZ chunks mixed together when shuffling (bounds memory)
    augment: bool = True  # a random board symmetry per sample
    amp: str = "auto"  # CUDA autocast: auto (bf16 if supported, else fp16), bf16, fp16, off
    seed: int = 0


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
    profile_stages: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "minimal": ("selfplay", "export", "train", "promotion"),
        "standard": ("selfplay", "sync", "export", "train", "gauntlet", "promotion"),
        "full": ("selfplay", "sync", "export", "train", "gauntlet", "promotion", "analysis"),
    })
    # work pools (process type; kubernetes / docker use deployments/*-job-template.json)
    cpu_pool: str = "cpu"
    gpu_pool: str = "gpu"
    cpu_pool_type: str = "process"
    gpu_pool_type: str = "process"
    # work queues of each pool and their priorities (1 = served first)
    queue_priorities: Mapping[str, int] = field(default_factory=lambda: {
        "promotion": 1, "evaluation": 2, "training": 3, "maintenance": 4, "selfplay": 5})
    # schedules (0 / "" = no schedule)
    selfplay_interval_seconds: int = 900  # the selfplay/<config> deployments of the active profile
    selfplay_games: int = 0  # games per scheduled selfplay run; 0 = loop.train_threshold_games
    sync_interval_seconds: int = 300  # sync/default
    evaluation_interval_seconds: int = 3600  # analysis/default (ratings, status)
    health_interval_seconds: int = 300  # health/default
    prune_cron: str = "30 3 * * *"  # prune/default (daily)
    master_loop_interval_seconds: int = 0  # master-loop/<profile>; 0 = run by hand only
    # crash / zombie detection: no heartbeat for this long -> the run is marked Crashed, then
    # rescheduled (retried) up to crash_retries times
    heartbeat_seconds: int = 30
    zombie_seconds: int = 180
    crash_retries: int = 2
    # selfplay allocation across configs (flows.allocation): weights by Elo progress
    bootstrap_weight: float = 2.0  # no champion yet
    improving_weight: float = 1.5  # the last promotion was accepted
    steady_weight: float = 1.0
    # Prefect task options per stage (overrides of DEFAULT_RUNTIME)
    retries: Mapping[str, int] = field(default_factory=dict)
    retry_delays: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
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
                raise ConfigError(f"orchestration.timeouts.{stage}: must be a positive number of seconds, got {seconds!r}")
        if self.flow_timeout_factor < 1:
            raise ConfigError(f"orchestration.flow_timeout_factor: must be at least 1 (a flow runs its stages), "
                              f"got {self.flow_timeout_factor!r}")
        if self.watchdog_margin_seconds < 0:
            raise ConfigError(f"orchestration.watchdog_margin_seconds: must be >= 0, got {self.watchdog_margin_seconds!r}")

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


@dataclass(frozen=True)
class ForgeConfig:
    version: int = 1
    home: str = "var"
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


def _check_type(value: Any, tp: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for a in args:
            if a is type(None):
                continue
            try:
                return _check_type(value, a, where)
            except ConfigError:
                pass
        raise ConfigError(f"{where}: expected {tp}, got {value!r}")
    if origin in (collections.abc.Mapping, dict):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        _, vt = typing.get_args(tp)
        return {str(k): _check_type(v, vt, f"{where}.{k}") for k, v in value.items()}
    if origin in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        (et, *_) = typing.get_args(tp) or (Any,)
        return tuple(_check_type(v, et, f"{where}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(tp):
        if isinstance(value, tp):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        return _build(tp, value, where)
    if tp is Any:
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {tp.__name__}, got {value!r}")
    return value


def _build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    unknown = sorted(set(data) - names)
    if unknown:
        key = f"{where}.{unknown[0]}" if where else unknown[0]
        raise ConfigError(f"unknown key {key!r} (known here: {', '.join(sorted(names))})")
    kwargs = {k: _check_type(v, hints[k], f"{where}.{k}" if where else k) for k, v in data.items()}
    return cls(**kwargs)


def _parse_env(raw: str, tp: Any) -> Any:
    args = typing.get_args(tp)
    base = next((a for a in args if a is not type(None)), tp) if args else tp
    if raw == "" and type(None) in args:
        return None
    if base is int:
        return int(raw)
    if base is float:
        return float(raw)
    if base is bool:
        return raw.lower() in ("1", "true", "yes", "on")
    return raw


def _set_dotted(cfg: Any, dotted: str, raw: str) -> Any:
    head, _, rest = dotted.partition(".")
    hints = typing.get_type_hints(type(cfg))
    if rest:
        return dataclasses.replace(cfg, **{head: _set_dotted(getattr(cfg, head), rest, raw)})
    return dataclasses.replace(cfg, **{head: _parse_env(raw, hints[head])})


def config_from_dict(data: Mapping[str, Any] | None, source: str = "<dict>",
                     env: Mapping[str, str] | None = None) -> ForgeConfig:
    """Build a ``ForgeConfig`` from parsed YAML (``None`` = all defaults), then apply ``env`` overrides."""
    data = dict(data or {})
    try:
        cfg = _build(ForgeConfig, data, "")
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None
    cfg = dataclasses.replace(cfg, source=source)
    for var, dotted in ENV_OVERRIDES.items():
        if env is not None and var in env:
            try:
                cfg = _set_dotted(cfg, dotted, env[var])
            except ValueError as e:
                raise ConfigError(f"environment {var}={env[var]!r} ({dotted}): {e}") from None
    return cfg


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ForgeConfig:
    """Read the config file (``path``, else ``$RINGRIFT_CONFIG_PATH``, else ``config/unified_loop.yaml``)."""
    import yaml

    env = os.environ if env is None else env
    p = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG_PATH)
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {p}: {e.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: invalid YAML: {e}") from None
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(f"{p}: the top level must be a mapping of keys")
    return config_from_dict(data, str(p), env)
