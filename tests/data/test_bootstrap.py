"""bootstrap_games: exploratory openings of a heuristic profile, soft or one-hot policy targets."""

from __future__ import annotations

import pytest

from engine.data import check_parity, generate_games
from engine.data.bootstrap import ExploringHeuristic, bootstrap_games


def _off_best(recs, plies):
    """Decisions before ``plies`` whose played move is not one of the best-scored moves."""
    return sum(d.policy[d.policy_index.index(d.chosen)] < max(d.policy) for r in recs for d in r.decisions
               if d.ply < plies and d.policy)


def test_exploration_plays_other_moves_only_in_the_opening():
    plain = generate_games("square8", 2, [ExploringHeuristic(1, plies=0), ExploringHeuristic(2, plies=0)], 6, seed=0)
    explored = bootstrap_games("square8", 2, 6, seed=0, plies=8, temperature=1.0)
    assert _off_best(plain, 1000) == 0
    assert _off_best(explored, 8) > 0 and _off_best(explored, 1000) == _off_best(explored, 8)
    assert all(check_parity(r).ok for r in explored)
    assert all(r.players[0]["profile"] == "heuristic-v2" for r in explored)


def test_rerun_is_identical():
    a = bootstrap_games("square8", 2, 3, seed=4, plies=6, temperature=2.0)
    b = bootstrap_games("square8", 2, 3, seed=4, plies=6, temperature=2.0)
    assert [x.to_json() | {"timings": None} for x in a] == [x.to_json() | {"timings": None} for x in b]


def test_choice_target_is_one_hot_soft_is_not():
    soft = bootstrap_games("square8", 2, 2, seed=1, target="soft")
    choice = bootstrap_games("square8", 2, 2, seed=1, target="choice")
    assert any(max(d.policy) < 1.0 for r in soft for d in r.decisions)
    for r in choice:
        for d in r.decisions:
            assert sorted(d.policy)[-1] == 1.0 and sum(d.policy) == 1.0


def test_epsilon_moves_carry_no_target():
    recs = bootstrap_games("square8", 2, 3, seed=2, plies=6, temperature=0.0, epsilon=1.0)
    for r in recs:
        assert all(d.policy is None for d in r.decisions if d.ply < 6)  # random moves: no target
        assert all(d.policy for d in r.decisions if d.ply >= 6)


def test_mistakes_play_random_moves_after_the_opening_and_keep_the_heuristics_target():
    clean = bootstrap_games("square8", 2, 4, seed=3, plies=4, target="choice")
    noisy = bootstrap_games("square8", 2, 4, seed=3, plies=4, target="choice", mistakes=0.5)
    # a mistake is a decision whose played move is not the target's move; its target is kept
    assert _off_target(clean) == 0
    assert _off_target(noisy) > 0
    assert all(d.policy for r in noisy for d in r.decisions if d.ply >= 4)
    assert all(check_parity(r).ok for r in noisy)
    assert noisy[0].players[0]["bootstrap"]["mistakes"] == 0.5
    assert "mistakes" not in clean[0].players[0]["bootstrap"]  # earlier games keep their ids


def _off_target(recs):
    return sum(d.ply >= 4 and d.policy_index[d.policy.index(1.0)] != d.chosen
               for r in recs for d in r.decisions if d.policy and len(d.policy) > 1)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="target"):
        ExploringHeuristic(target="hard")
    with pytest.raises(ValueError, match="epsilon"):
        ExploringHeuristic(epsilon=2.0)
    with pytest.raises(ValueError, match="mistakes"):
        ExploringHeuristic(mistakes=-0.1)
