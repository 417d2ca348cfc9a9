"""Where the analyses get their games: the database rows joined with their records in the store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from engine.data.records import GameRecord


@dataclass(frozen=True)
class StoredGame:
    """A database game row and its record (``None`` with ``error`` when it could not be read)."""

    row: object  # engine.db.GameRow
    record: GameRecord | None
    error: str | None = None


def load_database_games(db, store, *, configs: Sequence[str] | None = None, last: int | None = None,
                        game_ids: Sequence[str] | None = None, status: str | None = "ok",
                        fallbacks=()) -> list[StoredGame]:
    """The games of ``configs`` (default: every config; ``last``: the newest N per config) or the
    games ``game_ids``, each with its record read from its shard (one read per shard)."""
    from engine.db import games_since, get_game, get_shard
    from engine.viewer.load import GameNotFound, iter_shard_records, shard_bytes

    from .common import known_configs

    rows = []
    with db.session(write=False) as s:
        if game_ids:
            for gid in game_ids:
                r = get_game(s, gid)
                rows.append(r if r is not None else gid)
        else:
            for ck in configs or known_configs():
                got = games_since(s, ck, status=status)
                rows.extend(got[-last:] if last is not None else got)
        uris = {}
        for r in rows:
            if not isinstance(r, str) and r.shard_id and r.shard_id not in uris:
                sh = get_shard(s, r.shard_id)
                uris[r.shard_id] = sh.uri if sh else None
    by_shard: dict[str, list] = defaultdict(list)
    result: dict[int, StoredGame] = {}  # position in ``rows`` -> game (the output keeps that order)
    for i, r in enumerate(rows):
        if isinstance(r, str):
            result[i] = StoredGame(r, None, f"game {r} is not in the database")
        elif not r.shard_id:
            result[i] = StoredGame(r, None, f"game {r.game_id} has no shard recorded")
        else:
            by_shard[r.shard_id].append((i, r))
    for sid, grp in by_shard.items():
        try:
            data = shard_bytes(store, sid, uri=uris.get(sid), fallbacks=fallbacks)
        except GameNotFound as e:
            result.update((i, StoredGame(r, None, str(e))) for i, r in grp)
            continue
        want = {r.game_id for _, r in grp}
        found = {rec.game_id: rec for rec in iter_shard_records(data) if rec.game_id in want}
        for i, r in grp:
            rec = found.get(r.game_id)
            result[i] = StoredGame(r, rec, None if rec else f"game {r.game_id} is not in its shard {sid[:16]}")
    return [result[i] for i in sorted(result)]


def model_generations(db, model_ids) -> dict[str, int]:
    """Lineage depth of each model id (1 = trained from scratch); 0 for ids that are no model
    (``heuristic:heuristic-v1``, ``random``...)."""
    from engine.db import lineage

    out = {}
    with db.session(write=False) as s:
        for m in set(model_ids):
            if m:
                out[m] = len(lineage(s, m))
    return out
