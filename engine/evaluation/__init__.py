"""Evaluation: player specs, match records, Elo ratings, SPRT promotion, gauntlet and tournaments.

A pure library (no orchestration, no database): it plays games through ``engine.players``
(``play_lockstep``, so network evaluations batch) and returns ``MatchRecord``s and reports; the
caller persists them and moves the champion pointer. docs/EVALUATION.md describes the models.

    from engine.evaluation import (EvaluatorCache, PlayerSpec, get_elo_service, run_gauntlet,
                                   run_promotion)
    cand = PlayerSpec("gumbel", model_id="m-0042", simulations=64)
    champ = PlayerSpec("gumbel", model_id="m-0037", simulations=64)
    cache = EvaluatorCache(model_loader)                      # model_id -> Evaluator
    res = run_promotion(cand, champ, "square8_2p", cfg, evaluators=cache)
    rep = run_gauntlet(cand, "square8_2p", champions=[champ], evaluators=cache)
    table = get_elo_service().ratings("square8_2p", rep.records + res.records)
"""

# the settings are config sections (engine.config); exported here for the package's callers
from engine.config import EloSettings, GauntletSettings, LadderSettings, PromotionSettings
from engine.players.spec import RANDOM_SPEC, RANDOM_SPEC_ID, EvaluatorCache, PlayerSpec, make_player

from .elo import (
                  DEFAULT_ANCHORS,
                  EloService,
                  Rating,
                  RatingTable,
                  dedupe_records,
                  fit_ratings,
                  get_elo_service,
                  ratings_by_config,
)
from .gauntlet import (
                  GauntletReport,
                  GauntletRow,
                  PairResult,
                  TournamentReport,
                  default_ladder,
                  run_gauntlet,
                  tournament,
)
from .ladder import LadderPlayer, LadderReport, anchor_players, champion_players, ladder_report
from .ladder_play import LadderRun, run_ladder
from .play import OpeningPlayer, Seating, play_seatings
from .promotion import PromotionResult, run_promotion
from .records import SOURCES, MatchRecord, make_match_id, match_record, match_records_from_results
from .settings import make_config_key, parse_config_key
from .sprt import SPRTState, SPRTSummary, llr_normal, sprt_bounds
from .stats import elo_from_score, expected_score, wilson_interval
from .trend import TrendPoint, elo_trend

__all__ = [
    "DEFAULT_ANCHORS", "EloService", "EloSettings", "EvaluatorCache", "GauntletReport", "GauntletRow",
    "GauntletSettings", "LadderPlayer", "LadderReport", "LadderRun", "LadderSettings", "MatchRecord",
    "OpeningPlayer", "PairResult", "PlayerSpec", "PromotionResult",
    "PromotionSettings", "RANDOM_SPEC", "RANDOM_SPEC_ID", "Rating", "RatingTable", "SOURCES", "SPRTState",
    "SPRTSummary", "Seating", "TournamentReport", "TrendPoint", "anchor_players", "champion_players",
    "dedupe_records", "default_ladder", "elo_from_score",
    "elo_trend", "expected_score", "fit_ratings", "get_elo_service", "ladder_report", "llr_normal", "make_config_key",
    "make_match_id", "make_player", "match_record", "match_records_from_results", "parse_config_key",
    "play_seatings", "ratings_by_config", "run_gauntlet", "run_ladder", "run_promotion", "sprt_bounds", "tournament",
    "wilson_interval",
]
