"""The uniform random player: contract, stats shape, determinism."""

from __future__ import annotations

from engine.game import legal_moves, state_to_json
from engine.players import RandomPlayer
from tests.players.helpers import decision_positions


def _positions(board="square8", players=2, n=60, seed=0):
    return decision_positions(board, players, n, seed)


def test_contract_legal_unmodified_stats():
    p = RandomPlayer(seed=3)
    for s in _positions(players=3):
        before = state_to_json(s)
        legal = legal_moves(s)
        m = p.choose(s)
        assert m in legal
        assert state_to_json(s) == before
        st = p.last_stats
        assert st.moves == tuple(legal) and st.legal_count == len(legal)
        assert len(st.policy) == len(legal) and abs(sum(st.policy) - 1) < 1e-9
        assert st.moves[st.chosen] == m == st.move
        assert len(st.values) == 3


def test_deterministic_per_seed():
    ps = _positions(n=40)
    a = [RandomPlayer(seed=7).choose(s) for s in ps]
    b = [RandomPlayer(seed=7).choose(s) for s in ps]
    c = [RandomPlayer(seed=8).choose(s) for s in ps]
    assert a == b and a != c


def test_spec():
    assert RandomPlayer(seed=4).spec() == {"kind": "random", "name": "random", "version": "random-v1", "seed": 4}
