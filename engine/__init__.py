"""RingRift Forge domain library: pure code with no orchestration (no Prefect, no scheduling).

Subpackages:
    game        the rules engine (states, legal moves, move application, victory)
Planned: players, nn, data, storage, training, evaluation.
"""
