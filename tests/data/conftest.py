"""Shared game records for the data tests (generated once per session; all small and fast)."""

from __future__ import annotations

import pytest

from engine.data import generate_games


@pytest.fixture(scope="session")
def heuristic_games():
    """24 heuristic-vs-heuristic square8 2p games (decision stats over pruned placements)."""
    return generate_games("square8", 2, ["heuristic", "heuristic"], 24, seed=11)


@pytest.fixture(scope="session")
def random_games():
    """Random-player games of the small boards, every player count, played to the end."""
    out = {}
    for board in ("square8", "hex8"):
        for n in (2, 3, 4):
            out[(board, n)] = generate_games(board, n, ["random"] * n, 2, seed=100 + n)
    return out


@pytest.fixture(scope="session")
def heuristic_shards(tmp_path_factory, heuristic_games):
    """The heuristic games as two shards (zstd and gzip)."""
    from engine.data import write_shard
    d = tmp_path_factory.mktemp("shards")
    write_shard(heuristic_games[:12], d / "a.jsonl.zst")
    write_shard(heuristic_games[12:], d / "b.jsonl.gz", compression="gzip")
    return [d / "a.jsonl.zst", d / "b.jsonl.gz"]


@pytest.fixture(scope="session")
def exported(tmp_path_factory, heuristic_shards):
    """A plain export of the heuristic shards (no dedup, no shuffle: samples in game order)."""
    from engine.data import export_replay_dataset
    out = tmp_path_factory.mktemp("export") / "plain"
    rep = export_replay_dataset(heuristic_shards, out, board="square8", num_players=2, chunk_samples=200,
                                val_fraction=0.25, dedup=False, shuffle=False)
    assert rep.ok
    return rep
