"""Ingest game-record shards into the database (``aggregate_jsonl_to_db`` of the seed).

    report = aggregate_jsonl_to_db(db, [ShardSource(path, shard_id, uri)])

Idempotent: a game id seen before is skipped (``INSERT ... ON CONFLICT DO NOTHING``), a shard
already registered is registered once. Each line is read on its own: a malformed line is
reported as ``file:line: reason`` (``IngestReport.problems``) and quarantined (``quarantine``
table, unique by source and line); a record that fails the parity gate (``engine.data.parity``) is stored with status
``quarantined`` and its reason, so it is never exported; the rest goes in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .parity import check_parity
from .records import GameRecord
from .shards import read_shard


@dataclass(frozen=True)
class ShardSource:
    path: Path  # a local copy of the shard
    shard_id: str | None = None  # content hash; computed from the file when None
    uri: str | None = None  # where the shard lives (store URL + key); the path when None
    producer: str | None = None
    name: str | None = None  # how problems name the shard (default: uri, else path), e.g. the user's file


@dataclass(frozen=True)
class IngestReport:
    shards: int = 0
    lines: int = 0
    inserted: int = 0
    skipped: int = 0  # game ids seen before
    malformed: int = 0
    parity_failed: int = 0
    problems: tuple[str, ...] = field(default_factory=tuple)  # "file:N: reason", one per quarantined line
    empty_shards: int = 0  # shards without a single line (a problem too: nothing in them can be used)

    @property
    def quarantined(self) -> int:
        return self.malformed + self.parity_failed

    @property
    def ok(self) -> bool:
        """Every line of every shard went in (or was known): nothing quarantined, no empty shard."""
        return self.quarantined == 0 and self.empty_shards == 0

    def __add__(self, o: IngestReport) -> IngestReport:
        return IngestReport(self.shards + o.shards, self.lines + o.lines, self.inserted + o.inserted,
                            self.skipped + o.skipped, self.malformed + o.malformed,
                            self.parity_failed + o.parity_failed, self.problems + o.problems,
                            self.empty_shards + o.empty_shards)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def game_row(rec: GameRecord, shard_id: str | None, line_no: int | None, status: str = "ok"):
    from engine.db import GameRow

    o = rec.outcome
    models = [m for m in rec.player_models() if m]
    return GameRow(game_id=rec.game_id, board=rec.config.board, num_players=rec.config.num_players,
                   players=tuple(dict(p) for p in rec.players), ranking=tuple(o.ranking), num_moves=len(rec.moves),
                   num_decisions=len(rec.decisions), engine_version=rec.engine_version,
                   encoder_version=rec.encoder_version, winner=o.winner, victory_reason=o.victory_reason,
                   seed=rec.seed, rules=rec.config.to_json(), generator_model_id=models[0] if models else None,
                   shard_id=shard_id, line_no=line_no, status=status, duration_s=rec.seconds)


def aggregate_jsonl_to_db(db, shards: Iterable[ShardSource | str | os.PathLike], *, parity: bool = True,
                          batch: int = 500) -> IngestReport:
    """Ingest every shard; see the module doc. ``db`` is an ``engine.db.Database``."""
    from engine.db import ShardRow, insert_games, quarantine_line, record_shard

    total = IngestReport()
    for src in shards:
        if not isinstance(src, ShardSource):
            src = ShardSource(Path(src))
        path = Path(src.path)
        sid = src.shard_id or _sha256(path)
        source = src.uri or str(path)
        label = src.name or source
        rows, problems = [], []
        lines = malformed = failed = 0
        config_key = None
        for line_no, item in read_shard(path):
            lines += 1
            if not isinstance(item, GameRecord):
                malformed += 1
                problems.append(f"{label}:{line_no}: {_reason(item)}")
                with db.session() as s:
                    quarantine_line(s, sid, line_no, str(item), raw=None)
                continue
            config_key = config_key or f"{item.config.board}_{item.config.num_players}p"
            status = "ok"
            if parity:
                res = check_parity(item)
                if not res.ok:
                    failed += 1
                    status = "quarantined"
                    problems.append(f"{label}:{line_no}: game {item.game_id!r}: parity: {res.reason}")
                    with db.session() as s:
                        quarantine_line(s, sid, line_no, f"parity: {res.reason}", game_id=item.game_id)
            rows.append(game_row(item, sid, line_no, status))
        inserted = skipped = 0
        with db.session() as s:
            record_shard(s, ShardRow(shard_id=sid, uri=source, config_key=config_key or "unknown",
                                     num_games=len(rows), bytes=path.stat().st_size, num_quarantined=malformed + failed,
                                     producer=src.producer))
        for i in range(0, len(rows), batch):
            with db.session() as s:
                a, b = insert_games(s, rows[i:i + batch])
            inserted += a
            skipped += b
        if lines == 0:
            problems.append(f"{label}: no game record could be read (an empty or truncated shard)")
        total = total + IngestReport(1, lines, inserted, skipped, malformed, failed, tuple(problems), int(lines == 0))
    return total


def _reason(err) -> str:
    """A malformed line's reason without its file and line (the report adds its own)."""
    detail = getattr(err, "detail", None)
    if detail is None:
        return " ".join(str(err).split())
    fld = getattr(err, "field", None)
    return " ".join(((f"record field {fld!r}: " if fld else "") + str(detail)).split())
