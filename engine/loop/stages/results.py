"""What the stages give back: one frozen dataclass per stage, the same whichever way the master
loop runs it (in process, as a Prefect task or subflow, or read back from the database after a
deployment's flow run), and ``StageError`` when a stage cannot produce its result."""

from __future__ import annotations

from dataclasses import dataclass


class StageError(RuntimeError):
    """A stage could not produce its result (the message says why); never a silent default."""


@dataclass(frozen=True)
class SelfplayResult:
    """One batch of self-play games: a shard in the store, its games in the database."""
    config_key: str
    batch_id: str
    shard_id: str
    manifest_id: str
    games: int
    decisions: int
    engine: str
    model_id: str | None
    inserted: int
    quarantined: int
    reused: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class SelfplayStageResult:
    """The selfplay stage of a config: its batches, and the games since the last training after them."""
    config_key: str
    seed: int
    batches: tuple[SelfplayResult, ...]
    games: int
    inserted: int
    games_since_training: int
    threshold: int
    threshold_reached: bool

    @classmethod
    def of(cls, config_key: str, seed: int, batches, games_since_training: int, threshold: int) -> SelfplayStageResult:
        batches = tuple(batches)
        return cls(config_key, int(seed), batches, sum(b.games for b in batches), sum(b.inserted for b in batches),
                   int(games_since_training), int(threshold), games_since_training >= threshold)


@dataclass(frozen=True)
class ExportStageResult:
    config_key: str
    ok: bool
    dataset_id: str | None
    samples: dict
    games: int
    gates: list  # [{name, ok, reason}]
    reason: str = ""
    reused: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class TrainStageResult:
    config_key: str
    run_id: str
    model_id: str
    manifest_id: str
    init: str
    steps: int
    stopped: str
    best_val: float | None
    val_history: tuple = ()
    calibration: dict | None = None  # value-head calibration on the validation split (ECE, fitted scale)
    seconds: float = 0.0
    dataset_id: str | None = None


@dataclass(frozen=True)
class GauntletStageResult:
    config_key: str
    model_id: str
    run_id: str
    rows: list  # GauntletReport.to_rows()
    table: str
    games: int
    new_matches: int
    seconds: float = 0.0


@dataclass(frozen=True)
class PromotionStageResult:
    config_key: str
    model_id: str
    champion_id: str | None
    run_id: str
    decision: str  # accept / reject / inconclusive
    promoted: bool
    sprt: dict
    wins: int
    draws: int
    losses: int
    games: int
    reason: str
    seconds: float = 0.0


@dataclass(frozen=True)
class StageSkipped:
    """A stage that did not run, and why (below the training threshold, an export refused)."""
    config_key: str
    stage: str
    reason: str


@dataclass(frozen=True)
class GenerationResult:
    """One generation of a config: what each stage gave (None: not run), and why it stopped early."""
    config_key: str
    selfplay: tuple[SelfplayResult, ...]
    export: ExportStageResult | None
    training: TrainStageResult | None
    gauntlet: GauntletStageResult | None
    promotion: PromotionStageResult | None
    seconds: float = 0.0
    stopped: str = ""  # why the later stages did not run ("" when nothing stopped it)

    @property
    def summary(self) -> str:
        parts = [f"{self.config_key}: {sum(s.games for s in self.selfplay)} games"]
        if self.export is not None:
            parts.append(f"dataset {self.export.dataset_id[:12] if self.export.dataset_id else '-'} "
                         f"({self.export.samples.get('train', 0)} train samples)" if self.export.ok
                         else f"export refused: {self.export.reason}")
        if self.training is not None:
            parts.append(f"model {self.training.model_id[:12]} ({self.training.steps} steps, {self.training.init})")
        if self.promotion is not None:
            parts.append(f"promotion {self.promotion.decision}: {self.promotion.reason}")
        return "; ".join(parts)


@dataclass(frozen=True)
class ConfigStatus:
    config_key: str
    champion: str | None
    champion_since: str | None
    rating: float | None
    games: int
    games_since_training: int
    last_dataset: str | None
    last_promotion: str | None
