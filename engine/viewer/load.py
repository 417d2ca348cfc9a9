"""Finding a game's record: in a local shard, or by id through the database and the artifact store.

The database row of a game names its shard (``shard_id`` = the sha256 of the shard object in the
store) and its line in the shard; the record itself lives only in the shard.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

from engine.data.records import GameRecord, RecordError
from engine.data.shards import read_shard


class GameNotFound(LookupError):
    """The game is not in the database, its shard is not in the store, or the line is not in the shard."""


def record_from_shard(source: str | os.PathLike | bytes, *, line: int | None = None,
                      game_id: str | None = None) -> GameRecord:
    """The record at ``line`` (1-based) of a shard, or the one with ``game_id``, or the first one.
    ``source``: a path or the shard's bytes."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    name = "shard" if isinstance(source, (bytes, bytearray)) else str(source)
    for line_no, rec in read_shard(stream):
        if line is not None and line_no != line:
            continue
        if isinstance(rec, RecordError):
            if line is not None:
                raise GameNotFound(str(rec) if rec.line is not None else f"{name} line {line_no}: {rec}")
            continue
        if game_id is not None and rec.game_id != game_id:
            if line is not None:
                raise GameNotFound(f"{name} line {line} holds game {rec.game_id}, not {game_id}")
            continue
        return rec
    what = f"line {line}" if line is not None else f"game {game_id}" if game_id else "a record"
    raise GameNotFound(f"{name}: no {what}")


def iter_shard_records(source: str | os.PathLike | bytes) -> Iterator[GameRecord]:
    """Every readable record of a shard (malformed lines are skipped)."""
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    for _, rec in read_shard(stream):
        if isinstance(rec, GameRecord):
            yield rec


def shard_bytes(store, shard_id: str, *, uri: str | None = None, fallbacks=()) -> bytes:
    """The bytes of shard ``shard_id`` from ``store``, else from the stores in ``fallbacks`` (e.g. the
    host's cache), else from the local store named by the shard's ``uri`` (``<store url>#<sha>``)."""
    from engine.storage import ObjectNotFound, open_store

    tried = []
    for st in (store, *fallbacks):
        if st is None:
            continue
        try:
            return st.get_bytes(shard_id)
        except ObjectNotFound:
            tried.append(st.url)
    if uri and "#" in uri:
        base = uri.split("#", 1)[0]
        # a local store named by the URI (an S3 URI carries no endpoint: only the configured store is used)
        if base and base not in tried and not base.startswith(("s3://", "memory://")):
            try:
                return open_store(base).get_bytes(shard_id)
            except Exception as e:  # noqa: BLE001 - report below
                tried.append(f"{base} ({type(e).__name__})")
    raise GameNotFound(f"shard {shard_id[:16]} not found in {', '.join(tried) or 'any store'}")


def load_game_record(game_id: str, *, db, store, fallbacks=()) -> GameRecord:
    """The record of ``game_id``: its database row -> its shard in the store -> its line."""
    from engine.db import get_game, get_shard

    with db.session(write=False) as s:
        row = get_game(s, game_id)
        if row is None:
            raise GameNotFound(f"game {game_id} is not in the database {db.url}")
        shard = get_shard(s, row.shard_id) if row.shard_id else None
    if row.shard_id is None:
        raise GameNotFound(f"game {row.game_id} has no shard recorded")
    data = shard_bytes(store, row.shard_id, uri=shard.uri if shard else None, fallbacks=fallbacks)
    return record_from_shard(data, line=row.line_no, game_id=row.game_id)


def records_from_paths(paths) -> Iterator[GameRecord]:
    """Every record of local shards (files or folders of ``*.jsonl*``)."""
    for p in paths:
        p = Path(p)
        files = sorted(q for q in p.rglob("*.jsonl*") if q.is_file()) if p.is_dir() else [p]
        for f in files:
            yield from iter_shard_records(f)
