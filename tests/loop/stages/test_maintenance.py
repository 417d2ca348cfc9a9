"""Sync of the champions into the host's cache, and a dry-run prune."""

from __future__ import annotations

from engine.loop import run_prune, run_selfplay, run_sync
from engine.loop.stages import known_configs


def test_sync_and_prune(ctx):
    run_selfplay(ctx, "square8_2p", 2, seed=5)
    rep = run_sync(ctx)
    assert rep.errors == () or not rep.errors
    pr = run_prune(ctx, dry_run=True, grace_seconds=0)
    assert pr.dry_run


def test_known_configs_are_board_and_players_keys():
    keys = known_configs()
    assert "square8_2p" in keys and all(k.rsplit("_", 1)[1] in ("2p", "3p", "4p") for k in keys)
