"""GumbelPlayer: contract, determinism, improved policy, sequential halving budget, immediate wins."""

from __future__ import annotations

import pytest

from engine.game import apply_move, legal_moves, state_to_json
from engine.players import GumbelPlayer, HeuristicEvaluator, PlayerSpec, make_player, play_match
from tests.game.helpers import position
from tests.players.helpers import decision_positions


def _positions(board="square8", players=2, n=12, seed=0):
    return decision_positions(board, players, n, seed)


@pytest.mark.parametrize("board,players", [("square8", 2), ("hex8", 3)])
def test_contract_and_improved_policy(board, players):
    p = GumbelPlayer(HeuristicEvaluator(), simulations=16, max_considered=4, seed=1)
    for s in _positions(board, players, n=8):
        before = state_to_json(s)
        z = s.zobrist
        legal = legal_moves(s)
        m = p.choose(s)
        assert m in legal
        assert state_to_json(s) == before and s.zobrist == z
        st = p.last_stats
        assert st.moves == tuple(legal) and st.move == m and st.legal_count == len(legal)
        assert len(st.policy) == len(legal) and abs(sum(st.policy) - 1) < 1e-9
        assert all(0 <= x <= 1 for x in st.policy)
        assert sum(p.last_visits) == 16 == p.last_simulations
        assert len(p.last_considered) == min(4, len(legal))
        # only considered moves are searched, and the winner is one of them
        assert all(v == 0 for i, v in enumerate(p.last_visits) if i not in p.last_considered)
        assert st.chosen in p.last_considered
        assert len(st.values) == players and all(-1 <= v <= 1 for v in st.values)


def test_deterministic_per_seed():
    ps = _positions(n=10, seed=3)
    a = [GumbelPlayer(simulations=12, seed=7).choose(s) for s in ps]
    b = [GumbelPlayer(simulations=12, seed=7).choose(s) for s in ps]
    assert a == b


@pytest.mark.parametrize("big_first", [True, False])
def test_finds_immediate_win(big_first):
    stacks = {"0,0": [1, 1], "7,7": [1], "3,3": [2]} if big_first else {"0,0": [1], "7,7": [1, 1], "3,3": [2]}
    s = position("square8", 2, stacks=stacks, eliminated=[16, 0], phase="forced_elimination")
    legal = legal_moves(s)
    assert len(legal) == 2
    for seed in range(3):
        p = GumbelPlayer(simulations=8, seed=seed)
        m = p.choose(s)
        after = apply_move(s, m)
        assert after.is_over and after.winner == 1
        # the improved policy puts (almost) all mass on the win
        assert p.last_stats.policy[legal.index(m)] > 0.9


def test_three_player_game_runs_to_the_end():
    players = [GumbelPlayer(simulations=4, max_considered=4, seed=i) for i in range(3)]
    r = play_match("square8", 3, players, seed=2, check=True, max_moves=3000)
    assert not r.capped and r.victory_reason is not None and r.decisions > 0


def test_make_player():
    p = make_player(PlayerSpec("gumbel", simulations=8), seed=1)
    assert isinstance(p, GumbelPlayer) and p.spec()["kind"] == "gumbel"


def test_gumbel_nonroot_selection():
    ps = _positions(n=6, seed=4)
    for s in ps:
        p = GumbelPlayer(simulations=24, max_considered=4, nonroot="gumbel", seed=2)
        m = p.choose(s)
        assert m in legal_moves(s) and sum(p.last_visits) == 24 and p.spec()["nonroot"] == "gumbel"
    a = [GumbelPlayer(simulations=24, nonroot="gumbel", seed=2).choose(s) for s in ps]
    assert a == [GumbelPlayer(simulations=24, nonroot="gumbel", seed=2).choose(s) for s in ps]
    with pytest.raises(ValueError, match="nonroot"):
        GumbelPlayer(nonroot="ucb")


def test_improved_policy_helpers():
    from engine.players.mcts import Node, Tree, completed_q, improved_policy

    s = _positions(n=1, seed=2)[0]
    tree = Tree(HeuristicEvaluator(), 1.5)
    root = Node(s.clone(), legal_moves(s))
    v = tree.evaluate(root)
    root.N, root.W = 1, list(v)
    # unvisited: every completed Q is the node's own value, the improved policy is the prior
    assert completed_q(root, 0.25) == [0.25] * len(root.moves)
    assert improved_policy(root, 50.0, 1.0) == pytest.approx(root.priors)
    for i in range(3):
        tree.simulate(root, i)
    pi = improved_policy(root, 50.0, 1.0)
    assert abs(sum(pi) - 1) < 1e-9 and pi != pytest.approx(root.priors)
