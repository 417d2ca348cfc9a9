"""Games, shards and quarantine: what the ingest step writes and the export / training trigger read.

    with db.session() as s:
        record_shard(s, ShardRow(shard_id, uri, "square8_2p", num_games=500, bytes=123_456))
        inserted, skipped = insert_games(s, rows)          # ids seen before are skipped
        quarantine_line(s, shard_id, 17, "record field 'moves[3]': ...", raw=line)

Every write here is idempotent: ingesting the same shard twice (a retry, or two hosts) inserts
nothing the second time. Ingest the shard row first, then its games (``games.shard_id`` is a
foreign key).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from ._sql import chunks, insert, plain, when
from .models import GAME_STATUSES, Game, Quarantine, Shard
from .rows import GameRow, QuarantineRow, ShardRow
from .types import utcnow

INSERT_BATCH = 500
EXCERPT_CHARS = 500
REASON_CHARS = 4000


# -- shards ----------------------------------------------------------------------------------------------

def record_shard(session: Session, shard: ShardRow) -> bool:
    """Register a shard (idempotent by ``shard_id``: the first registration wins); True if new."""
    values = dict(shard_id=shard.shard_id, uri=shard.uri, config_key=shard.config_key, num_games=int(shard.num_games),
                  num_quarantined=int(shard.num_quarantined), bytes=int(shard.bytes), producer=shard.producer,
                  created_at=when(shard.created_at))
    stmt = insert(session, Shard.__table__).values(values).on_conflict_do_nothing(index_elements=["shard_id"])
    return session.execute(stmt.returning(Shard.shard_id)).first() is not None


def get_shard(session: Session, shard_id: str) -> ShardRow | None:
    s = session.get(Shard, shard_id)
    return None if s is None else _shard_row(s)


def shards_since(session: Session, config_key: str, *, after_shard: str | None = None,
                 after: datetime | None = None, limit: int | None = None) -> list[ShardRow]:
    """Shards of ``config_key`` registered after the shard ``after_shard`` and/or after the time
    ``after`` (exclusive), oldest first (order: ``created_at``, then ``shard_id``)."""
    q = select(Shard).where(Shard.config_key == config_key)
    q = _after_shard_filter(session, q, after_shard)
    if after is not None:
        q = q.where(Shard.created_at > when(after))
    q = q.order_by(Shard.created_at, Shard.shard_id)
    if limit is not None:
        q = q.limit(limit)
    return [_shard_row(s) for s in session.scalars(q)]


def _after_shard_filter(session: Session, q, after_shard: str | None):
    if after_shard is None:
        return q
    ref = session.execute(select(Shard.created_at).where(Shard.shard_id == after_shard)).scalar_one_or_none()
    if ref is None:
        raise KeyError(f"unknown shard {after_shard!r}")
    return q.where(or_(Shard.created_at > ref, and_(Shard.created_at == ref, Shard.shard_id > after_shard)))


def _shard_row(s: Shard) -> ShardRow:
    return ShardRow(shard_id=s.shard_id, uri=s.uri, config_key=s.config_key, num_games=s.num_games, bytes=s.bytes,
                    num_quarantined=s.num_quarantined, producer=s.producer, created_at=s.created_at)


# -- games ------------------------------------------------------------------------------------------------

def insert_games(session: Session, rows: Iterable[GameRow]) -> tuple[int, int]:
    """Insert games, skipping ids already stored (or repeated in ``rows``): returns ``(inserted,
    skipped)``. One ``INSERT ... ON CONFLICT DO NOTHING`` per batch, so two hosts ingesting the
    same games at once both succeed and each game is stored once."""
    now = utcnow()
    values = []
    seen: set[str] = set()
    skipped = 0
    for r in rows:
        if r.game_id in seen:
            skipped += 1
            continue
        seen.add(r.game_id)
        values.append(_game_values(r, now))
    inserted = 0
    table = Game.__table__
    for batch in chunks(values, INSERT_BATCH):
        stmt = insert(session, table).on_conflict_do_nothing(index_elements=["game_id"]).returning(table.c.game_id)
        inserted += len(session.execute(stmt, batch).all())
    return inserted, skipped + len(values) - inserted


def _game_values(r: GameRow, now: datetime) -> dict:
    if r.status not in GAME_STATUSES:
        raise ValueError(f"game {r.game_id}: status {r.status!r} is not one of {GAME_STATUSES}")
    return dict(game_id=r.game_id, board=r.board, num_players=int(r.num_players), config_key=r.config_key,
                rules=plain(r.rules), seed=r.seed, players=plain(r.players), winner=r.winner,
                ranking=plain(r.ranking), victory_reason=r.victory_reason, num_moves=int(r.num_moves),
                num_decisions=int(r.num_decisions), engine_version=r.engine_version,
                encoder_version=r.encoder_version, generator_model_id=r.generator_model_id, shard_id=r.shard_id,
                line_no=r.line_no, status=r.status, duration_s=r.duration_s, created_at=when(r.created_at, now),
                ingested_at=now)


def get_game(session: Session, game_id: str) -> GameRow | None:
    g = session.get(Game, game_id)
    return None if g is None else _game_row(g)


def games_since(session: Session, config_key: str, *, after: datetime | None = None,
                after_shard: str | None = None, status: str | None = "ok",
                limit: int | None = None) -> list[GameRow]:
    """Games of ``config_key`` ingested after the time ``after`` (exclusive, on ``ingested_at``)
    and/or belonging to shards registered after ``after_shard`` (see ``shards_since``), oldest
    first. ``status=None``: any status.

    A watermark on ``ingested_at`` is exact for one writer; with concurrent writers a transaction
    that started earlier may commit later with an older timestamp, so use it for triggers and
    statistics, and the shard list (``after_shard``) where every game must be seen."""
    q = select(Game).where(Game.config_key == config_key)
    if after is not None:
        q = q.where(Game.ingested_at > when(after))
    if after_shard is not None:
        q = _after_shard_filter(session, q.join(Shard, Game.shard_id == Shard.shard_id), after_shard)
    if status is not None:
        q = q.where(Game.status == status)
    q = q.order_by(Game.ingested_at, Game.game_id)
    if limit is not None:
        q = q.limit(limit)
    return [_game_row(g) for g in session.scalars(q)]


def count_games(session: Session, config_key: str | None = None, *, status: str | None = "ok",
                after: datetime | None = None) -> int:
    """Number of games of ``config_key`` (every config when None) with ``status`` (None: any),
    ingested after ``after`` when given."""
    q = select(func.count()).select_from(Game)
    if config_key is not None:
        q = q.where(Game.config_key == config_key)
    if status is not None:
        q = q.where(Game.status == status)
    if after is not None:
        q = q.where(Game.ingested_at > when(after))
    return int(session.execute(q).scalar_one())


def set_game_status(session: Session, game_ids: Sequence[str], status: str) -> int:
    """Mark games ``"ok"`` or ``"quarantined"`` (e.g. after a quality gate); returns rows changed."""
    if status not in GAME_STATUSES:
        raise ValueError(f"status {status!r} is not one of {GAME_STATUSES}")
    n = 0
    for batch in chunks(list(game_ids), INSERT_BATCH):
        res = session.execute(update(Game).where(Game.game_id.in_(batch), Game.status != status)
                              .values(status=status))
        n += res.rowcount
    return n


def _game_row(g: Game) -> GameRow:
    return GameRow(game_id=g.game_id, board=g.board, num_players=g.num_players, players=tuple(g.players),
                   ranking=tuple(g.ranking), num_moves=g.num_moves, num_decisions=g.num_decisions,
                   engine_version=g.engine_version, encoder_version=g.encoder_version, winner=g.winner,
                   victory_reason=g.victory_reason, seed=g.seed, rules=g.rules, config_key=g.config_key,
                   generator_model_id=g.generator_model_id, shard_id=g.shard_id, line_no=g.line_no, status=g.status,
                   duration_s=g.duration_s, created_at=g.created_at, ingested_at=g.ingested_at)


# -- quarantine --------------------------------------------------------------------------------------------

def quarantine_line(session: Session, source: str, line_no: int, reason: str, *, game_id: str | None = None,
                    raw: str | bytes | None = None, created_at: datetime | None = None) -> bool:
    """Record a line that could not be ingested (``line_no`` 1-based; 0 = the whole source, e.g. a
    corrupt stream). Idempotent by ``(source, line_no)``: True if new. ``raw`` is kept as an
    excerpt of ``EXCERPT_CHARS`` characters."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    excerpt = None if raw is None else _truncate(raw, EXCERPT_CHARS)
    values = dict(source=str(source), line_no=int(line_no), game_id=game_id, reason=_truncate(str(reason),
                                                                                              REASON_CHARS),
                  excerpt=excerpt, created_at=when(created_at))
    stmt = insert(session, Quarantine.__table__).values(values) \
        .on_conflict_do_nothing(index_elements=["source", "line_no"]).returning(Quarantine.id)
    return session.execute(stmt).first() is not None


def quarantined(session: Session, *, source: str | None = None, limit: int | None = None) -> list[QuarantineRow]:
    """Quarantined lines, newest first (of one source, in line order, when ``source`` is given)."""
    q = select(Quarantine)
    if source is not None:
        q = q.where(Quarantine.source == source).order_by(Quarantine.line_no)
    else:
        q = q.order_by(Quarantine.created_at.desc(), Quarantine.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [QuarantineRow(id=x.id, source=x.source, line_no=x.line_no, game_id=x.game_id, reason=x.reason,
                          excerpt=x.excerpt, created_at=x.created_at) for x in session.scalars(q)]


def _truncate(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"
