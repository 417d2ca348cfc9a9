"""The match log: games stored once and read back as the records a rerun continues from."""

from __future__ import annotations

from engine.evaluation import MatchRecord, make_match_id
from engine.loop.stages import recorded_matches, register_specs, store_matches
from engine.players import RANDOM_SPEC, PlayerSpec


def test_stored_games_read_back_and_store_once(ctx):
    h = PlayerSpec("heuristic")
    register_specs(ctx, [RANDOM_SPEC, h])
    recs = [MatchRecord(make_match_id("gauntlet", "r1", k), "square8_2p", ((h.spec_id, 1), (RANDOM_SPEC.spec_id, 2)),
                        "gauntlet", "r1", k, 40 + k, "elimination", "2026-01-01T00:00:00+00:00", seed=k)
            for k in range(3)]
    assert store_matches(ctx, recs) == 3 and store_matches(ctx, recs[:1]) == 0
    back = recorded_matches(ctx, "square8_2p", "gauntlet", "r1")
    assert sorted(back) == sorted(r.match_id for r in recs)
    for r in recs:
        b = back[r.match_id]
        assert (b.seats, b.game_index, b.moves, b.victory_reason, b.seed) == \
            (r.seats, r.game_index, r.moves, r.victory_reason, r.seed)
    assert recorded_matches(ctx, "square8_2p", "gauntlet", "r2") == {}
