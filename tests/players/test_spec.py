"""PlayerSpec identity, JSON, normalisation; building players through EvaluatorCache."""

from __future__ import annotations

import pytest

from engine.players import (
    RANDOM_SPEC_ID,
    EvaluatorCache,
    GumbelPlayer,
    HeuristicEvaluator,
    HeuristicPlayer,
    MCTSPlayer,
    PlayerSpec,
    RandomPlayer,
    make_player,
)


def test_spec_id_is_stable_and_canonical():
    # pinned: a change here re-keys every stored rating (bump SPEC_VERSION deliberately instead)
    assert PlayerSpec("random").canonical_json() == (
        '{"kind":"random","max_considered":null,"model_id":null,"options":{},"profile":null,"simulations":null,"v":1}')
    assert RANDOM_SPEC_ID == PlayerSpec("random").spec_id
    assert len(RANDOM_SPEC_ID) == 64 and int(RANDOM_SPEC_ID, 16) >= 0
    assert PlayerSpec("mcts").spec_id == "fab8ef2a566b92d71f1b73e4b1945fe5aee7d9f62352b6e735bb29fef941645b"


def test_defaults_normalised_and_label_not_identity():
    assert PlayerSpec("mcts") == PlayerSpec("mcts", simulations=200, profile="heuristic_v1")
    assert PlayerSpec("mcts").spec_id == PlayerSpec("mcts", options={"c_puct": 1.5}).spec_id
    assert PlayerSpec("mcts", options={"c_puct": 2}).options == (("c_puct", 2.0),)
    assert PlayerSpec("mcts", options={"c_puct": 2}).spec_id == PlayerSpec("mcts", options={"c_puct": 2.0}).spec_id
    g = PlayerSpec("gumbel", model_id="m1")
    assert (g.simulations, g.max_considered, g.profile) == (64, 16, None)
    assert PlayerSpec("heuristic").profile == "heuristic_v1"
    a, b = PlayerSpec("gumbel", model_id="m1", label="gen 1"), PlayerSpec("gumbel", model_id="m1", label="other")
    assert a == b and a.spec_id == b.spec_id and hash(a) == hash(b)
    assert a.name == "gen 1" and g.name == "gumbel-64/16:m1" and PlayerSpec("mcts", simulations=16).name == "mcts-16"
    assert PlayerSpec("mcts", simulations=16).spec_id != PlayerSpec("mcts", simulations=17).spec_id
    assert PlayerSpec("gumbel", model_id="m1").spec_id != PlayerSpec("gumbel", model_id="m2").spec_id


def test_json_round_trip():
    for s in [PlayerSpec("random"), PlayerSpec("heuristic", label="h"), PlayerSpec("mcts", simulations=8),
              PlayerSpec("gumbel", model_id="abc", simulations=32, max_considered=8,
                         options={"c_visit": 30.0, "nonroot": "gumbel"}, label="cand")]:
        d = s.to_json()
        t = PlayerSpec.from_json(d)
        assert t == s and t.label == s.label and t.spec_id == d["spec_id"]
        import json
        assert PlayerSpec.from_json(json.dumps(d)) == s
    bad = PlayerSpec("mcts").to_json()
    bad["spec_id"] = "0" * 64
    with pytest.raises(ValueError):
        PlayerSpec.from_json(bad)


@pytest.mark.parametrize("kwargs", [
    dict(kind="alphabeta"), dict(kind="random", simulations=3), dict(kind="heuristic", model_id="m"),
    dict(kind="mcts", simulations=0), dict(kind="mcts", max_considered=4), dict(kind="mcts", model_id="m", profile="p"),
    dict(kind="mcts", options={"nope": 1}), dict(kind="mcts", options={"add_noise": 1}),
    dict(kind="gumbel", max_considered=0), dict(kind="random", profile="heuristic_v1"),
])
def test_invalid_specs(kwargs):
    with pytest.raises(ValueError):
        PlayerSpec(**kwargs)


def test_make_player_kinds_and_shared_evaluators():
    loads = []

    def loader(model_id):
        loads.append(model_id)
        return HeuristicEvaluator()

    cache = EvaluatorCache(loader)
    assert isinstance(make_player(PlayerSpec("random"), 1, cache), RandomPlayer)
    h = make_player(PlayerSpec("heuristic", label="H"), 2, cache)
    assert isinstance(h, HeuristicPlayer) and h.name == "H" and h.seed == 2
    m1 = make_player(PlayerSpec("mcts", simulations=8, options={"c_puct": 2.0}), 3, cache)
    m2 = make_player(PlayerSpec("mcts", simulations=8), 4, cache)
    assert isinstance(m1, MCTSPlayer) and m1.simulations == 8 and m1.c_puct == 2.0
    assert m1.evaluator is m2.evaluator  # one heuristic evaluator per profile
    g1 = make_player(PlayerSpec("gumbel", model_id="m1", simulations=8, max_considered=4), 5, cache)
    g2 = make_player(PlayerSpec("gumbel", model_id="m1", simulations=8, max_considered=4), 6, cache)
    g3 = make_player(PlayerSpec("mcts", model_id="m2", simulations=8), 7, cache)
    assert isinstance(g1, GumbelPlayer) and g1.max_considered == 4 and g1.evaluator is g2.evaluator
    assert g3.evaluator is not g1.evaluator and loads == ["m1", "m2"]
    # a bare loader works too; a network spec without any loader is a clear error
    assert isinstance(make_player(PlayerSpec("mcts", model_id="x", simulations=2), 0, loader), MCTSPlayer)
    with pytest.raises(ValueError, match="model_loader"):
        make_player(PlayerSpec("mcts", model_id="x"), 0)


class _Tagged(GumbelPlayer):
    """A search player subclass with one more constructor argument (as self-play's scheduled Gumbel)."""

    def __init__(self, *args, tag: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.tag = tag


def test_make_player_builds_a_subclass_with_its_extra_arguments():
    spec = PlayerSpec("gumbel", simulations=8, max_considered=4, label="gumbel")
    p = make_player(spec, 9, player_class=_Tagged, tag="selfplay")
    plain = make_player(spec, 9)
    assert type(p) is _Tagged and p.tag == "selfplay"
    assert p.spec() == plain.spec()  # the spec's settings, name and seed, whatever the class
    with pytest.raises(ValueError, match="subclass of the mcts player class"):
        make_player(PlayerSpec("mcts", simulations=8), 0, player_class=_Tagged, tag="x")
    with pytest.raises(ValueError, match="subclass of the random player class"):
        make_player(PlayerSpec("random"), 0, tag="x")
