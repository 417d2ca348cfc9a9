"""The loop's status: the champion's rating from the match log, games since the last training."""

from __future__ import annotations

from engine.db import matches_for
from engine.loop import generation, loop_status


def test_promotion_row_matches_its_match_rows_and_status_shows_the_rating(easy_ctx):
    """The promotion row's game count is the number of match rows written for it (it said 40 with 64
    rows: the games after the SPRT decided were stored too), and master-loop --status's rating
    column has the champion's Elo once match rows exist (it stayed '-': no rating was ever saved)."""
    from engine.db import list_promotions

    ctx = easy_ctx
    assert loop_status(ctx, ["square8_2p"])[0].rating is None  # nothing played yet
    g = generation(ctx, "square8_2p", seed=5)
    assert g.promotion.promoted, g.promotion.reason
    with ctx.db.session(write=False) as s:
        (row,) = list_promotions(s, "square8_2p", limit=5)
        rows = matches_for(s, "square8_2p", source="promotion", run_id=g.promotion.run_id)
    assert row.games == len(rows) == g.promotion.games
    assert row.wins + row.draws + row.losses == row.games
    st = loop_status(ctx, ["square8_2p"])[0]
    assert st.champion == g.training.model_id
    assert st.rating is not None and st.rating > -600  # relative to random at 0; the SPRT accepted >= -600

