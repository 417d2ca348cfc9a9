"""RingRift Forge domain library: pure code with no orchestration (no Prefect, no scheduling).

Subpackages:
    game        the rules engine (states, legal moves, move application, victory)
    players     random, heuristic, PUCT and Gumbel search; matches and lockstep games
    nn          the encoder contract, the PyTorch network, checkpoints, batched inference
    data        game records, shards, ingest, parity gate, NPZ export
    storage     the content-addressed artifact store (file, S3, memory), pointers, sync, prune
    db          the SQL database (SQLAlchemy + Alembic): games, models, matches, ratings
    training    the trainer, curriculum, temperature schedule, value calibration
    evaluation  player specs, Elo, SPRT promotion, gauntlet, tournaments
    loop        the stages of a generation over the store and the database
    config      ForgeConfig, the one configuration type (config/unified_loop.yaml)

Modules used by all of them:
    names       the one rule for ids and names that become paths (check_name, safe_join, UnsafeName)
    redact      the one redaction of secrets in URLs, messages and env vars (redact_url, redact_text)
    atomic      crash-safe local file writes
"""
