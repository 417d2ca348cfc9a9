"""MCTSPlayer: contract, determinism, visit counts, immediate wins, noise/temperature, 3-player max-n."""

from __future__ import annotations

import pytest

from engine.game import apply_move, legal_moves, new_game, state_to_json
from engine.players import HeuristicEvaluator, HeuristicPlayer, MCTSPlayer, PlayerSpec, make_player, play_match
from tests.game.helpers import position
from tests.players.helpers import decision_positions


def _positions(board="square8", players=2, n=12, seed=0):
    return decision_positions(board, players, n, seed)


@pytest.mark.parametrize("board,players", [("square8", 2), ("hex8", 3)])
def test_contract_legal_unmodified_visits(board, players):
    p = MCTSPlayer(HeuristicEvaluator(), simulations=24, seed=1)
    for s in _positions(board, players, n=8):
        before = state_to_json(s)
        z = s.zobrist
        legal = legal_moves(s)
        m = p.choose(s)
        assert m in legal
        assert state_to_json(s) == before and s.zobrist == z
        st = p.last_stats
        assert st.moves == tuple(legal) and st.move == m and st.legal_count == len(legal)
        assert sum(p.last_visits) == 24 == p.last_simulations
        assert abs(sum(st.policy) - 1) < 1e-9
        assert all(abs(x - v / 24) < 1e-12 for x, v in zip(st.policy, p.last_visits))
        assert len(st.values) == players and all(-1 <= v <= 1 for v in st.values)
        assert st.evaluated >= 1


def test_deterministic_per_seed():
    ps = _positions(n=10, seed=3)
    for kw in ({}, {"add_noise": True, "temperature": 1.0}):
        a = [MCTSPlayer(simulations=16, seed=7, **kw).choose(s) for s in ps]
        b = [MCTSPlayer(simulations=16, seed=7, **kw).choose(s) for s in ps]
        assert a == b


def test_noise_and_temperature_change_choices():
    s = new_game("square8", 2)
    picks = {MCTSPlayer(simulations=16, seed=k, add_noise=True, temperature=1.0).choose(s) for k in range(8)}
    assert len(picks) > 1


@pytest.mark.parametrize("big_first", [True, False])
def test_finds_immediate_win(big_first):
    stacks = {"0,0": [1, 1], "7,7": [1], "3,3": [2]} if big_first else {"0,0": [1], "7,7": [1, 1], "3,3": [2]}
    s = position("square8", 2, stacks=stacks, eliminated=[16, 0], phase="forced_elimination")
    assert len(legal_moves(s)) == 2
    for seed in range(3):
        p = MCTSPlayer(simulations=16, seed=seed)
        after = apply_move(s, p.choose(s))
        assert after.is_over and after.winner == 1
        assert p.last_stats.values[0] > 0.5


def test_three_player_game_runs_to_the_end():
    players = [MCTSPlayer(simulations=4, seed=i) for i in range(3)]
    r = play_match("hex8", 3, players, seed=1, check=True, max_moves=3000)
    assert not r.capped and r.victory_reason is not None and r.decisions > 0
    assert all(st is not None and len(st.values) == 3 for st in r.stats)


def test_make_player_and_spec():
    p = make_player(PlayerSpec("mcts", simulations=8), seed=3)
    assert isinstance(p, MCTSPlayer) and p.spec()["kind"] == "mcts" and p.spec()["simulations"] == 8
    r = play_match("square8", 2, [p, HeuristicPlayer(seed=1)], seed=0, check=True, max_moves=60)
    assert r.decisions > 0


def test_leaf_batching_keeps_the_budget_and_batches_calls():
    calls = []

    class Counting(HeuristicEvaluator):
        def evaluate(self, states, legal=None):
            calls.append(len(states))
            return super().evaluate(states, legal)

    for s in _positions(n=4, seed=5):
        calls.clear()
        p = MCTSPlayer(Counting(), simulations=32, leaf_batch=8, seed=1)
        m = p.choose(s)
        assert m in legal_moves(s) and sum(p.last_visits) == 32
        assert calls[0] == 1 and max(calls) > 1 and len(calls) < 32
        assert p.spec()["leaf_batch"] == 8
    with pytest.raises(ValueError):
        MCTSPlayer(leaf_batch=0)


def test_leaf_batching_still_finds_the_win():
    s = position("square8", 2, stacks={"0,0": [1], "7,7": [1, 1], "3,3": [2]}, eliminated=[16, 0],
                 phase="forced_elimination")
    p = MCTSPlayer(simulations=16, leaf_batch=4, seed=0)
    assert apply_move(s, p.choose(s)).winner == 1


def _tree_nodes(root):
    out, todo = [], [root]
    while todo:
        nd = todo.pop()
        if nd.priors is not None and not nd.terminal:
            out.append(nd)
        todo += [c for c in nd.children if c is not None]
    return out


@pytest.mark.parametrize("kind", ["heuristic", "network"])
def test_gumbel_selection_equals_its_definition(kind):
    """``select_gumbel`` (O(visited children)) picks what the definition over every move picks."""
    from engine.players.mcts import Node, Tree

    if kind == "network":
        from engine.nn.evaluator import NetworkEvaluator
        from engine.nn.inference import Inference
        from tests.nn.helpers import tiny_net

        ev = NetworkEvaluator(Inference(tiny_net(seed=5), device="cpu"))
    else:
        ev = HeuristicEvaluator()
    checked = 0
    for s in decision_positions(n=40, seed=9)[::16]:
        for c_visit in (50.0, 0.5):
            tree = Tree(ev, 1.5, "gumbel", c_visit=c_visit)
            root = Node(s.clone(), legal_moves(s))
            root.N, root.W = 1, list(tree.evaluate(root))
            for _ in range(32):
                for nd in _tree_nodes(root):
                    assert tree.select_gumbel(nd) == tree.select_gumbel_reference(nd)
                    checked += 1
                tree.simulate(root)
    assert checked > 300
