"""The gauntlet stage: the candidate against the config's ladder (and earlier champions), every
game into the match log as it ends; a rerun continues from the match log."""

from __future__ import annotations

import logging
import time

from engine.db import get_player_spec, list_models
from engine.evaluation import EvaluatorCache, default_ladder, run_gauntlet
from engine.evaluation.settings import parse_config_key

from ..context import Context
from ..hooks import pause_point
from ..identity import config_fingerprint, identity
from .matchlog import recorded_matches, register_specs, store_matches
from .players import model_loader, search_spec
from .results import GauntletStageResult, StageError

log = logging.getLogger("ringrift.loop")


def run_gauntlet_stage(ctx: Context, config_key: str, model_id: str, *, run_id: str | None = None,
                       games_per_opponent: int | None = None, seed: int = 0, progress=None) -> GauntletStageResult:
    """The candidate against the config's ladder (and earlier champions); results into the match log.
    ``progress(games_done, games_total)`` after every game."""
    t0 = time.perf_counter()
    cand = search_spec(ctx, model_id, f"candidate-{model_id[:8]}")
    with ctx.db.session(write=False) as s:
        champs = [m.model_id for m in list_models(s, config_key, role="champion")]
        champs += [m.model_id for m in list_models(s, config_key, role="retired", limit=ctx.cfg.gauntlet.champions)]
    champs = [c for c in champs if c != model_id][:ctx.cfg.gauntlet.champions]
    champ_specs = [search_spec(ctx, c, f"champion-{c[:8]}") for c in champs]
    opponents = default_ladder(ctx.cfg.gauntlet, champions=champ_specs)
    register_specs(ctx, [cand, *opponents])
    run_id = run_id or identity("gauntlet", config_key, model_id, [o.spec_id for o in opponents], games_per_opponent,
                                seed, config_fingerprint(ctx.cfg, "gauntlet"))
    per = games_per_opponent if games_per_opponent is not None else ctx.cfg.gauntlet.games_per_opponent
    n = parse_config_key(config_key)[1]
    total = len(opponents) * -(-per // n) * n  # colour-balanced blocks of n games per opponent
    # a rerun continues from the match log: the games it has are not played again
    done = recorded_matches(ctx, config_key, "gauntlet", run_id)
    played = [len(done)]

    def on_result(_r) -> None:
        played[0] += 1
        if progress is not None:
            progress(played[0], total)
        pause_point("gauntlet")

    rep = run_gauntlet(cand, config_key, opponents, settings=ctx.cfg.gauntlet, games_per_opponent=games_per_opponent,
                       evaluators=EvaluatorCache(model_loader(ctx)), seed=seed, run_id=run_id, on_result=on_result,
                       done=done, on_record=lambda rec: store_matches(ctx, [rec]))
    if not rep.records:
        raise StageError(f"gauntlet {config_key} {model_id[:12]}: no game was played")
    store_matches(ctx, rep.records)  # idempotent; stores nothing new unless a game's own write failed
    log.info("%s", rep.format())
    return GauntletStageResult(config_key, model_id, rep.run_id, rep.to_rows(), rep.format(), len(rep.records),
                               rep.played, seconds=time.perf_counter() - t0)


def gauntlet_result(ctx: Context, config_key: str, model_id: str, run_id: str) -> GauntletStageResult | None:
    """Gauntlet run ``run_id`` read back from the match log (None: no game of it), as the master
    loop reads a deployment's gauntlet: per opponent games, wins, draws, losses and the candidate's
    mean score (``run_gauntlet_stage``'s rows add the intervals and Elo)."""
    recs = list(recorded_matches(ctx, config_key, "gauntlet", run_id).values())
    if not recs:
        return None
    cand = search_spec(ctx, model_id, f"candidate-{model_id[:8]}")
    by: dict[str, list] = {}
    for r in recs:
        for sid in dict.fromkeys(r.spec_ids):
            if sid != cand.spec_id:
                by.setdefault(sid, []).append(r)
    rows = []
    with ctx.db.session(write=False) as s:
        for sid, games in by.items():
            spec = get_player_spec(s, sid)
            outcomes = [g.outcome(cand.spec_id) for g in games]
            scores = [x for x in (g.score(cand.spec_id, sid) for g in games) if x is not None]
            rows.append({"candidate": cand.name, "candidate_id": cand.spec_id, "config_key": config_key,
                         "opponent": spec.label if spec is not None else sid[:12], "opponent_id": sid,
                         "games": len(games), "wins": outcomes.count("win"), "draws": outcomes.count("draw"),
                         "losses": outcomes.count("loss"), "score": sum(scores) / len(scores) if scores else 0.0})
    table = "\n".join([f"gauntlet {cand.name} {config_key} ({len(recs)} games, from the match log)"]
                      + [f"{r['opponent'][:24]:<24} {r['games']:>5} {r['wins']:>4} {r['draws']:>3} {r['losses']:>4} "
                         f"score {r['score']:.3f}" for r in rows])
    return GauntletStageResult(config_key, model_id, run_id, rows, table, len(recs), 0)
