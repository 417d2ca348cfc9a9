"""The gauntlet stage read back from the match log: the same games and results per opponent."""

from __future__ import annotations

from engine.loop import gauntlet_result, run_gauntlet_stage


def test_a_gauntlet_reads_back_from_the_match_log(trained_candidate):
    ctx, _, tr = trained_candidate
    assert gauntlet_result(ctx, "square8_2p", tr.model_id, "no-such-run") is None
    ga = run_gauntlet_stage(ctx, "square8_2p", tr.model_id, run_id="gauntlet-readback", seed=2)
    back = gauntlet_result(ctx, "square8_2p", tr.model_id, "gauntlet-readback")
    assert (back.run_id, back.games, back.new_matches) == ("gauntlet-readback", ga.games, 0)

    def counts(rows):
        return {r["opponent_id"]: (r["games"], r["wins"], r["draws"], r["losses"], round(r["score"], 9)) for r in rows}
    assert counts(back.rows) == counts(ga.rows) and len(ga.rows) == 2  # random and mcts-4
