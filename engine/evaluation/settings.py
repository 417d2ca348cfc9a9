"""Settings of the evaluation package: Elo fitting, the gauntlet, promotion.

Each settings class mirrors one section of ``config/unified_loop.yaml`` (``evaluation:``,
``gauntlet:``, ``promotion:``) key for key, so ``X.from_config(cfg)`` copies whatever of its keys
the ``ForgeConfig`` section has and keeps the defaults below for the rest (a config without the
section gives the defaults). The evaluation package never imports ``engine.config``: any object
with those attributes (or a mapping) works.

``config_key`` helpers: ``"square8_2p"`` <-> ``("square8", 2)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.game import BOARD_TYPES


def make_config_key(board: str, num_players: int) -> str:
    """``("square8", 2) -> "square8_2p"`` (the ``NetworkArch.config_key`` format)."""
    return f"{board}_{int(num_players)}p"


def parse_config_key(config_key: str) -> tuple[str, int]:
    """``"square8_2p" -> ("square8", 2)``; ValueError for anything else."""
    board, sep, tail = str(config_key).rpartition("_")
    if not sep or board not in BOARD_TYPES or not tail.endswith("p") or tail[:-1] not in ("2", "3", "4"):
        raise ValueError(f"bad config key {config_key!r}: expected BOARD_Np with BOARD in {BOARD_TYPES}, N in 2..4")
    return board, int(tail[:-1])


class _FromConfig:
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

    prior_draws: float = 1.0  # virtual draws added between every pair of players that met
    prior_sd: float = 1000.0  # Gaussian prior sd (Elo) on the seat-1 advantage and on ratings without an anchor
    first_player_advantage: bool = True  # estimate a seat-1 advantage jointly (else fixed at 0)
    max_iter: int = 100  # Newton iterations
    tol: float = 1e-6  # stop when the largest step is below this (Elo)

    def __post_init__(self) -> None:
        if self.prior_draws < 0 or self.prior_sd <= 0 or self.max_iter < 1 or self.tol <= 0:
            raise ValueError(f"bad Elo settings {self}")


@dataclass(frozen=True)
class GauntletSettings(_FromConfig):
    """``gauntlet:`` section: the candidate against the fixed ladder (``engine.evaluation.gauntlet``)."""

    SECTION = "gauntlet"

    games_per_opponent: int = 20  # rounded up to a multiple of the player count (seat balance)
    ladder_simulations: tuple[int, ...] = (16, 64, 256)  # plain MCTS (heuristic evaluator) rungs
    heuristic_profile: str = "heuristic_v1"  # of the heuristic rung and of the MCTS rungs' evaluator
    include_random: bool = True
    include_heuristic: bool = True
    champions: int = 3  # how many of the latest champions the caller should pass in (not enforced here)
    opening_moves: int = 4  # random opening moves, the same for every game of a block
    max_moves: int = 5000  # safety cap per game (0 = none); a capped game is a draw
    concurrency: int = 0  # games in flight in lockstep (0 = all)

    def __post_init__(self) -> None:
        if self.games_per_opponent < 1 or self.opening_moves < 0 or self.max_moves < 0 or self.concurrency < 0:
            raise ValueError(f"bad gauntlet settings {self}")
        if any(int(s) < 1 for s in self.ladder_simulations):
            raise ValueError(f"ladder_simulations must be >= 1: {self.ladder_simulations}")


@dataclass(frozen=True)
class PromotionSettings(_FromConfig):
    """``promotion:`` section: the SPRT gate of a candidate against the champion (``engine.evaluation.promotion``)."""

    SECTION = "promotion"

    elo0: float = 0.0  # H0: candidate - champion = elo0 (Elo)
    elo1: float = 40.0  # H1: candidate - champion = elo1
    alpha: float = 0.05  # P(accept | H0)
    beta: float = 0.05  # P(reject | H1)
    min_games: int = 40  # no decision before this many games
    max_games: int = 1000  # "inconclusive" (no promotion) when reached without a decision
    batch_pairs: int = 32  # colour-swapped pairs (blocks) played per lockstep batch
    opening_moves: int = 4
    max_moves: int = 5000
    concurrency: int = 0

    def __post_init__(self) -> None:
        if not (0 < self.alpha < 1 and 0 < self.beta < 1) or self.elo1 <= self.elo0:
            raise ValueError(f"bad SPRT settings {self}: need 0 < alpha, beta < 1 and elo1 > elo0")
        if self.min_games < 0 or self.max_games < 1 or self.max_games < self.min_games or self.batch_pairs < 1:
            raise ValueError(f"bad promotion settings {self}")
        if self.opening_moves < 0 or self.max_moves < 0 or self.concurrency < 0:
            raise ValueError(f"bad promotion settings {self}")
