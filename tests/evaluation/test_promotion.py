"""run_promotion with real games: accept, reject, inconclusive, batching, multiplayer blocks."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.evaluation import EvaluatorCache, PlayerSpec, PromotionSettings, run_promotion

from .helpers import CountingLoader

R, H = PlayerSpec("random"), PlayerSpec("heuristic")


def _settings(**kw):
    base = dict(min_games=8, max_games=120, batch_pairs=8, opening_moves=2, max_moves=400)
    base.update(kw)
    return PromotionSettings(**base)


def test_stronger_candidate_is_promoted():
    seen = []
    res = run_promotion(H, R, "square8_2p", _settings(), seed=1, on_block=lambda st: seen.append(st.llr))
    assert res.decision == "accept" and res.promote and res.sprt.llr >= res.sprt.upper
    assert res.counted_games == res.sprt.games == 2 * res.sprt.pairs == 2 * len(seen)
    assert res.wins + res.draws + res.losses == res.counted_games and res.wins > res.losses
    assert len(res.records) >= res.counted_games and len(res.records) % 16 == 0  # whole batches are played
    assert {r.source for r in res.records} == {"promotion"}
    assert len({r.match_id for r in res.records}) == len(res.records)
    # colour-swapped pairs: the candidate is seat 1 in the first game of each pair
    assert [r.spec_ids[0] == H.spec_id for r in res.records[:4]] == [True, False, True, False]
    again = run_promotion(H, R, "square8_2p", _settings(), seed=1)
    assert [r.match_id for r in again.records] == [r.match_id for r in res.records]
    assert again.sprt == res.sprt
    js = res.to_json()
    assert js["decision"] == "accept" and js["games_played"] == len(res.records)


def test_weaker_candidate_is_rejected():
    res = run_promotion(R, H, "square8_2p", _settings(), seed=2)
    assert res.decision == "reject" and not res.promote and res.sprt.llr <= res.sprt.lower


def test_inconclusive_at_max_games_and_decision_inside_a_batch():
    res = run_promotion(H, R, "square8_2p", _settings(min_games=4, max_games=4, batch_pairs=1), seed=3)
    assert res.decision == "inconclusive" and not res.promote
    assert len(res.records) == res.counted_games == 4
    # a decision in the middle of a batch: the rest of the batch is recorded but not counted
    res = run_promotion(H, R, "square8_2p", _settings(min_games=2, max_games=200, batch_pairs=24), seed=4)
    assert res.decision == "accept" and res.counted_games < len(res.records) == 48


def test_three_player_blocks_and_config_section():
    res = run_promotion(H, R, "hex8_3p", {"promotion": {"min_games": 6, "max_games": 6, "batch_pairs": 2,
                                                        "opening_moves": 2, "max_moves": 400}}, seed=0)
    assert res.decision in ("inconclusive", "accept") and res.counted_games == 6 and len(res.sprt.pentanomial) == 7
    assert [r.spec_ids.index(H.spec_id) for r in res.records] == [0, 1, 2, 0, 1, 2]
    assert all(r.spec_ids.count(R.spec_id) == 2 for r in res.records)


def test_two_networks_each_batch_and_errors():
    loader = CountingLoader()
    cand = PlayerSpec("mcts", model_id="cand", simulations=3)
    champ = PlayerSpec("mcts", model_id="champ", simulations=3)
    res = run_promotion(cand, champ, "square8_2p", _settings(min_games=4, max_games=8, batch_pairs=4, max_moves=60),
                        evaluators=EvaluatorCache(loader))
    assert sorted(loader.loaded) == ["cand", "champ"] and res.counted_games == 8
    # the 8 games are in flight together; at each step about half of them wait on each network
    assert max(loader.evaluators["cand"].batches) >= 4 and max(loader.evaluators["champ"].batches) >= 4
    with pytest.raises(ValueError, match="same"):
        run_promotion(H, H.with_label("copy"), "square8_2p", _settings())
    with pytest.raises(ValueError):
        run_promotion(H, R, "square8", _settings())


def test_real_network_evaluators():
    torch = pytest.importorskip("torch")
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from engine.nn.network import NetworkArch, build_network

    torch.set_num_threads(1)

    def loader(model_id):
        net = build_network(NetworkArch.for_config("square8", 2, channels=8, blocks=1), seed=len(model_id))
        return NetworkEvaluator(Inference(net, device="cpu"), model_id=model_id)

    cache = EvaluatorCache(loader)
    cand = PlayerSpec("gumbel", model_id="cand-net", simulations=4, max_considered=4)
    champ = PlayerSpec("gumbel", model_id="net", simulations=4, max_considered=4)
    res = run_promotion(cand, champ, "square8_2p", _settings(min_games=4, max_games=4, batch_pairs=2, max_moves=40),
                        evaluators=cache)
    assert res.decision == "inconclusive" and res.counted_games == 4
    assert cache.models["cand-net"].evaluated > 0 and cache.models["net"].evaluated > 0


def test_a_resumed_promotion_continues_the_test_from_the_match_log():
    st = _settings(batch_pairs=2)  # records carry created_at="t": comparing them compares the games
    counted = []
    whole = run_promotion(H, R, "square8_2p", st, seed=6, created_at="t", on_counted=counted.extend)
    assert [r.match_id for r in counted] == [r.match_id for r in whole.records[:whole.counted_games]]
    # the same test resumed with everything stored: no game is played, the same decision
    again = run_promotion(H, R, "square8_2p", st, seed=6, created_at="t", done={r.match_id: r for r in counted})
    assert again.sprt == whole.sprt and again.records[:whole.counted_games] == whole.records[:whole.counted_games]
    # a crash after three blocks were counted and stored; the first stored game is marked (the
    # candidate lost it) so that taking it from the log, not replaying it, shows
    first = counted[0]
    lost = tuple((sid, 2 if sid == H.spec_id else 1) for sid, _ in first.seats)
    stored = [replace(first, seats=lost), *counted[1:6]]
    reported = []
    rep = run_promotion(H, R, "square8_2p", st, seed=6, created_at="t", done={r.match_id: r for r in stored},
                        on_counted=reported.extend)
    assert first.outcome(H.spec_id) == "win" and rep.records[:6] == tuple(stored)
    assert rep.losses == whole.losses + 1 or rep.counted_games != whole.counted_games
    k = min(len(rep.records), len(whole.records))
    assert rep.records[6:k] == whole.records[6:k]  # the games played now are the whole run's games
    assert reported[:6] == stored  # every counted block is still reported, in order
