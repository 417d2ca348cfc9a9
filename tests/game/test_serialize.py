"""JSON in the contract-vector format (VECTORS_FORMAT.md §3-4): round trips of states and moves
from random positions on every board, rings top-first on the wire, replay."""

from __future__ import annotations

import json
import random

import pytest

from engine.game import (
    apply_move,
    legal_moves,
    move_from_json,
    move_to_json,
    new_game,
    replay,
    state_from_json,
    state_to_json,
)
from engine.game.moves import Move

from .helpers import position, types

CONFIGS = [
    # board, players, plies, seed
    ("square8", 2, 400, 1),
    ("square8", 3, 400, 2),
    ("square8", 4, 400, 3),
    ("hex8", 2, 400, 4),
    ("hex8", 3, 400, 5),
    ("square19", 2, 120, 6),
    ("square19", 4, 80, 7),
    ("hexagonal", 2, 120, 8),
    ("hexagonal", 3, 80, 9),
]


def wire(obj):
    """Through real JSON text, as a file or socket would carry it."""
    return json.loads(json.dumps(obj))


def random_states(board, players, plies, seed, swap_rule=False):
    rng = random.Random(seed)
    s = new_game(board, players, swap_rule=swap_rule)
    out = [s]
    for _ in range(plies):
        legal = legal_moves(s)
        if not legal:
            break
        s = apply_move(s, rng.choice(legal))
        out.append(s)
    return out


def _sample(states, k=40):
    step = max(1, len(states) // k)
    picked = states[::step]
    if states[-1] is not picked[-1]:
        picked.append(states[-1])
    return picked


@pytest.mark.parametrize("board,players,plies,seed", CONFIGS)
def test_state_round_trip_on_random_positions(board, players, plies, seed):
    phases = set()
    for s in _sample(random_states(board, players, plies, seed, swap_rule=(players == 2))):
        phases.add(s.phase)
        j = wire(state_to_json(s))
        t = state_from_json(j)
        assert wire(state_to_json(t)) == j
        assert legal_moves(t) == legal_moves(s)
        assert (t.phase, t.current_player, t.status, t.winner) == (s.phase, s.current_player, s.status, s.winner)
        assert t.zobrist == s.zobrist
        assert t.s_invariant() == s.s_invariant()
    assert len(phases) >= 3  # the walk left ring placement


@pytest.mark.parametrize("board,players,plies,seed", CONFIGS)
def test_every_legal_move_round_trips(board, players, plies, seed):
    seen = set()
    for s in _sample(random_states(board, players, plies, seed, swap_rule=(players == 2)), k=25):
        for m in legal_moves(s):
            d = wire(move_to_json(m))
            assert d["type"] == m.type
            back = move_from_json(d)
            assert back == m, (m, d)
            seen.add(m.type)
        if s.status == "active":
            m = legal_moves(s)[-1]
            assert wire(state_to_json(apply_move(s, move_from_json(wire(move_to_json(m)))))) == \
                wire(state_to_json(apply_move(s, m)))
    assert {"place_ring", "move_stack", "no_line_action"} <= seen


@pytest.mark.parametrize("board,players,plies,seed", CONFIGS[:5])
def test_wire_fields_and_history_alone_reproduce_the_legal_moves(board, players, plies, seed):
    # a state from another engine has no private "engine" block: the wire fields plus the move
    # history must be enough to continue the game
    for s in _sample(random_states(board, players, plies, seed)):
        j = wire(state_to_json(s))
        j.pop("engine", None)
        t = state_from_json(j)
        assert legal_moves(t) == legal_moves(s), (s.phase, s.current_player)


def test_rings_are_top_first_on_the_wire():
    s = position(stacks={"3,3": [1, 1, 2], "5,5": [2, 1]}, hands=[10, 10])
    board = state_to_json(s)["board"]
    st = board["stacks"]["3,3"]
    assert st["rings"] == [1, 1, 2]
    assert (st["stackHeight"], st["capHeight"], st["controllingPlayer"]) == (3, 2, 1)
    assert st["position"] == {"x": 3, "y": 3}
    st = board["stacks"]["5,5"]
    assert st["rings"] == [2, 1]
    assert (st["stackHeight"], st["capHeight"], st["controllingPlayer"]) == (2, 1, 2)
    # and on reading: the first ring is the top, so P1 controls (3,3) and not (5,5)
    assert {tuple(m.from_) for m in legal_moves(s)} == {(3, 3)}


def test_state_json_fields():
    j = state_to_json(new_game("square8", 3))
    assert j["board"]["type"] == "square8" and j["board"]["size"] == 8
    assert j["board"]["stacks"] == {} and j["board"]["markers"] == {} and j["board"]["collapsedSpaces"] == {}
    assert [p["playerNumber"] for p in j["players"]] == [1, 2, 3]
    assert [p["ringsInHand"] for p in j["players"]] == [18, 18, 18]
    assert [p["eliminatedRings"] for p in j["players"]] == [0, 0, 0]
    assert [p["territorySpaces"] for p in j["players"]] == [0, 0, 0]
    assert j["currentPlayer"] == 1
    assert j["currentPhase"] == "ring_placement"
    assert j["gameStatus"] == "active"
    assert j["winner"] is None
    assert j["victoryThreshold"] == 24
    assert j["territoryVictoryThreshold"] == 22
    assert j["totalRingsEliminated"] == 0


def test_markers_collapsed_and_hex_keys():
    s = position(board="hex8", stacks={"1,-1,0": [1]}, markers={"0,0,0": 2}, collapsed={"-4,0,4": 1})
    b = state_to_json(s)["board"]
    assert set(b["stacks"]) == {"1,-1,0"}
    assert b["stacks"]["1,-1,0"]["position"] == {"x": 1, "y": -1, "z": 0}
    assert b["markers"]["0,0,0"]["player"] == 2
    assert b["markers"]["0,0,0"]["position"] == {"x": 0, "y": 0, "z": 0}
    assert b["collapsedSpaces"] == {"-4,0,4": 1}


def test_chain_and_must_move_fields():
    s = position(stacks={"0,0": [1], "1,0": [2], "3,1": [2]})
    s = apply_move(s, Move("overtaking_capture", 1, from_=(0, 0), target=(1, 0), to=(2, 0)))
    j = state_to_json(s)
    assert j["currentPhase"] == "chain_capture"
    assert j["chainCapturePosition"] == {"x": 2, "y": 0}
    s = position(stacks={"3,3": [1]}, hands=[5, 10], phase="ring_placement")
    s = apply_move(s, next(m for m in legal_moves(s) if m.type == "place_ring" and m.to == (6, 6)))
    assert state_to_json(s)["mustMoveFromStackKey"] == "6,6"


def test_move_json_fields():
    d = move_to_json(Move("place_ring", 1, to=(3, 3), count=2))
    assert (d["type"], d["player"], d["to"], d["placementCount"]) == ("place_ring", 1, {"x": 3, "y": 3}, 2)
    d = move_to_json(Move("overtaking_capture", 2, from_=(0, 0), target=(1, 1), to=(3, 3)))
    assert d["from"] == {"x": 0, "y": 0}
    assert d["captureTarget"] == {"x": 1, "y": 1}
    assert d["to"] == {"x": 3, "y": 3}
    d = move_to_json(Move("move_stack", 1, from_=(0, 0, 0), to=(2, -2, 0)))
    assert d["from"] == {"x": 0, "y": 0, "z": 0} and d["to"] == {"x": 2, "y": -2, "z": 0}


def test_vector_style_move_is_read():
    m = move_from_json({"id": "move-001", "type": "place_ring", "player": 1, "to": {"x": 3, "y": 3},
                        "placedOnStack": False, "placementCount": 1, "timestamp": "2025-11-26T03:25:00.000Z",
                        "thinkTime": 0, "moveNumber": 1})
    assert m == Move("place_ring", 1, to=(3, 3), count=1)
    m = move_from_json({"type": "overtaking_capture", "player": 1, "from": {"x": 0, "y": 0, "z": None},
                        "captureTarget": {"x": 1, "y": 0, "z": None}, "to": {"x": 2, "y": 0, "z": None}})
    assert (m.from_, m.target, m.to) == ((0, 0), (1, 0), (2, 0))


def test_completed_game_round_trips():
    s = position(stacks={"0,0": [1, 1], "7,7": [2]}, markers={"2,0": 2}, eliminated=[17, 0])
    s = apply_move(s, Move("move_stack", 1, from_=(0, 0), to=(2, 0)))
    assert s.status == "completed"
    j = wire(state_to_json(s))
    assert j["gameStatus"] == "completed" and j["winner"] == 1
    t = state_from_json(j)
    assert (t.status, t.winner, t.victory_reason) == ("completed", 1, "ring_elimination")
    assert legal_moves(t) == []


@pytest.mark.parametrize("board,players,plies,seed", CONFIGS[:4])
def test_replay_reproduces_the_game(board, players, plies, seed):
    states = random_states(board, players, plies, seed)
    final = states[-1]
    again = replay(new_game(board, players), final.moves)
    assert len(again) == len(states)
    assert wire(state_to_json(again[-1])) == wire(state_to_json(final))
    # and from the recorded move list after a JSON round trip of every move
    moves = [move_from_json(wire(move_to_json(m))) for m in final.moves]
    assert wire(state_to_json(replay(new_game(board, players), moves)[-1])) == wire(state_to_json(final))


def test_game_from_json_continues_identically():
    states = random_states("square8", 2, 400, 11)
    mid = states[len(states) // 2]
    t = state_from_json(wire(state_to_json(mid)))
    for later in states[len(states) // 2 + 1:]:
        m = later.last_move
        mid, t = apply_move(mid, m), apply_move(t, m)
    assert wire(state_to_json(t)) == wire(state_to_json(states[-1]))
    assert "no_line_action" in types(states[-1].moves)
