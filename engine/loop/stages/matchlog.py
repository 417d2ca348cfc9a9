"""The match log of the gauntlet and the promotion: games stored as they end, read back on a
rerun, and the player specs they name registered first."""

from __future__ import annotations

from engine.db import MatchRow, MatchSeat, matches_for, record_matches, upsert_player_spec
from engine.evaluation import MatchRecord

from ..context import Context


def store_matches(ctx: Context, records) -> int:
    """Write ``MatchRecord``s into the match log (idempotent by match id); the number new."""
    rows = []
    with ctx.db.session() as s:
        for r in records:
            seats = []
            n = len(r.seats)
            for i, (sid, rank) in enumerate(r.seats):
                # per-seat score from the ranks: 1 for first alone, shared ranks share (0 for last)
                better = sum(1 for _, q in r.seats if q > rank) + 0.5 * (sum(1 for _, q in r.seats if q == rank) - 1)
                seats.append(MatchSeat(seat=i + 1, player_spec_id=sid, rank=rank, score=better / (n - 1)))
            rows.append(MatchRow(match_id=r.match_id, config_key=r.config_key, source=r.source, seats=tuple(seats),
                                 run_id=r.run_id, details={"moves": r.moves, "victory_reason": r.victory_reason,
                                                           "game_index": r.game_index, "seed": r.seed}))
        new, _ = record_matches(s, rows)
    return new


def recorded_matches(ctx: Context, config_key: str, source: str, run_id: str) -> dict:
    """The match log's games of one gauntlet or promotion run as ``{match_id: MatchRecord}``: a
    rerun after a crash continues from them instead of playing them again."""
    with ctx.db.session(write=False) as s:
        rows = matches_for(s, config_key, source=source, run_id=run_id)
    out = {}
    for m in rows:
        d = dict(m.details or {})
        out[m.match_id] = MatchRecord(
            match_id=m.match_id, config_key=m.config_key, seats=tuple((x.player_spec_id, x.rank) for x in m.seats),
            source=m.source, run_id=m.run_id or run_id, game_index=int(d.get("game_index", 0)),
            moves=int(d.get("moves", 0)), victory_reason=d.get("victory_reason"),
            created_at=m.created_at.isoformat() if m.created_at else "", seed=d.get("seed"))
    return out


def register_specs(ctx: Context, specs) -> None:
    """Register the player specs in the database (match rows refer to them by id)."""
    with ctx.db.session() as s:
        for sp in specs:
            sid = upsert_player_spec(s, sp.identity(), label=sp.name)
            assert sid == sp.spec_id, "spec ids of engine.players and engine.db must agree"
