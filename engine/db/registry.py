"""The model registry: models and their lineage, named pointers (the champion per config) with
their history, and SPRT promotion decisions.

    register_model(s, ModelRow(model_id, weights_sha256, arch_hash, encoder_version, "square8_2p", ...))
    record_promotion(s, PromotionRow(...decision="promote"...))
    set_champion(s, "square8_2p", candidate, previous=champion, reason="SPRT accepted", decided_by=pid)
    current_champion(s, "square8_2p")                      # -> model id or None

Pointers move by compare-and-set: ``record_pointer_move(name, old, new, ...)`` fails with
``PointerConflict`` unless the pointer still points at ``old`` (``None``: not set yet), so two
promoters racing cannot both win; repeating a move that already happened (a retried step) is a
no-op that returns the recorded move.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import literal, select, update
from sqlalchemy.orm import Session, aliased

from ._sql import insert, plain, when
from .models import MODEL_ROLES, PROMOTION_DECISIONS, Model, Pointer, PointerHistory, Promotion
from .rows import ModelRow, PointerMove, PromotionRow, model_id_for
from .types import utcnow

MAX_LINEAGE = 100_000


class PointerConflict(RuntimeError):
    """A pointer did not point where the caller expected: someone else moved it first."""

    def __init__(self, name: str, expected: str | None, actual: str | None) -> None:
        self.name, self.expected, self.actual = name, expected, actual
        super().__init__(f"pointer {name!r} points to {actual!r}, expected {expected!r}")


def champion_pointer(config_key: str) -> str:
    """The pointer name of a config's champion: ``"champion/square8_2p"``."""
    return f"champion/{config_key}"


# -- models ------------------------------------------------------------------------------------------------

def register_model(session: Session, model: ModelRow) -> bool:
    """Register a model (idempotent by ``model_id``: the first registration wins); True if new.
    ``model_id`` must match its three identity components; the parent, dataset and training run,
    when given, must be registered first."""
    expect = model_id_for(model.weights_sha256, model.arch_hash, model.encoder_version)
    if model.model_id != expect:
        raise ValueError(f"model_id {model.model_id!r} does not match its identity (sha256 of weights, arch "
                         f"hash, encoder version = {expect!r})")
    if model.role not in MODEL_ROLES:
        raise ValueError(f"role {model.role!r} is not one of {MODEL_ROLES}")
    if model.parent_model_id == model.model_id:
        raise ValueError(f"model {model.model_id!r} cannot be its own parent")
    values = dict(model_id=model.model_id, weights_sha256=model.weights_sha256, arch_hash=model.arch_hash,
                  encoder_version=model.encoder_version, config_key=model.config_key, arch=plain(model.arch),
                  parent_model_id=model.parent_model_id, dataset_id=model.dataset_id,
                  training_run_id=model.training_run_id, checkpoint_uri=model.checkpoint_uri, role=model.role,
                  metrics=None if model.metrics is None else plain(model.metrics), created_at=when(model.created_at))
    stmt = insert(session, Model.__table__).values(values).on_conflict_do_nothing(index_elements=["model_id"])
    return session.execute(stmt.returning(Model.model_id)).first() is not None


def get_model(session: Session, model_id: str) -> ModelRow | None:
    m = session.get(Model, model_id, populate_existing=True)
    return None if m is None else _model_row(m)


def list_models(session: Session, config_key: str, role: str | None = None, limit: int | None = None) -> list[ModelRow]:
    """Models of ``config_key`` (with ``role`` when given), newest first."""
    q = select(Model).where(Model.config_key == config_key)
    if role is not None:
        q = q.where(Model.role == role)
    q = q.order_by(Model.created_at.desc(), Model.model_id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [_model_row(m) for m in session.scalars(q)]


def lineage(session: Session, model_id: str) -> list[ModelRow]:
    """The model, its parent, the parent's parent, ... up to a model trained from scratch (one
    recursive query). Empty when ``model_id`` is unknown."""
    anc = select(Model.model_id, Model.parent_model_id, literal(0).label("depth")) \
        .where(Model.model_id == model_id).cte("ancestors", recursive=True)
    parent = aliased(Model)
    anc = anc.union_all(select(parent.model_id, parent.parent_model_id, anc.c.depth + 1)
                        .where(parent.model_id == anc.c.parent_model_id, anc.c.depth < MAX_LINEAGE))
    q = select(Model).join(anc, Model.model_id == anc.c.model_id).order_by(anc.c.depth)
    return [_model_row(m) for m in session.scalars(q)]


def set_model_role(session: Session, model_id: str, role: str) -> None:
    """Set a model's role (``candidate`` / ``champion`` / ``retired`` / ``rejected``)."""
    if role not in MODEL_ROLES:
        raise ValueError(f"role {role!r} is not one of {MODEL_ROLES}")
    res = session.execute(update(Model).where(Model.model_id == model_id).values(role=role))
    if res.rowcount == 0:
        raise KeyError(f"unknown model {model_id!r}")


def update_model_metrics(session: Session, model_id: str, metrics: Mapping[str, Any]) -> dict:
    """Merge ``metrics`` into a model's metrics (keys given replace the stored ones); returns the
    merged metrics."""
    m = session.get(Model, model_id, with_for_update=True, populate_existing=True)
    if m is None:
        raise KeyError(f"unknown model {model_id!r}")
    merged = {**(m.metrics or {}), **plain(metrics)}
    m.metrics = merged
    session.flush()
    return merged


def _model_row(m: Model) -> ModelRow:
    return ModelRow(model_id=m.model_id, weights_sha256=m.weights_sha256, arch_hash=m.arch_hash,
                    encoder_version=m.encoder_version, config_key=m.config_key, arch=m.arch,
                    parent_model_id=m.parent_model_id, dataset_id=m.dataset_id, training_run_id=m.training_run_id,
                    checkpoint_uri=m.checkpoint_uri, role=m.role, metrics=m.metrics, created_at=m.created_at)


# -- pointers ------------------------------------------------------------------------------------------------

def get_pointer(session: Session, name: str) -> str | None:
    """The current target of pointer ``name`` (None: never set)."""
    return session.execute(select(Pointer.target).where(Pointer.name == name)).scalar_one_or_none()


def record_pointer_move(session: Session, name: str, old: str | None, new: str, reason: str, *,
                        decided_by: str | None = None) -> PointerMove:
    """Move pointer ``name`` from ``old`` to ``new`` and append the move to its history.

    Compare-and-set: raises ``PointerConflict`` when the pointer is not at ``old`` (``None`` =
    unset). When it is already at ``new`` the call changes nothing and returns the latest
    recorded move (retrying a committed step is harmless)."""
    current = get_pointer(session, name)
    if current == new and current is not None:
        last = _last_move(session, name)
        if last is not None:
            return last
    if current != old:
        raise PointerConflict(name, old, current)
    now = utcnow()
    if old is None:
        stmt = insert(session, Pointer.__table__).values(name=name, target=new, updated_at=now) \
            .on_conflict_do_nothing(index_elements=["name"]).returning(Pointer.name)
        if session.execute(stmt).first() is None:
            raise PointerConflict(name, old, get_pointer(session, name))
    else:
        res = session.execute(update(Pointer).where(Pointer.name == name, Pointer.target == old)
                              .values(target=new, updated_at=now))
        if res.rowcount != 1:
            raise PointerConflict(name, old, get_pointer(session, name))
    h = PointerHistory(name=name, old_target=old, new_target=new, reason=str(reason), decided_by=decided_by,
                       created_at=now)
    session.add(h)
    session.flush()
    return _move(h)


def pointer_history(session: Session, name: str, *, limit: int | None = None) -> list[PointerMove]:
    """The moves of pointer ``name`` in the order they happened (with ``limit``: the last ones)."""
    q = select(PointerHistory).where(PointerHistory.name == name).order_by(PointerHistory.id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [_move(h) for h in reversed(session.scalars(q).all())]


def _last_move(session: Session, name: str) -> PointerMove | None:
    moves = pointer_history(session, name, limit=1)
    return moves[0] if moves else None


def _move(h: PointerHistory) -> PointerMove:
    return PointerMove(id=h.id, name=h.name, old_target=h.old_target, new_target=h.new_target, reason=h.reason,
                       decided_by=h.decided_by, created_at=h.created_at)


def current_champion(session: Session, config_key: str) -> str | None:
    """The champion model id of ``config_key`` (None before the first promotion)."""
    return get_pointer(session, champion_pointer(config_key))


def set_champion(session: Session, config_key: str, model_id: str, *, previous: str | None, reason: str,
                 decided_by: str | None = None) -> PointerMove:
    """Make ``model_id`` the champion of ``config_key`` in place of ``previous`` (the champion the
    caller evaluated against; None for the first): moves the pointer (compare-and-set, see
    ``record_pointer_move``), sets the new model's role to ``champion`` and the previous one's to
    ``retired``."""
    if session.get(Model, model_id) is None:
        raise KeyError(f"unknown model {model_id!r}")
    move = record_pointer_move(session, champion_pointer(config_key), previous, model_id, reason,
                               decided_by=decided_by)
    set_model_role(session, model_id, "champion")
    if previous is not None and previous != model_id and session.get(Model, previous) is not None:
        set_model_role(session, previous, "retired")
    return move


# -- promotions ------------------------------------------------------------------------------------------------

def record_promotion(session: Session, promotion: PromotionRow) -> str:
    """Record an SPRT decision; returns its id (``promotion.promotion_id``, or a new random one).
    Idempotent by id: recording the same id again changes nothing."""
    if promotion.decision not in PROMOTION_DECISIONS:
        raise ValueError(f"decision {promotion.decision!r} is not one of {PROMOTION_DECISIONS}")
    pid = promotion.promotion_id or uuid.uuid4().hex
    p = promotion
    values = dict(promotion_id=pid, config_key=p.config_key, candidate_model_id=p.candidate_model_id,
                  champion_model_id=p.champion_model_id, decision=p.decision, llr=float(p.llr),
                  lower_bound=float(p.lower_bound), upper_bound=float(p.upper_bound), elo0=float(p.elo0),
                  elo1=float(p.elo1), alpha=p.alpha, beta=p.beta, games=int(p.games), wins=int(p.wins),
                  draws=int(p.draws), losses=int(p.losses), details=None if p.details is None else plain(p.details),
                  created_at=when(p.created_at))
    session.execute(insert(session, Promotion.__table__).values(values)
                    .on_conflict_do_nothing(index_elements=["promotion_id"]))
    return pid


def get_promotion(session: Session, promotion_id: str) -> PromotionRow | None:
    p = session.get(Promotion, promotion_id)
    return None if p is None else _promotion_row(p)


def list_promotions(session: Session, config_key: str, *, limit: int | None = None) -> list[PromotionRow]:
    """SPRT decisions of ``config_key``, newest first."""
    q = select(Promotion).where(Promotion.config_key == config_key) \
        .order_by(Promotion.created_at.desc(), Promotion.promotion_id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [_promotion_row(p) for p in session.scalars(q)]


def _promotion_row(p: Promotion) -> PromotionRow:
    return PromotionRow(config_key=p.config_key, candidate_model_id=p.candidate_model_id,
                        champion_model_id=p.champion_model_id, decision=p.decision, llr=p.llr,
                        lower_bound=p.lower_bound, upper_bound=p.upper_bound, elo0=p.elo0, elo1=p.elo1,
                        games=p.games, wins=p.wins, draws=p.draws, losses=p.losses, alpha=p.alpha, beta=p.beta,
                        details=p.details, promotion_id=p.promotion_id, created_at=p.created_at)
