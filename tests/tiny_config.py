"""The smallest whole generation the tests run (tiny network, a few games, a one-rung ladder, a
short SPRT with loose hypotheses so that a candidate that is not hopeless beats random). Tests that
need other values build on it: ``{**TINY, "loop": {...}}``."""

TINY = {
    "selfplay": {"games_per_batch": 4, "simulations": 2, "max_considered": 2, "max_moves": 400},
    "training": {"batch_size": 64, "epochs": 1, "checkpoint_every": 50, "warmup_steps": 2, "max_steps": 10},
    "network": {"sizes": {"tiny": {"channels": 8, "blocks": 1, "se_ratio": 2, "policy_channels": 8,
                                   "value_hidden": 16}}},
    "export": {"window": {"min_window": 2000}, "gates": {"min_games": 2}, "val_fraction": 0.3},
    "gauntlet": {"games_per_opponent": 2, "ladder_simulations": [], "include_heuristic": False, "max_moves": 400},
    "promotion": {"min_games": 4, "max_games": 16, "batch_pairs": 2, "elo0": -1000.0, "elo1": -600.0,
                  "alpha": 0.25, "beta": 0.25, "max_moves": 400},
    "loop": {"train_threshold_games": 8},
}
