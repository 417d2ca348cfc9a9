"""The match log and ratings: what gauntlets, promotions and tournaments write, and the rating
computation reads.

    a = upsert_player_spec(s, {"kind": "gumbel", "model": champion_id, "simulations": 64})
    b = upsert_player_spec(s, {"kind": "heuristic", "profile": "heuristic-v1"})
    record_match(s, MatchRow("gauntlet-7f3a:12", "square8_2p", "gauntlet",
                             (MatchSeat(1, a, rank=1, score=1.0), MatchSeat(2, b, rank=2, score=0.0)), run_id="7f3a"))
    rows = matches_for(s, "square8_2p")                    # typed rows for the rating fit
    save_ratings(s, "square8_2p", [RatingRow(a, 1234.5, games=40, stderr=21.0)], generation=7)

The log is append-only and idempotent by the producer's ``match_id``: re-ingesting the same
results (a retry, or the same file synced from several hosts) changes nothing; the first write of
an id wins. A player is identified by the hash of its canonical spec (``player_spec_id``), so the
same model with another search budget is another player.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ._sql import chunks, insert, plain, when
from .models import Match, MatchPlayer, PlayerSpec, Rating
from .rows import MatchRow, MatchSeat, PlayerSpecRow, RatingRow, player_spec_id

BATCH = 500
_BUDGET_KEYS = ("simulations", "budget", "playouts", "visits", "nodes", "depth", "time_ms")


class UnknownPlayerSpec(KeyError):
    """A match names a player spec that was never registered (``upsert_player_spec``)."""


# -- player specs -------------------------------------------------------------------------------------------

def spec_model_id(spec: Mapping[str, Any]) -> str | None:
    """The model a spec plays: ``spec["model"]`` (a string, or a mapping with ``id``), else its
    evaluator's model; None for engines without a model (random, heuristic)."""
    m = spec.get("model") or spec.get("model_id")
    if isinstance(m, Mapping):
        m = m.get("id") or m.get("model_id")
    if m:
        return str(m)
    ev = spec.get("evaluator")
    return spec_model_id(ev) if isinstance(ev, Mapping) else None


def default_label(spec: Mapping[str, Any]) -> str:
    """A short human label: ``kind[:profile][:model12][@budget]`` (e.g. ``gumbel:3fa9c2e1b0d4@64``)."""
    parts = [str(spec.get("kind", "player"))]
    prof = spec.get("profile") or spec.get("version")
    if prof:
        parts.append(str(prof))
    mid = spec_model_id(spec)
    if mid:
        parts.append(mid[:12])
    label = ":".join(parts)
    for k in _BUDGET_KEYS:
        if spec.get(k) is not None:
            return f"{label}@{spec[k]}"
    return label


def upsert_player_spec(session: Session, spec: Mapping[str, Any], *, label: str | None = None) -> str:
    """Register a player spec if new; returns its ``spec_id`` (sha256 of its canonical JSON). The
    label is the one given at first registration (default ``default_label(spec)``)."""
    sid = player_spec_id(spec)
    values = dict(spec_id=sid, spec=plain(spec), label=label or default_label(spec), model_id=spec_model_id(spec),
                  created_at=when(None))
    session.execute(insert(session, PlayerSpec.__table__).values(values)
                    .on_conflict_do_nothing(index_elements=["spec_id"]))
    return sid


def get_player_spec(session: Session, spec_id: str) -> PlayerSpecRow | None:
    p = session.get(PlayerSpec, spec_id)
    return None if p is None else _spec_row(p)


def list_player_specs(session: Session, *, model_id: str | None = None,
                      spec_ids: Iterable[str] | None = None) -> list[PlayerSpecRow]:
    """Player specs (of one model, or with the given ids), ordered by label then id."""
    q = select(PlayerSpec)
    if model_id is not None:
        q = q.where(PlayerSpec.model_id == model_id)
    if spec_ids is not None:
        q = q.where(PlayerSpec.spec_id.in_(list(spec_ids)))
    q = q.order_by(PlayerSpec.label, PlayerSpec.spec_id)
    return [_spec_row(p) for p in session.scalars(q)]


def _spec_row(p: PlayerSpec) -> PlayerSpecRow:
    return PlayerSpecRow(spec_id=p.spec_id, spec=p.spec, label=p.label, model_id=p.model_id, created_at=p.created_at)


# -- matches ----------------------------------------------------------------------------------------------------

def record_match(session: Session, match: MatchRow) -> bool:
    """Append a match and its seats; idempotent by ``match_id``. True if it was new."""
    return record_matches(session, [match])[0] == 1


def record_matches(session: Session, matches: Iterable[MatchRow]) -> tuple[int, int]:
    """Append many matches: returns ``(inserted, skipped)``. Every seat's player spec must be
    registered (``UnknownPlayerSpec`` otherwise, before anything is written)."""
    todo: dict[str, MatchRow] = {}
    skipped = 0
    for m in matches:
        _check_match(m)
        if m.match_id in todo:
            skipped += 1
        else:
            todo[m.match_id] = m
    if not todo:
        return 0, skipped
    _check_specs(session, {s.player_spec_id for m in todo.values() for s in m.seats})
    new_ids: list[str] = []
    mt = Match.__table__
    for batch in chunks(list(todo.values()), BATCH):
        rows = [dict(match_id=m.match_id, config_key=m.config_key, source=m.source, run_id=m.run_id,
                     game_id=m.game_id, details=None if m.details is None else plain(m.details),
                     created_at=when(m.created_at)) for m in batch]
        stmt = insert(session, mt).on_conflict_do_nothing(index_elements=["match_id"]).returning(mt.c.match_id)
        new_ids.extend(r[0] for r in session.execute(stmt, rows))
    seats = [dict(match_id=mid, seat=s.seat, player_spec_id=s.player_spec_id, rank=int(s.rank), score=float(s.score))
             for mid in new_ids for s in todo[mid].seats]
    for batch in chunks(seats, BATCH):
        session.execute(MatchPlayer.__table__.insert(), batch)
    return len(new_ids), skipped + len(todo) - len(new_ids)


def _check_match(m: MatchRow) -> None:
    if not m.seats:
        raise ValueError(f"match {m.match_id!r} has no seats")
    seats = [s.seat for s in m.seats]
    if len(set(seats)) != len(seats):
        raise ValueError(f"match {m.match_id!r}: seat numbers repeat: {seats}")


def _check_specs(session: Session, ids: set[str]) -> None:
    found: set[str] = set()
    for batch in chunks(sorted(ids), BATCH):
        found.update(session.scalars(select(PlayerSpec.spec_id).where(PlayerSpec.spec_id.in_(batch))))
    missing = ids - found
    if missing:
        raise UnknownPlayerSpec(f"unregistered player spec(s) {sorted(missing)[:5]} (upsert_player_spec first)")


def matches_for(session: Session, config_key: str, *, source: str | None = None, run_id: str | None = None,
                since: datetime | None = None, spec_id: str | None = None) -> list[MatchRow]:
    """Matches of ``config_key`` (optionally of one source / run, after ``since``, or involving
    ``spec_id``), oldest first, each with its seats in seat order."""
    q = select(Match).where(Match.config_key == config_key)
    if source is not None:
        q = q.where(Match.source == source)
    if run_id is not None:
        q = q.where(Match.run_id == run_id)
    if since is not None:
        q = q.where(Match.created_at > when(since))
    if spec_id is not None:
        q = q.where(Match.match_id.in_(select(MatchPlayer.match_id).where(MatchPlayer.player_spec_id == spec_id)))
    sub = q.subquery()
    rows = session.execute(
        select(sub, MatchPlayer.seat, MatchPlayer.player_spec_id, MatchPlayer.rank, MatchPlayer.score)
        .join(MatchPlayer, MatchPlayer.match_id == sub.c.match_id)
        .order_by(sub.c.created_at, sub.c.match_id, MatchPlayer.seat)).all()
    out: list[MatchRow] = []
    cur: Any = None
    seats: list[MatchSeat] = []
    for r in rows:
        if cur is None or r.match_id != cur.match_id:
            if cur is not None:
                out.append(_match_row(cur, seats))
            cur, seats = r, []
        seats.append(MatchSeat(seat=r.seat, player_spec_id=r.player_spec_id, rank=r.rank, score=r.score))
    if cur is not None:
        out.append(_match_row(cur, seats))
    return out


def _match_row(r, seats: list[MatchSeat]) -> MatchRow:
    return MatchRow(match_id=r.match_id, config_key=r.config_key, source=r.source, seats=tuple(seats),
                    run_id=r.run_id, game_id=r.game_id, details=r.details, created_at=r.created_at)


def count_matches(session: Session, config_key: str, *, source: str | None = None) -> int:
    q = select(func.count()).select_from(Match).where(Match.config_key == config_key)
    if source is not None:
        q = q.where(Match.source == source)
    return int(session.execute(q).scalar_one())


# -- ratings ------------------------------------------------------------------------------------------------------

def save_ratings(session: Session, config_key: str, ratings: Iterable[RatingRow], *,
                 computed_at: datetime | None = None, generation: int | None = None) -> datetime:
    """Save one snapshot of ratings (all rows share ``computed_at``, default now); returns it.
    Saving the same snapshot again (same ``computed_at``) changes nothing."""
    at = when(computed_at)
    rows = [dict(config_key=config_key, player_spec_id=r.player_spec_id, rating=float(r.rating),
                 stderr=None if r.stderr is None else float(r.stderr), games=int(r.games), computed_at=at,
                 generation=generation) for r in ratings]
    _check_specs(session, {r["player_spec_id"] for r in rows})
    for batch in chunks(rows, BATCH):
        stmt = insert(session, Rating.__table__).on_conflict_do_nothing(
            index_elements=["config_key", "player_spec_id", "computed_at"])
        session.execute(stmt, batch)
    return at


def latest_ratings(session: Session, config_key: str) -> list[RatingRow]:
    """The newest snapshot of ``config_key``, best rating first."""
    last = session.execute(select(func.max(Rating.computed_at)).where(Rating.config_key == config_key)).scalar()
    if last is None:
        return []
    q = select(Rating).where(Rating.config_key == config_key, Rating.computed_at == last) \
        .order_by(Rating.rating.desc(), Rating.player_spec_id)
    return [_rating_row(r) for r in session.scalars(q)]


def rating_history(session: Session, config_key: str, spec_id: str) -> list[RatingRow]:
    """Every saved rating of one player in ``config_key``, oldest first (the Elo trend)."""
    q = select(Rating).where(Rating.config_key == config_key, Rating.player_spec_id == spec_id) \
        .order_by(Rating.computed_at)
    return [_rating_row(r) for r in session.scalars(q)]


def _rating_row(r: Rating) -> RatingRow:
    return RatingRow(player_spec_id=r.player_spec_id, rating=r.rating, games=r.games, stderr=r.stderr,
                     config_key=r.config_key, computed_at=r.computed_at, generation=r.generation)

