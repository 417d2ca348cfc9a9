"""Games split over worker processes, with the same results as one process.

    from engine.players.workers import split_games
    out = split_games(play_some, games=64, workers=2)   # play_some(indices, emit) in each process

``split_games`` forks ``workers`` processes; process ``w`` gets the game numbers
``w, w + workers, w + 2 * workers, ...`` (round robin, so long and short games spread evenly) and
calls ``job(indices, emit)``, which plays them and calls ``emit(index, item)`` once per game as it
finishes; the items (picklable) come back to this process, ``on_item(index, item)`` is called as
they arrive, and the list of items in game order is returned together with the ``job``'s own return
value from each process (summed counters, for instance). Nothing about a game depends on the
process it ran in as long as each game is seeded by its number (``play_lockstep`` and
``generate_games`` seed game ``g`` with ``seed + g``) and the evaluator gives a position the same
answer whatever it was batched with (``engine.nn.inference``: ``Inference.min_batch``), so the
split changes the wall time only (``tests/players/test_workers.py``).

Processes are forked (no pickling of the players or networks: the children inherit them), and each
child limits PyTorch to one thread: the workers are what use the cores. Where ``fork`` does not
exist (Windows), or once this process has initialised CUDA (a forked child cannot use it; on a GPU
the batching across games is what pays), the games run in this process. An exception in a child is raised here as a
``WorkerError`` carrying the child's traceback; a child that dies without a word is reported with
its exit code.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import wait
from typing import Any


class WorkerError(RuntimeError):
    """A worker process failed; the message holds its traceback."""


def default_workers() -> int:
    """One process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_workers(workers: int | None) -> int:
    """``0`` / ``None`` -> one per core; otherwise the number given (at least 1)."""
    if workers is None or int(workers) <= 0:
        return default_workers()
    return int(workers)


def _cuda_in_use() -> bool:
    """A forked child cannot use its parent's CUDA context; the GPU batches the games anyway."""
    torch = sys.modules.get("torch")
    return torch is not None and torch.cuda.is_initialized()


def _child(job, indices, conn) -> None:
    try:
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)

        def emit(index: int, item: Any) -> None:
            conn.send(("item", index, item))

        ret = job(indices, emit)
        conn.send(("done", ret))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def split_games(job: Callable[[Sequence[int], Callable[[int, Any], None]], Any], games: int, workers: int,
                on_item: Callable[[int, Any], None] | None = None) -> tuple[list[Any], list[Any]]:
    """Run ``job`` over the game numbers ``0..games-1`` in ``workers`` processes (see the module doc).
    Returns ``(items in game order, [job's return value per process])``."""
    workers = max(1, min(int(workers), games))
    items: list[Any] = [None] * games
    got = [False] * games

    def take(index: int, item: Any) -> None:
        items[index] = item
        got[index] = True
        if on_item is not None:
            on_item(index, item)

    if workers == 1 or "fork" not in mp.get_all_start_methods() or _cuda_in_use():
        return_value = job(list(range(games)), take)
        return items, [return_value]
    ctx = mp.get_context("fork")
    procs = []
    conns = {}
    for w in range(workers):
        recv, send = ctx.Pipe(duplex=False)
        p = ctx.Process(target=_child, args=(job, list(range(w, games, workers)), send), daemon=True,
                        name=f"selfplay-worker-{w}")
        p.start()
        send.close()
        procs.append(p)
        conns[recv] = w
    rets: list[Any] = [None] * workers
    try:
        while conns:
            for conn in wait(list(conns)):
                w = conns[conn]
                try:
                    msg = conn.recv()
                except EOFError:
                    procs[w].join(timeout=10)
                    raise WorkerError(f"worker {w} ended without finishing its games "
                                      f"(exit code {procs[w].exitcode})") from None
                if msg[0] == "item":
                    take(msg[1], msg[2])
                elif msg[0] == "done":
                    rets[w] = msg[1]
                    del conns[conn]
                    conn.close()
                else:
                    raise WorkerError(f"worker {w} failed:\n{msg[1]}")
    finally:
        for p in procs:
            if p.is_alive() and conns:
                p.terminate()
            p.join(timeout=30)
    missing = [g for g in range(games) if not got[g]]
    if missing:
        raise WorkerError(f"games {missing[:10]} came back from no worker")
    return items, rets
