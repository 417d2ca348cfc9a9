"""Games for the viewer tests: random players (fast, every phase and move type shows up)."""

from __future__ import annotations

import pytest

from engine.data import generate_games


@pytest.fixture(scope="session")
def games():
    """One finished random game per small board and player count."""
    return {(b, n): generate_games(b, n, ["random"] * n, 1, seed=40 + n)[0]
            for b in ("square8", "hex8") for n in (2, 3, 4)}


@pytest.fixture(scope="session")
def shard(tmp_path_factory, games):
    from engine.data import write_shard

    p = tmp_path_factory.mktemp("shard") / "games.jsonl.zst"
    write_shard(list(games.values()), p)
    return p
