"""The heuristic player: contract, determinism, profiles, immediate wins, placement pruning."""

from __future__ import annotations

import json

import pytest

from engine.game import apply_move, legal_moves, new_game, state_to_json
from engine.players import FEATURES, HeuristicPlayer, ProfileError, load_profile
from tests.game.helpers import position
from tests.players.helpers import decision_positions


def _positions(board="square8", players=2, n=50, seed=0):
    return decision_positions(board, players, n, seed)


@pytest.mark.parametrize("board,players", [("square8", 2), ("hex8", 3), ("square8", 4)])
def test_contract_legal_unmodified_stats(board, players):
    h = HeuristicPlayer(seed=1)
    for s in _positions(board, players):
        before = state_to_json(s)
        z = s.zobrist
        legal = legal_moves(s)
        m = h.choose(s)
        assert m in legal
        assert state_to_json(s) == before and s.zobrist == z
        st = h.last_stats
        assert st.move == m and st.legal_count == len(legal)
        assert 1 <= len(st.moves) <= len(legal) and set(st.moves) <= set(legal)
        assert len(st.policy) == len(st.moves) and abs(sum(st.policy) - 1) < 1e-9
        assert all(0 <= x <= 1 for x in st.policy)
        assert len(st.values) == players and all(-1 <= v <= 1 for v in st.values)
        assert st.evaluated >= 1


def test_deterministic_per_seed():
    ps = _positions(n=40, seed=3)
    a = [HeuristicPlayer(seed=7).choose(s) for s in ps]
    b = [HeuristicPlayer(seed=7).choose(s) for s in ps]
    assert a == b


def test_placement_pruned_to_top_k():
    s = new_game("square8", 2)
    h = HeuristicPlayer(seed=0)
    h.choose(s)
    st = h.last_stats
    assert st.legal_count > 100
    assert len(st.moves) == h.top_k and st.evaluated == h.top_k


@pytest.mark.parametrize("big_first", [True, False])
def test_prefers_immediate_winning_move(big_first):
    # P1 is 2 rings short of the ring-elimination threshold (18) and must eliminate a cap: only the
    # cap of 2 wins.
    stacks = {"0,0": [1, 1], "7,7": [1], "3,3": [2]} if big_first else {"0,0": [1], "7,7": [1, 1], "3,3": [2]}
    s = position("square8", 2, stacks=stacks, eliminated=[16, 0], phase="forced_elimination")
    assert len(legal_moves(s)) == 2
    for seed in range(4):
        h = HeuristicPlayer(seed=seed)
        m = h.choose(s)
        after = apply_move(s, m)
        assert after.is_over and after.winner == 1 and after.victory_reason == "ring_elimination"
        assert h.last_stats.values == (1.0, -1.0)


def test_prefers_winning_capture_line_reward():
    # Line reward owed in line processing: any elimination wins at 17 + 1 -> the chosen one wins.
    s = position("square8", 2, stacks={"0,0": [1], "5,5": [1, 1], "3,3": [2]}, eliminated=[17, 0],
                 phase="line_processing", pendingLineRewardElimination=True)
    moves = legal_moves(s)
    if not moves or moves[0].type != "eliminate_rings_from_stack":
        pytest.skip("the vector format did not carry the pending line reward")
    m = HeuristicPlayer(seed=0).choose(s)
    assert apply_move(s, m).winner == 1


def test_default_profile_loads_by_name():
    prof = load_profile("heuristic_v1")
    assert prof["version"] == "heuristic-v1"
    assert set(prof["weights"]) == set(FEATURES)
    assert HeuristicPlayer(seed=2).spec() == {"kind": "heuristic", "name": "heuristic", "profile": "heuristic-v1",
                                              "seed": 2}
    raw = json.loads(open(prof["path"]).read())
    assert set(raw["weights"]) <= set(FEATURES)


def _write(tmp_path, obj, name="p.json"):
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return p


def test_unknown_feature_is_an_error_naming_file_and_key(tmp_path):
    p = _write(tmp_path, {"version": "x", "weights": {"stacks": 1, "bogus_feature": 2}}, "bad.json")
    with pytest.raises(ProfileError) as e:
        load_profile(p)
    assert "bad.json" in str(e.value) and "bogus_feature" in str(e.value)
    with pytest.raises(ProfileError):
        HeuristicPlayer(profile=p)


@pytest.mark.parametrize("obj,needle", [
    ({"weights": {"stacks": 1}}, "version"),
    ({"version": "x"}, "weights"),
    ({"version": "x", "weights": {"stacks": "a"}}, "stacks"),
    ({"version": "x", "weights": {}, "params": {"nope": 1}}, "nope"),
    ({"version": "x", "weights": {}, "extra": 1}, "extra"),
    ("{not json", "JSON"),
])
def test_bad_profiles(tmp_path, obj, needle):
    p = _write(tmp_path, obj)
    with pytest.raises(ProfileError) as e:
        load_profile(p)
    assert needle in str(e.value) and str(p) in str(e.value)


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="no_such_profile"):
        load_profile("no_such_profile")


def test_custom_profile_changes_behaviour(tmp_path):
    p = _write(tmp_path, {"version": "t", "weights": {"rings_in_hand": 5.0}, "params": {"placement_top_k": 3}})
    h = HeuristicPlayer(seed=0, profile=p)
    assert h.version == "t" and h.top_k == 3
    h.choose(new_game("square8", 2))
    assert len(h.last_stats.moves) == 3


def test_turn_depth_param_keeps_the_contract(tmp_path):
    p = _write(tmp_path, {"version": "t", "weights": load_profile()["weights"], "params": {"turn_depth": 1}})
    h = HeuristicPlayer(seed=0, profile=p)
    for s in _positions(n=15, seed=5):
        before = state_to_json(s)
        m = h.choose(s)
        assert m in legal_moves(s) and state_to_json(s) == before
        assert h.last_stats.evaluated >= len(h.last_stats.moves)
