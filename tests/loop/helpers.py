"""The loop tests' config: small games, a tiny network, a short SPRT; contexts over a local store + SQLite."""

from __future__ import annotations

from engine.config import config_from_dict
from engine.loop import open_context

SMALL = {"selfplay": {"games_per_batch": 6, "simulations": 4, "max_considered": 4, "max_moves": 600},
         "training": {"batch_size": 64, "epochs": 1, "checkpoint_every": 50, "warmup_steps": 2},
         "network": {"sizes": {"tiny": {"channels": 8, "blocks": 1, "se_ratio": 2, "policy_channels": 8,
                                        "value_hidden": 16}}},
         "export": {"window": {"min_window": 2000}, "gates": {"min_games": 2}, "val_fraction": 0.3},
         "gauntlet": {"games_per_opponent": 2, "ladder_simulations": [4], "include_heuristic": False},
         "promotion": {"min_games": 4, "max_games": 12, "batch_pairs": 2, "elo1": 400.0}}


def make_ctx(path, **over):
    """A context whose home is ``path/home``, with ``SMALL`` and the sections in ``over``."""
    return open_context(config_from_dict({"home": str(path / "home"), **SMALL, **over}, env={}))
