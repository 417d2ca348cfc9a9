"""The ladder's pure logic: settings, anchors, the adaptive schedule on simulated Bradley-Terry games
(the fit recovers the true ratings within its intervals; intervals shrink with games), the report."""

from __future__ import annotations

import json
import random

import pytest

from engine.evaluation import PlayerSpec, make_match_id
from engine.evaluation.ladder import (
    LadderPlayer,
    LadderSettings,
    anchor_players,
    anchor_spec,
    block_seatings,
    champion_players,
    fit,
    games_by_pair,
    initial_chain,
    ladder_report,
    next_round,
    pair_key,
    pair_run_id,
    pair_states,
)
from engine.evaluation.records import MatchRecord
from engine.evaluation.stats import expected_score

CK = "square8_2p"


def _roster(gens=3):
    st = LadderSettings()
    champs = [PlayerSpec("gumbel", model_id=f"m{g}", simulations=32, max_considered=16, label=f"champion g{g}")
              for g in range(1, gens + 1)]
    pols = [PlayerSpec("policy", model_id=f"m{g}", label=f"policy g{g}") for g in range(1, gens + 1)]
    return anchor_players(st) + champion_players(champs, pols)


def _truth(roster):
    elo = {"random": 0.0, "heuristic_v1": 520.0, "heuristic_v2": 760.0, "mcts-200+heuristic_v1": 640.0,
           "champion g1": 560.0, "policy g1": 150.0, "champion g2": 700.0, "policy g2": 320.0,
           "champion g3": 790.0, "policy g3": 460.0}
    return {p.spec_id: elo[p.name] for p in roster}


def _simulate(plan, truth, settings, rng, advantage=60.0):
    """Bradley-Terry games for a plan, with the match ids the real runner gives them."""
    out = []
    for p in plan:
        rid = pair_run_id(CK, p.a, p.b, settings)
        for blk in range(p.first_block, p.first_block + p.blocks):
            for k, (s1, s2) in enumerate(block_seatings(p.a, p.b, 2)):
                idx = blk * 2 + k
                win = rng.random() < expected_score(truth[s1.spec_id] - truth[s2.spec_id] + advantage)
                seats = ((s1.spec_id, 1 if win else 2), (s2.spec_id, 2 if win else 1))
                out.append(MatchRecord(make_match_id("ladder", rid, idx), CK, seats, "ladder", rid, idx, 80,
                                       "territory_control", "2026-01-01T00:00:00+00:00"))
    return out


def _run(roster, truth, settings, seed=0, rounds=None):
    rng = random.Random(seed)
    recs: list[MatchRecord] = []
    history = []
    k = 0
    while rounds is None or k < rounds:
        plan = next_round(CK, roster, recs, settings, played=len(recs))
        if not plan:
            break
        recs += _simulate(plan, truth, settings, rng)
        history.append(len(recs))
        k += 1
    return recs, history


def test_settings_defaults_validation_and_config_section():
    st = LadderSettings()
    assert st.anchors == ("random", "heuristic_v1", "heuristic_v2", "mcts") and st.target_ci == 50.0
    assert LadderSettings.from_config({"ladder": {"target_ci": 30, "anchors": ["random", "mcts-16"]}}).anchors == \
        ("random", "mcts-16")
    with pytest.raises(ValueError, match="unknown ladder anchor 'alphazero'"):
        LadderSettings(anchors=("random", "alphazero"))
    with pytest.raises(ValueError, match="max_games"):
        LadderSettings(max_games=-1)
    with pytest.raises(ValueError, match="round_pairs"):
        LadderSettings(round_pairs=0)
    assert next_round(CK, anchor_players(st), [], LadderSettings(max_games=0)) == []  # report only
    from engine.config import ConfigError, config_from_dict

    cfg = config_from_dict({"ladder": {"target_ci": 25.0, "max_games": 100}})
    assert cfg.ladder.target_ci == 25.0 and cfg.ladder.max_games == 100
    with pytest.raises(ConfigError, match="ladder.taget_ci"):
        config_from_dict({"ladder": {"taget_ci": 25.0}})


def test_anchor_specs():
    st = LadderSettings(mcts_simulations=50)
    assert anchor_spec("random", st) == PlayerSpec("random")
    assert anchor_spec("heuristic_v2", st) == PlayerSpec("heuristic", profile="heuristic_v2")
    assert anchor_spec("mcts", st) == PlayerSpec("mcts", simulations=50, profile="heuristic_v1")
    assert anchor_spec("mcts-16", st).simulations == 16 and anchor_spec("mcts-16", st).name == "mcts-16+heuristic_v1"
    assert [p.name for p in anchor_players(st)] == ["random", "heuristic_v1", "heuristic_v2", "mcts-50+heuristic_v1"]
    with pytest.raises(ValueError, match="role"):
        LadderPlayer(PlayerSpec("random"), "hero")


def test_policy_spec_kind():
    p = PlayerSpec("policy", model_id="m1")
    assert p.name == "policy:m1" and PlayerSpec.from_json(p.to_json()) == p
    assert p.spec_id != PlayerSpec("gumbel", model_id="m1").spec_id
    with pytest.raises(ValueError, match="policy spec"):
        PlayerSpec("policy")
    with pytest.raises(ValueError, match="policy spec"):
        PlayerSpec("policy", model_id="m1", simulations=8)


def test_first_round_is_a_connected_chain_and_respects_the_cap():
    roster = _roster(2)
    st = LadderSettings(initial_pairs=3)
    chain = initial_chain(roster)
    names = {tuple(sorted((a.name, b.name))) for a, b in chain}
    assert ("heuristic_v2", "champion g1") in {(b, a) for a, b in names} | names
    assert tuple(sorted(("policy g2", "random"))) in names
    plan = next_round(CK, roster, [], st)
    assert len(plan) == len(chain) and all(p.blocks == 3 and p.first_block == 0 for p in plan)
    assert all(p.a.spec_id < p.b.spec_id for p in plan)  # seatings do not depend on discovery order
    small = next_round(CK, roster, [], LadderSettings(initial_pairs=3, max_games=10))
    assert sum(p.blocks for p in small) * 2 <= 10


def test_schedule_recovers_known_strengths_within_intervals_and_resolves_pairs():
    roster = _roster(3)
    truth = _truth(roster)
    st = LadderSettings(max_games=6000)
    recs, _ = _run(roster, truth, st, seed=3)
    rep = ladder_report(CK, roster, recs, {}, st)
    assert rep.games == len(recs) <= st.max_games
    for row in rep.rows:
        lo, hi = row.ci95
        t = truth[row.player.spec_id]
        if row.player.spec.kind == "random":
            assert row.elo == 0 and row.stderr == 0
        else:
            # 95% intervals; 3 standard errors so that one simulation in hundreds fails, not one in twenty
            assert abs(row.elo - t) < 3 * row.stderr, (row.player.name, row.elo, t, row.stderr)
            assert lo < hi
    assert rep.pairs and rep.done, [p.to_json() for p in rep.pairs if p.status not in ("resolved", "separated")]
    close = [p for p in rep.pairs if abs(truth[p.a.spec_id] - truth[p.b.spec_id]) < 100]
    assert close and all(p.status == "resolved" and p.half <= st.target_ci for p in close)
    # every champion was measured against heuristic_v2
    assert {p.a.name for p in rep.pairs if p.why == "vs heuristic_v2"} | \
        {p.a.name for p in rep.pairs if p.why == "adjacent" and p.b.name == "heuristic_v2"} | \
        {p.b.name for p in rep.pairs if p.why == "adjacent" and p.a.name == "heuristic_v2"} >= \
        {"champion g1", "champion g2", "champion g3"}
    # the strength order of the truth is recovered where the gap is large
    order = [r.player.name for r in rep.rows]
    assert order.index("champion g3") < order.index("policy g3") < order.index("policy g1") < order.index("random")


def test_intervals_shrink_with_games():
    roster = _roster(1)
    truth = _truth(roster)
    st = LadderSettings(max_games=10000, target_ci=20.0, separated_elo=10000.0, max_games_per_pair=10000)
    recs, history = _run(roster, truth, st, seed=5, rounds=12)
    assert len(history) == 12
    early = fit(CK, roster, recs[:history[0]])
    late = fit(CK, roster, recs)
    for p in roster:
        if p.spec.kind != "random":
            assert late[p.spec_id].stderr < early[p.spec_id].stderr
    st_early = pair_states(roster, early, recs[:history[0]], st)
    st_late = pair_states(roster, late, recs, st)
    assert max(p.half for p in st_late) < max(p.half for p in st_early)


def test_pair_status_and_caps():
    roster = anchor_players(LadderSettings())[:2]  # random, heuristic_v1
    truth = {roster[0].spec_id: 0.0, roster[1].spec_id: 900.0}
    # a lopsided pair is "separated" long before +-50 Elo
    st = LadderSettings(max_games=2000)
    recs, _ = _run(roster, truth, st, seed=1)
    rep = ladder_report(CK, roster, recs, {}, st)
    assert [p.status for p in rep.pairs] == ["separated"] and len(recs) < 200
    # with separation off, the per-pair cap stops it
    st2 = LadderSettings(max_games=2000, separated_elo=100000.0, max_games_per_pair=40)
    recs2, _ = _run(roster, truth, st2, seed=1)
    assert 40 <= len(recs2) <= 48 and [p.status for p in ladder_report(CK, roster, recs2, {}, st2).pairs] == ["capped"]
    assert not ladder_report(CK, roster, recs2, {}, st2).done
    assert games_by_pair(recs2) == {pair_key(*roster): len(recs2)}


def test_a_rerun_continues_after_the_recorded_blocks():
    roster = anchor_players(LadderSettings())[:3]
    truth = {p.spec_id: e for p, e in zip(roster, (0.0, 500.0, 540.0))}
    st = LadderSettings(initial_pairs=2, max_games=1000)
    rng = random.Random(0)
    first = _simulate(next_round(CK, roster, [], st), truth, st, rng)
    plan = next_round(CK, roster, first, st)
    done = games_by_pair(first)
    assert plan and any(pair_key(p.a, p.b) in done for p in plan)
    for p in plan:  # a pair continues after its recorded blocks; a pair new to the plan starts at 0
        assert p.first_block == done.get(pair_key(p.a, p.b), 0) // 2
    ids = {r.match_id for r in first}
    assert not ids & {r.match_id for r in _simulate(plan, truth, st, rng)}
    assert next_round(CK, roster, first, st, played=1000) == []


def test_report_tables_and_json():
    roster = _roster(1)
    truth = _truth(roster)
    st = LadderSettings(max_games=400)
    recs, _ = _run(roster, truth, st, seed=2)
    timings = {r.match_id: ((0.02, 0.5), (40, 41)) for r in recs}
    rep = ladder_report(CK, roster, recs, timings, st, new_games=len(recs), seconds=12.0)
    text = rep.format()
    assert text.splitlines()[0].startswith(f"ladder {CK}: {len(recs)} games")
    assert "s/move (CPU)" in text and "anchor" in text and "95% CI" in text
    md = rep.to_markdown()
    assert md.startswith("| player | role | Elo | 95% CI |") and md.count("\n|---") == 2
    js = json.loads(json.dumps(rep.to_json()))
    assert {p["player"] for p in js["players"]} == {p.name for p in roster}
    rnd = next(p for p in js["players"] if p["kind"] == "random")
    assert rnd["elo"] == 0 and rnd["ci_low"] == rnd["ci_high"] == 0
    assert all(p["sec_per_move"] is not None and p["decisions"] > 0 for p in js["players"])
    h2 = next(p for p in js["players"] if p["player"] == "heuristic_v2")
    assert h2["vs_heuristic_v2"] == 0 and h2["vs_heuristic_v2_ci95"] == 0
    assert all(p["vs_heuristic_v2_ci95"] > 0 for p in js["players"] if p["player"] != "heuristic_v2")
    ch = rep.row(next(p for p in roster if p.role == "champion"))
    assert abs(ch.vs_ref[0] - (ch.elo - rep.row(next(p for p in roster if p.name == "heuristic_v2")).elo)) < 1e-6
    assert "vs heuristic_v2" in text
    pol = next(p for p in js["players"] if p["role"] == "policy")
    assert pol["generation"] == 1 and pol["model_id"] == "m1"


def test_a_perfect_record_is_separated_by_its_own_score():
    roster = anchor_players(LadderSettings())[:2]  # random, heuristic_v1
    st = LadderSettings()
    a, b = roster[1].spec, roster[0].spec  # heuristic_v1 wins every game
    rid = pair_run_id(CK, a, b, st)
    recs = [MatchRecord(make_match_id("ladder", rid, i), CK,
                        ((a.spec_id, 1), (b.spec_id, 2)) if i % 2 == 0 else ((b.spec_id, 2), (a.spec_id, 1)),
                        "ladder", rid, i, 50, "ring_elimination", "2026-01-01T00:00:00+00:00") for i in range(16)]
    (p,) = pair_states(roster, fit(CK, roster, recs, prior_draws=st.prior_draws), recs, st)
    assert p.a.spec_id == a.spec_id and abs(p.diff) - p.half < st.separated_elo  # the fit alone cannot tell
    assert p.status == "separated"  # 16-0: Wilson lower bound 0.81 > the 76% of a 200-Elo gap
    few = recs[:4]  # 4-0: lower bound 0.51, not enough
    (q,) = pair_states(roster, fit(CK, roster, few, prior_draws=st.prior_draws), few, st)
    assert q.status == "open"
