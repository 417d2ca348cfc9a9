"""The loop's status per config: champion, its rating, games stored and games since the last training."""

from __future__ import annotations

from engine.db import (
    count_games,
    games_since,
    latest_ratings,
    list_datasets,
    list_promotions,
    matches_for,
    pointer_history,
)
from engine.evaluation import MatchRecord, fit_ratings

from ..context import Context
from .champion import champion
from .maintenance import known_configs
from .players import search_spec
from .results import ConfigStatus


def _match_log_rating(session, config_key: str, spec_id: str) -> float | None:
    """``spec_id``'s Elo fitted over every match row of the config (random = 0); None when it
    played no game. Nothing saves rating snapshots in the loop, so the match log is the source."""
    rows = matches_for(session, config_key)
    if not any(seat.player_spec_id == spec_id for r in rows for seat in r.seats):
        return None
    recs = [MatchRecord(match_id=r.match_id, config_key=r.config_key,
                        seats=tuple((seat.player_spec_id, seat.rank) for seat in r.seats), source=r.source,
                        run_id=r.run_id or "", game_index=0, moves=int((r.details or {}).get("moves", 0) or 0),
                        victory_reason=(r.details or {}).get("victory_reason"), created_at="") for r in rows]
    table = fit_ratings(recs, config_key=config_key)
    return float(table[spec_id].elo) if spec_id in table else None


def loop_status(ctx: Context, configs: list[str] | None = None) -> list[ConfigStatus]:
    """Per config: champion, its rating, games stored, games since the last training."""
    out = []
    with ctx.db.session(write=False) as s:
        for ck in configs or known_configs():
            total = count_games(s, ck)
            ch = champion(ctx, ck)
            hist = pointer_history(s, f"champion/{ck}", limit=1)
            ds = list_datasets(s, ck, limit=1)
            used = set(ds[0].lineage.get("shards", [])) if ds else set()
            since = total if not ds else sum(1 for g in games_since(s, ck) if g.shard_id not in used)
            rating = None
            if ch:
                spec_id = search_spec(ctx, ch[0], "").spec_id
                rating = _match_log_rating(s, ck, spec_id)
                if rating is None:
                    rating = next((r.rating for r in latest_ratings(s, ck) if r.player_spec_id == spec_id), None)
            pr = list_promotions(s, ck, limit=1) if total else []
            out.append(ConfigStatus(ck, ch[0] if ch else None, str(hist[-1].created_at) if hist else None, rating,
                                    total, since, ds[0].dataset_id if ds else None,
                                    pr[0].decision if pr else None))
    return out
