"""A thin selfplay batch: ``generate_games`` plays games with seat rotation and returns their records.

    recs = generate_games("square8", 2, ["heuristic", "heuristic"], games=10, seed=0)
    write_shard(recs, "games.jsonl.zst")

Game ``g`` of a batch uses match seed ``seed + g`` and seats ``players[(i + g) % n]`` as player
``i + 1`` (as ``play_series``), so a rerun of the same batch (same players, seeds, options) plays the
same games and gives the same game ids.

``workers`` (``selfplay.workers``; 0 = one per core) plays the batch in that many forked processes
(``engine.players.workers``: game ``g`` in process ``g % workers``, each with its own copy of the
players, which ``start_game`` re-seeds per game): the same records as one process, except the
recorded seconds per game (``tests/data/test_selfplay.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.players import Player, PlayerSpec, make_player, play_match

from .records import GameRecord, RecordConfig, record_from_match


def _players(players: Sequence[Player | str], num_players: int, seed: int) -> list[Player]:
    if len(players) != num_players:
        raise ValueError(f"{num_players} players needed, got {len(players)}")
    out = []
    for i, p in enumerate(players):
        out.append(make_player(PlayerSpec(p, label=f"{p}{i + 1}"), seed=seed + 1000 * (i + 1))
                   if isinstance(p, str) else p)
    return out


def generate_games(board: str, num_players: int, players: Sequence[Player | str], games: int, seed: int = 0, *,
                   max_moves: int | None = None, swap_rule: bool = False, early_lps: bool = False,
                   namespace: str = "", check: bool = False, workers: int = 1) -> list[GameRecord]:
    """Play ``games`` games and return their records.

    players: ``Player`` objects, or kind names for ``engine.players.make_player`` (``"random"``,
    ``"heuristic"``, ``"mcts"``, ``"gumbel"``; seeded from ``seed`` and the list position).
    max_moves: safety cap (a capped game's outcome has ``capped=True``). namespace: mixed into the
    game ids (e.g. a selfplay batch id) so that two batches of equal setup get distinct ids.
    workers: processes to play in (1 = this one; 0 = one per core; see the module doc).
    """
    from engine.players.workers import resolve_workers, split_games

    pl = _players(players, num_players, seed)
    config = RecordConfig(board=board, num_players=num_players, swap_rule=swap_rule, early_lps=early_lps,
                          max_moves=max_moves)
    n = num_players

    def job(indices, emit) -> None:
        for g in indices:
            seated = [pl[(i + g) % n] for i in range(n)]
            r = play_match(board, n, seated, seed + g, max_moves=max_moves, check=check,
                           state=config.initial_state())
            emit(g, record_from_match(r, swap_rule=swap_rule, early_lps=early_lps, max_moves=max_moves,
                                      namespace=namespace))

    records, _ = split_games(job, games, resolve_workers(workers)) if games > 0 else ([], [])
    return records
