"""Prefect flows (planned): the self-improvement loop composed from `tasks` (selfplay, export, train, gauntlet, promotion)."""
