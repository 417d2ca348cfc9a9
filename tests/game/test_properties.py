"""Property tests over uniformly random games on all 12 configs (seeds drawn by hypothesis).

For every game: it ends (within a generous move bound) with a winner; after every move all state
invariants hold (engine/game/checks/invariants.py); ``apply_move`` never mutates its input (every slot
compared on every move, state_to_json on a sample); ``legal_moves`` is deterministic (same state
twice, a fresh clone, a JSON reload) and lists only moves of the player to act; every listed move
applies without error and leaves a valid state (all moves on the small boards, sampled states on
the big ones); every move survives its JSON round trip; replaying the recorded game (moves read back
from JSON) reproduces identical states (Zobrist hash of every state, JSON on a sample and the end).
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

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
from engine.game.checks.invariants import check_invariants

SMALL = [("square8", 2), ("square8", 3), ("square8", 4), ("hex8", 2), ("hex8", 3), ("hex8", 4)]
BIG = [("square19", 2), ("square19", 3), ("square19", 4), ("hexagonal", 2), ("hexagonal", 3), ("hexagonal", 4)]
MAX_MOVES = 20_000  # no real game comes close (hexagonal 4p: ~1,300 moves)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)


def ids(configs):
    return [f"{b}_{n}p" for b, n in configs]


def snapshot(state) -> dict:
    """Every public slot of a state, lists copied (private caches such as ``_legal`` are excluded:
    filling a cache is not a mutation)."""
    out = {}
    for name in type(state).__slots__:
        if name.startswith("_"):
            continue
        v = getattr(state, name)
        out[name] = list(v) if isinstance(v, list) else v
    return out


def _fmt(errs) -> str:
    return "\n  ".join(errs)


def play_checked(board: str, players: int, seed: int, *, swap_rule: bool = False, apply_all_every: float = 1.0,
                 json_every: int = 25):
    """Play one random game with every per-move property checked; returns the list of states."""
    game_rng = random.Random(seed)
    check_rng = random.Random(seed ^ 0x5A5A5A5A)
    state = new_game(board, players, swap_rule=swap_rule)
    assert check_invariants(state, check_json=True) == []
    states = [state]
    played = []
    while not state.is_over:
        i = state.move_count
        assert i < MAX_MOVES, f"game did not end within {MAX_MOVES} moves"
        where = f"{board} {players}p seed {seed} move {i} ({state.phase}, player {state.current_player})"
        sampled = i % json_every == 0

        legal = legal_moves(state)
        assert legal, f"{where}: no legal move in an active state"
        assert all(m.player == state.current_player for m in legal), where
        # Deterministic: the same state again, a clone without the move cache, a JSON reload.
        assert legal_moves(state) == legal, where
        assert legal_moves(state.clone()) == legal, where
        if sampled:
            assert legal_moves(state_from_json(json.loads(json.dumps(state_to_json(state))))) == legal, where

        # Every listed move applies and yields a valid state.
        if check_rng.random() < apply_all_every:
            for m in legal:
                try:
                    nxt = apply_move(state, m)
                except Exception as e:  # pragma: no cover - reported as a failure
                    raise AssertionError(f"{where}: legal move {m} raised {type(e).__name__}: {e}") from e
                errs = check_invariants(nxt, state, check_zobrist=True)
                assert not errs, f"{where}: after legal move {m}:\n  {_fmt(errs)}"

        move = game_rng.choice(legal)
        assert move_from_json(json.loads(json.dumps(move_to_json(move)))) == move, f"{where}: {move} JSON round trip"
        before = snapshot(state)
        before_json = state_to_json(state) if sampled else None
        nxt = apply_move(state, move)
        assert snapshot(state) == before, f"{where}: apply_move({move}) mutated its input"
        if sampled:
            assert state_to_json(state) == before_json, f"{where}: apply_move({move}) mutated its input (JSON)"
        assert nxt is not state
        assert nxt.move_count == i + 1, where
        errs = check_invariants(nxt, state, check_json=sampled)
        assert not errs, f"{where}: after {move}:\n  {_fmt(errs)}"
        played.append(move)
        states.append(nxt)
        state = nxt

    assert state.winner in range(1, players + 1)
    assert legal_moves(state) == []
    assert check_invariants(state, check_json=True) == []
    assert state.moves == played
    return states


def check_replay(states, json_every: int = 25) -> None:
    """Replaying the recorded moves (read back from JSON) from the initial state gives identical states."""
    final = states[-1]
    wire = json.loads(json.dumps([move_to_json(m) for m in final.moves]))
    moves = [move_from_json(m) for m in wire]
    assert moves == final.moves
    initial = new_game(final.board_type, final.num_players, swap_rule=states[0].swap_rule)
    assert state_to_json(initial) == state_to_json(states[0])
    again = replay(initial, moves)
    assert len(again) == len(states)
    for i, (a, b) in enumerate(zip(states, again)):
        assert a.zobrist == b.zobrist, f"replay state {i}: hash differs"
        if i % json_every == 0 or i == len(states) - 1:
            assert state_to_json(a) == state_to_json(b), f"replay state {i}: JSON differs"
    assert again[-1].is_over and again[-1].winner == final.winner and again[-1].victory_reason == final.victory_reason


# -- small boards: every legal move applied at every state ---------------------------------------------

@pytest.mark.parametrize("board,players", SMALL, ids=ids(SMALL))
@settings(max_examples=8, **COMMON)
@given(seed=seeds, swap=st.booleans())
def test_random_games_small_boards(board, players, seed, swap):
    note(f"reproduce: play_checked({board!r}, {players}, {seed}, swap_rule={swap and players == 2})")
    states = play_checked(board, players, seed, swap_rule=swap and players == 2)
    check_replay(states)


# -- big boards (~600-1,300 moves a game): fewer games, every legal move applied at sampled states -----

@pytest.mark.parametrize("board,players", BIG, ids=ids(BIG))
@settings(max_examples=2, **COMMON)
@given(seed=seeds)
def test_random_games_big_boards(board, players, seed):
    note(f"reproduce: play_checked({board!r}, {players}, {seed}, apply_all_every=0.05)")
    states = play_checked(board, players, seed, apply_all_every=0.05, json_every=100)
    check_replay(states, json_every=100)


# -- legal_moves / apply_move at arbitrary points of a game ---------------------------------------------

@pytest.mark.parametrize("board,players", SMALL + BIG[:1] + BIG[3:4], ids=ids(SMALL + BIG[:1] + BIG[3:4]))
@settings(max_examples=10, **COMMON)
@given(seed=seeds, depth=st.floats(min_value=0.0, max_value=1.0))
def test_state_reload_keeps_moves_and_successors(board, players, seed, depth):
    """At a random point of a random game: a JSON reload has the same hash and legal moves, and every
    legal move gives the same successor from the reloaded state as from the original."""
    rng = random.Random(seed)
    state = new_game(board, players)
    target = int(depth * 400)
    while not state.is_over and state.move_count < target:
        state = apply_move(state, rng.choice(legal_moves(state)))
    note(f"{board} {players}p seed {seed} after {state.move_count} moves ({state.phase})")
    reloaded = state_from_json(json.loads(json.dumps(state_to_json(state))))
    assert reloaded.zobrist == state.zobrist
    legal = legal_moves(state)
    assert legal_moves(reloaded) == legal
    for m in legal[:200]:
        a, b = apply_move(state, m), apply_move(reloaded, m)
        assert a.zobrist == b.zobrist, m
        assert state_to_json(a) == state_to_json(b), m
