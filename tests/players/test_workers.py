"""split_games: games split round robin over forked processes, items back in game order, errors
carried back with the child's traceback."""

from __future__ import annotations

import os

import pytest

from engine.players.workers import WorkerError, default_workers, resolve_workers, split_games


def _job(indices, emit):
    for g in indices:
        emit(g, (g, g * g, os.getpid()))
    return len(indices)


def test_items_in_game_order_from_several_processes():
    seen = []
    items, rets = split_games(_job, 7, 3, on_item=lambda i, item: seen.append(i))
    assert [it[:2] for it in items] == [(g, g * g) for g in range(7)]
    assert sorted(rets) == [2, 2, 3] and sorted(seen) == list(range(7))
    # round robin: game g ran in process g % 3, and not in this one
    pids = [it[2] for it in items]
    assert len(set(pids)) == 3 and os.getpid() not in pids
    assert all(pids[g] == pids[g % 3] for g in range(7))


def test_one_worker_runs_here_and_workers_are_capped_by_games():
    items, rets = split_games(_job, 3, 1)
    assert [it[2] for it in items] == [os.getpid()] * 3 and rets == [3]
    items, rets = split_games(_job, 2, 8)
    assert len(rets) == 2 and [it[0] for it in items] == [0, 1]


def test_a_failing_worker_is_reported_with_its_traceback():
    def job(indices, emit):
        for g in indices:
            if g == 3:
                raise KeyError("game three is broken")
            emit(g, g)

    with pytest.raises(WorkerError, match="game three is broken"):
        split_games(job, 6, 2)


def test_a_dying_worker_is_reported():
    def job(indices, emit):
        if 1 in indices:
            os._exit(7)
        for g in indices:
            emit(g, g)

    with pytest.raises(WorkerError, match="exit code 7"):
        split_games(job, 4, 2)


def test_worker_counts():
    assert default_workers() >= 1
    assert resolve_workers(0) == resolve_workers(None) == default_workers()
    assert resolve_workers(3) == 3
