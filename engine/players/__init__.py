"""Players: the ``Player`` interface, the random and heuristic players, and match running.

    from engine.players import HeuristicPlayer, RandomPlayer, play_match
    r = play_match("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], seed=0)
    print(r.winner, r.victory_reason, len(r.moves))
"""

from .base import Player, SearchStats, seat_players
from .features import FEATURES, WIN_SCORE, feature_vectors, player_scores
from .heuristic import DEFAULT_PROFILE, HeuristicPlayer, ProfileError, load_profile
from .match import MOVE_CAP, MatchResult, SeriesResult, play_match, play_series
from .random_player import RandomPlayer

__all__ = [
    "DEFAULT_PROFILE", "FEATURES", "HeuristicPlayer", "MOVE_CAP", "MatchResult", "Player", "ProfileError",
    "RandomPlayer", "SearchStats", "SeriesResult", "WIN_SCORE", "feature_vectors", "load_profile", "make_player",
    "play_match", "play_series", "player_scores", "seat_players",
]


def make_player(kind: str, seed: int = 0, **kwargs) -> Player:
    """A player by kind name: ``"random"`` or ``"heuristic"`` (kwargs: ``profile``, ``name``)."""
    if kind == "random":
        return RandomPlayer(seed, **kwargs)
    if kind == "heuristic":
        return HeuristicPlayer(seed, **kwargs)
    raise ValueError(f"unknown player kind {kind!r} (known: random, heuristic)")
