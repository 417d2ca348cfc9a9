"""Players: the ``Player`` interface, the random, heuristic and search players, player specs, and
match running.

    from engine.players import HeuristicPlayer, PlayerSpec, RandomPlayer, make_player, play_match
    r = play_match("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], seed=0)
    print(r.winner, r.victory_reason, len(r.moves))
    p = make_player(PlayerSpec("mcts", simulations=32), seed=3)   # a player from its spec (spec.py)
"""

from .base import Player, SearchStats, seat_players
from .evaluator import Evaluator, HeuristicEvaluator, terminal_values
from .features import FEATURES, WIN_SCORE, feature_vectors, player_scores
from .gumbel import GumbelPlayer
from .heuristic import DEFAULT_PROFILE, HeuristicPlayer, ProfileError, load_profile
from .lockstep import LockstepRun, play_lockstep
from .match import MOVE_CAP, MatchResult, SeriesResult, play_match, play_series
from .mcts import MCTSPlayer
from .policy_player import PolicyPlayer
from .random_player import RandomPlayer
from .spec import KINDS, RANDOM_SPEC, RANDOM_SPEC_ID, EvaluatorCache, PlayerSpec, as_cache, make_player

__all__ = [
    "DEFAULT_PROFILE", "Evaluator", "EvaluatorCache", "FEATURES", "GumbelPlayer", "HeuristicEvaluator",
    "HeuristicPlayer", "KINDS", "LockstepRun", "MCTSPlayer", "MOVE_CAP", "MatchResult", "Player", "PlayerSpec",
    "PolicyPlayer", "ProfileError", "RANDOM_SPEC", "RANDOM_SPEC_ID", "RandomPlayer", "SearchStats", "SeriesResult",
    "WIN_SCORE", "as_cache", "feature_vectors", "load_profile", "make_player", "play_lockstep", "play_match",
    "play_series", "player_scores", "seat_players", "terminal_values",
]
