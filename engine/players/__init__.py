"""Players: the ``Player`` interface, the random and heuristic players, and match running.

    from engine.players import HeuristicPlayer, RandomPlayer, play_match
    r = play_match("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], seed=0)
    print(r.winner, r.victory_reason, len(r.moves))
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

__all__ = [
    "DEFAULT_PROFILE", "Evaluator", "FEATURES", "GumbelPlayer", "HeuristicEvaluator", "HeuristicPlayer", "LockstepRun",
    "MCTSPlayer", "MOVE_CAP", "MatchResult", "Player", "PolicyPlayer", "ProfileError", "RandomPlayer", "SearchStats",
    "SeriesResult", "WIN_SCORE", "feature_vectors", "load_profile", "make_player", "play_lockstep", "play_match",
    "play_series", "player_scores", "seat_players", "terminal_values",
]


def make_player(kind: str, seed: int = 0, **kwargs) -> Player:
    """A player by kind name: ``"random"``, ``"heuristic"`` (kwargs: ``profile``, ``name``), ``"mcts"`` or
    ``"gumbel"`` (kwargs: the player's options; with no ``evaluator``, ``checkpoint`` (a path) builds a
    ``NetworkEvaluator`` on ``device`` (default auto), else ``profile`` a ``HeuristicEvaluator``), or
    ``"policy"`` (the raw policy, no search: ``evaluator`` or ``checkpoint``)."""
    if kind == "random":
        return RandomPlayer(seed, **kwargs)
    if kind == "heuristic":
        return HeuristicPlayer(seed, **kwargs)
    if kind in ("mcts", "gumbel"):
        profile = kwargs.pop("profile", None)
        checkpoint = kwargs.pop("checkpoint", None)
        device = kwargs.pop("device", "auto")
        if kwargs.get("evaluator") is None and checkpoint is not None:
            from engine.nn.evaluator import NetworkEvaluator

            kwargs["evaluator"] = NetworkEvaluator.from_checkpoint(str(checkpoint), device=device)
        if kwargs.get("evaluator") is None:
            kwargs["evaluator"] = HeuristicEvaluator(profile) if profile is not None else HeuristicEvaluator()
        cls = MCTSPlayer if kind == "mcts" else GumbelPlayer
        return cls(seed=seed, **kwargs)
    if kind == "policy":  # the raw policy network, no search: needs an evaluator or a checkpoint
        checkpoint = kwargs.pop("checkpoint", None)
        device = kwargs.pop("device", "auto")
        if kwargs.get("evaluator") is None and checkpoint is not None:
            from engine.nn.evaluator import NetworkEvaluator

            kwargs["evaluator"] = NetworkEvaluator.from_checkpoint(str(checkpoint), device=device)
        return PolicyPlayer(seed=seed, **kwargs)
    raise ValueError(f"unknown player kind {kind!r} (known: random, heuristic, mcts, gumbel, policy)")
