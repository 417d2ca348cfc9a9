"""The promotion stage: an SPRT of the candidate against the champion (against ``random`` before
the first champion); on accept the champion pointer moves by compare-and-swap. And ``rollback``,
which moves it back."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from engine.db import (
    PromotionRow,
    current_champion,
    get_model,
    get_promotion,
    list_promotions,
    record_promotion,
    set_champion,
    set_model_role,
)
from engine.evaluation import EvaluatorCache, run_promotion
from engine.nn import ENCODER_VERSION
from engine.players import RANDOM_SPEC
from engine.storage import PointerConflict

from ..artifacts import champion_pointer_name, model_manifest_of
from ..context import Context
from ..hooks import pause_point
from ..identity import config_fingerprint, identity
from ..truth import promotion_pointer_name, publish_once
from .champion import champion
from .matchlog import recorded_matches, register_specs, store_matches
from .players import model_loader, search_spec
from .results import PromotionStageResult, StageError

log = logging.getLogger("ringrift.loop")


def run_promotion_stage(ctx: Context, config_key: str, model_id: str, *, run_id: str | None = None,
                        seed: int = 0, progress=None) -> PromotionStageResult:
    """SPRT of the candidate against the champion (against ``random`` before the first champion);
    on accept the champion pointer moves by compare-and-swap and the history records it.

    Resumable: the decision is recorded before the pointer moves, so a rerun after a crash finds
    it (a candidate already decided against the same champion is not tested again) and finishes
    what is missing (the pointer, the database's champion)."""
    t0 = time.perf_counter()
    with ctx.db.session(write=False) as s:
        row = get_model(s, model_id)
        earlier = [p for p in list_promotions(s, config_key) if p.candidate_model_id == model_id]
    if row is None:
        raise StageError(f"promotion {config_key}: model {model_id} is not in the registry")
    if row.config_key != config_key:
        raise StageError(f"promotion {config_key}: model {model_id[:12]} is for {row.config_key}")
    if row.encoder_version != ENCODER_VERSION:
        raise StageError(f"promotion {config_key}: model {model_id[:12]} uses encoder {row.encoder_version!r}, "
                         f"this code {ENCODER_VERSION!r}")
    champ = champion(ctx, config_key)
    current = champ[0] if champ else None
    ptr = ctx.store.read_pointer(champion_pointer_name(config_key))
    moved_by = ptr.metadata.get("run_id") if ptr is not None else None

    def decided(p) -> bool:
        if current == model_id:  # champion by this very decision (a rerun after the pointer moved)
            return p.decision == "promote" and p.promotion_id == moved_by
        return p.champion_model_id == current  # tested against the present champion already

    done = next((p for p in earlier if decided(p)), None)
    if done is not None:
        return _finish_promotion(ctx, done, time.perf_counter() - t0)
    if current == model_id:
        raise StageError(f"promotion {config_key}: {model_id[:12]} is already the champion")
    cand = search_spec(ctx, model_id, f"candidate-{model_id[:8]}")
    opp = search_spec(ctx, current, f"champion-{current[:8]}") if current else RANDOM_SPEC
    register_specs(ctx, [cand, opp])
    run_id = run_id or identity("promotion", config_key, model_id, opp.spec_id, seed,
                                config_fingerprint(ctx.cfg, "promotion"))
    def on_block(sprt) -> None:
        if progress is not None:
            progress(sprt)  # the SPRT after each counted block: games, LLR, decision
        pause_point("promotion")

    # each block is stored as the SPRT counts it, so a rerun continues the test from the match log;
    # only counted games are stored (the promotion row's games, W/D/L): the rest of the last batch
    # were played after the decision and would make the match log disagree with the row
    done = recorded_matches(ctx, config_key, "promotion", run_id)
    others = sorted({sid for r in done.values() for sid, _ in r.seats} - {cand.spec_id, opp.spec_id})
    if others:  # an explicit run id of a test against another champion: its games count for nothing here
        raise StageError(f"promotion {config_key}: run {run_id} was played by other players ({', '.join(others)}) "
                         f"than {cand.name} and {opp.name}; the champion changed since: rerun without that run id")
    res = run_promotion(cand, opp, config_key, ctx.cfg.promotion, evaluators=EvaluatorCache(model_loader(ctx)),
                        seed=seed, run_id=run_id, on_block=on_block, done=done,
                        on_counted=lambda recs: store_matches(ctx, recs))
    if res.counted_games == 0:
        raise StageError(f"promotion {config_key}: no game was counted")
    sprt = res.sprt.to_json()
    decision = {"accept": "promote", "reject": "reject"}.get(res.decision, "inconclusive")
    pr = ctx.cfg.promotion
    prow = PromotionRow(config_key=config_key, candidate_model_id=model_id, champion_model_id=current,
                        decision=decision, llr=float(sprt.get("llr", 0.0)), lower_bound=float(sprt.get("lower", 0.0)),
                        upper_bound=float(sprt.get("upper", 0.0)), elo0=pr.elo0, elo1=pr.elo1,
                        games=res.counted_games, wins=res.wins, draws=res.draws, losses=res.losses, alpha=pr.alpha,
                        beta=pr.beta, details=sprt, promotion_id=res.run_id)

    publish_once(ctx.store, promotion_pointer_name(config_key, prow.promotion_id), model_manifest_of(ctx.db, model_id),
                 {k: v for k, v in asdict(prow).items() if k != "created_at"})
    with ctx.db.session() as s:
        record_promotion(s, prow)
    return _finish_promotion(ctx, prow, time.perf_counter() - t0)


def _finish_promotion(ctx: Context, p, seconds: float) -> PromotionStageResult:
    """Carry a recorded decision out (idempotent): on ``promote`` the store's champion pointer
    moves by compare-and-swap from the champion it was tested against, then the database's;
    otherwise the candidate is marked rejected."""
    ck, model_id, vs_id = p.config_key, p.candidate_model_id, p.champion_model_id
    vs = f"champion {vs_id[:12]}" if vs_id else "random (no champion yet)"
    pname = champion_pointer_name(ck)
    if p.decision == "promote":
        cur = ctx.store.read_pointer(pname)
        cur_model = ctx.store.get_manifest(cur.target).metadata["model_id"] if cur else None
        if cur_model != model_id:
            if cur_model != vs_id:
                raise StageError(f"promotion {ck}: the champion moved while the candidate was evaluated (now "
                                 f"{(cur_model or '-')[:12]}, tested against {(vs_id or '-')[:12]}); rerun the "
                                 "promotion against the new champion")
            try:
                ctx.store.swap_pointer(pname, model_manifest_of(ctx.db, model_id), expected=cur,
                                       metadata={"model_id": model_id, "run_id": p.promotion_id})
            except PointerConflict as e:
                raise StageError(f"promotion {ck}: the champion moved while the candidate was evaluated ({e}); "
                                 "rerun the promotion against the new champion") from None
        with ctx.db.session() as s:
            if current_champion(s, ck) != model_id:
                set_champion(s, ck, model_id, previous=vs_id, reason=f"SPRT accept vs {vs}", decided_by=p.promotion_id)
    else:
        with ctx.db.session() as s:
            set_model_role(s, model_id, "rejected")
    res = _result_of(p, seconds)
    log.info("promotion %s: %s", ck, res.reason)
    return res


def _result_of(p, seconds: float = 0.0) -> PromotionStageResult:
    """A recorded decision (``PromotionRow``) as the stage's result."""
    vs_id = p.champion_model_id
    vs = f"champion {vs_id[:12]}" if vs_id else "random (no champion yet)"
    if p.decision == "promote":
        reason = f"SPRT accepted H1 (+{p.elo1:g} Elo) vs {vs} after {p.games} games"
    else:
        reason = (f"SPRT {p.decision} vs {vs} after {p.games} games "
                  f"(W/D/L {p.wins}/{p.draws}/{p.losses}, LLR {p.llr:.2f})")
    decision = {"promote": "accept", "reject": "reject"}.get(p.decision, "inconclusive")
    return PromotionStageResult(p.config_key, p.candidate_model_id, vs_id, p.promotion_id, decision,
                                p.decision == "promote", dict(p.details or {}), p.wins, p.draws, p.losses, p.games,
                                reason, seconds=seconds)


def promotion_result(ctx: Context, run_id: str) -> PromotionStageResult | None:
    """The decision of promotion run ``run_id`` as recorded (None: not decided), as the master
    loop reads a deployment's promotion back; it carries nothing out (``run_promotion_stage`` does)."""
    with ctx.db.session(write=False) as s:
        p = get_promotion(s, run_id)
    return None if p is None else _result_of(p)


def rollback(ctx: Context, config_key: str, to_model: str | None = None):
    """Move the champion back to ``to_model`` (default: the previous champion)."""
    pname = champion_pointer_name(config_key)
    cur = ctx.store.read_pointer(pname)
    if cur is None:
        raise StageError(f"rollback {config_key}: there is no champion")
    cur_model = ctx.store.get_manifest(cur.target).metadata["model_id"]
    if to_model is None:
        hist = [p for p in ctx.store.pointer_history(pname) if p.target != cur.target]
        if not hist:
            raise StageError(f"rollback {config_key}: no earlier champion to go back to")
        target = hist[-1].target
        to_model = ctx.store.get_manifest(target).metadata["model_id"]
    else:
        target = model_manifest_of(ctx.db, to_model)
    ctx.store.swap_pointer(pname, target, expected=cur, metadata={"model_id": to_model, "rollback_from": cur_model})
    with ctx.db.session() as s:
        return set_champion(s, config_key, to_model, previous=cur_model, reason=f"rollback from {cur_model[:12]}")
