"""check_invariants: clean on real and hand-built states; one test per invariant, each corrupting a
clone of a real mid-game state and checking that the right message (prefix, cell key, player) comes
back."""

from __future__ import annotations

import random

import pytest

from engine.game import apply_move, legal_moves, new_game
from engine.game.checks.invariants import INVARIANTS, check_invariants, s_value

from ..helpers import position

ALL_CONFIGS = [(b, n) for b in ("square8", "square19", "hex8", "hexagonal") for n in (2, 3, 4)]


def _rich(state) -> bool:
    """Mid-game with something of everything: stacks (one mixed), markers, collapsed cells, eliminations."""
    stacks = [r for r in state.stacks if r is not None]
    return (not state.is_over and state.total_eliminated > 0 and any(state.collapsed) and any(state.markers)
            and len(stacks) >= 4 and any(len(set(r)) > 1 for r in stacks))


def _play_until_rich(board: str, players: int):
    for seed in range(50):
        rng = random.Random(seed)
        states = [new_game(board, players)]
        while not states[-1].is_over:
            states.append(apply_move(states[-1], rng.choice(legal_moves(states[-1]))))
            if _rich(states[-1]):
                return states
    raise AssertionError(f"no rich {board} {players}p position found")


@pytest.fixture(scope="module", params=[("square8", 3), ("hex8", 2)], ids=["square8_3p", "hex8_2p"])
def game(request):
    """The states of a random game up to a rich position (the last one)."""
    return _play_until_rich(*request.param)


@pytest.fixture
def state(game):
    """A private clone of the rich position, free to corrupt."""
    return game[-1].clone()


def cells(state, kind: str) -> list[int]:
    if kind == "stack":
        return [c for c, r in enumerate(state.stacks) if r is not None]
    if kind == "mixed":
        return [c for c, r in enumerate(state.stacks) if r is not None and len(set(r)) > 1]
    if kind == "marker":
        return [c for c, m in enumerate(state.markers) if m]
    if kind == "collapsed":
        return [c for c, o in enumerate(state.collapsed) if o]
    if kind == "empty":
        return [c for c in range(state.geom.num_cells)
                if state.stacks[c] is None and not state.markers[c] and not state.collapsed[c]]
    raise ValueError(kind)


def messages(state, previous=None, **kw) -> list[str]:
    errs = check_invariants(state, previous, **kw)
    for e in errs:
        assert e.split(":", 1)[0] in INVARIANTS, f"message without a known invariant prefix: {e}"
    return errs


def assert_reported(errs: list[str], prefix: str, *needles: str) -> None:
    hits = [e for e in errs if e.startswith(prefix + ":") and all(n in e for n in needles)]
    assert hits, f"expected a {prefix!r} message mentioning {needles}, got {errs}"


# -- clean states ------------------------------------------------------------------------------------

@pytest.mark.parametrize("board,players", ALL_CONFIGS, ids=[f"{b}_{n}p" for b, n in ALL_CONFIGS])
def test_new_game_is_clean(board, players):
    assert messages(new_game(board, players), check_json=True) == []


def test_every_state_of_a_real_game_is_clean(game):
    for prev, cur in zip(game, game[1:]):
        assert messages(cur, prev, check_json=True) == [], cur


def test_hand_built_position_is_clean():
    s = position("square8", 2, stacks={"3,3": [1, 2, 2], "5,5": [2]}, markers={"2,2": 1, "6,1": 2},
                 collapsed={"0,0": 1, "0,1": 1}, hands=[15, 14], eliminated=[1, 2], phase="movement")
    # hand-built JSON without an engine block: losses are derived from the hands (18 - hand - board)
    assert s.lost[1:] == [18 - 15 - 1, 18 - 14 - 3]
    errs = messages(s, check_json=True)
    assert errs == []


def test_hand_built_hex_position_is_clean():
    s = position("hex8", 3, stacks={"0,0,0": [3, 1], "1,-1,0": [2]}, markers={"-1,1,0": 3},
                 collapsed={"4,-4,0": 2}, phase="ring_placement", current=2)
    assert messages(s, check_json=True) == []


def test_s_value_matches_the_engine(game):
    for s in game:
        assert s_value(s) == s.s_invariant()


# -- one test per invariant --------------------------------------------------------------------------

def test_conservation_extra_ring_in_hand(state):
    state.rings_in_hand[2] += 1
    assert_reported(messages(state), "conservation", "player 2")


def test_conservation_ring_vanishes_from_a_stack(state):
    c = cells(state, "stack")[0]
    rings = state.stacks[c]
    state.stacks[c] = rings[:-1] or None
    colour = rings[-1]
    errs = messages(state)
    assert_reported(errs, "conservation", f"player {colour}")
    assert_reported(errs, "cache")  # board_rings / bitboards no longer match


def test_conservation_lost_counter(state):
    state.lost[1] += 1
    state.total_eliminated += 1  # keep the total consistent: only conservation (and credit sum) break
    errs = messages(state)
    assert_reported(errs, "conservation", "player 1")
    assert not [e for e in errs if e.startswith("eliminated: total_eliminated")]


def test_stack_empty(state):
    c = cells(state, "empty")[0]
    state.stacks[c] = ()
    assert_reported(messages(state), "stack", f"cell {state.geom.keys[c]}", "empty")


def test_stack_owner_out_of_range(state):
    c = cells(state, "stack")[0]
    state.stacks[c] = state.stacks[c] + (state.num_players + 1,)
    assert_reported(messages(state), "stack", f"cell {state.geom.keys[c]}", f"1..{state.num_players}")


def test_stack_owner_zero(state):
    c = cells(state, "stack")[0]
    state.stacks[c] = (0,) + state.stacks[c]
    assert_reported(messages(state), "stack", f"cell {state.geom.keys[c]}")


def test_marker_owner_out_of_range(state):
    c = cells(state, "empty")[0]
    state.markers[c] = 9
    assert_reported(messages(state), "owner", f"cell {state.geom.keys[c]}", "marker")


def test_collapsed_owner_out_of_range(state):
    c = cells(state, "empty")[0]
    state.collapsed[c] = -1
    assert_reported(messages(state), "owner", f"cell {state.geom.keys[c]}", "collapsed")


def test_exclusive_stack_and_marker(state):
    c = cells(state, "stack")[0]
    state.markers[c] = 1
    assert_reported(messages(state), "exclusive", f"cell {state.geom.keys[c]}", "stack and a marker")


def test_exclusive_stack_and_collapsed(state):
    c = cells(state, "stack")[0]
    state.collapsed[c] = 2
    assert_reported(messages(state), "exclusive", f"cell {state.geom.keys[c]}", "collapsed")


def test_exclusive_marker_and_collapsed(state):
    c = cells(state, "marker")[0]
    state.collapsed[c] = 1
    assert_reported(messages(state), "exclusive", f"cell {state.geom.keys[c]}", "marker")


@pytest.mark.parametrize("counter", ["rings_in_hand", "eliminated", "territory", "lost"])
def test_counter_negative(state, counter):
    getattr(state, counter)[1] = -1
    assert_reported(messages(state), "counter", "player 1", counter)


def test_counter_total_negative(state):
    state.total_eliminated = -3
    assert_reported(messages(state), "counter", "total_eliminated")


def test_total_eliminated_mismatch(state):
    state.total_eliminated += 1
    assert_reported(messages(state), "eliminated", "total_eliminated")


def test_credited_eliminations_mismatch(state):
    state.eliminated[state.num_players] += 2
    assert_reported(messages(state), "eliminated", "credited")


def test_territory_counter_mismatch(state):
    state.territory[2] += 1
    assert_reported(messages(state), "territory", "player 2")


def test_cache_cap_height(state):
    c = cells(state, "stack")[0]
    state.occ[c] += 1
    assert_reported(messages(state), "cache", f"cell {state.geom.keys[c]}", "cap")


def test_cache_board_rings(state):
    state.board_rings[1] += 1
    assert_reported(messages(state), "cache", "player 1", "board_rings")


def test_cache_controlled_bitboard(state):
    c = cells(state, "stack")[0]
    owner = state.stacks[c][-1]
    state.kbb[owner] &= ~state.geom.bit[c]
    assert_reported(messages(state), "cache", f"player {owner}", "kbb", state.geom.keys[c])


def test_cache_marker_bitboard(state):
    c = cells(state, "empty")[0]
    state.mbb[1] |= state.geom.bit[c]
    assert_reported(messages(state), "cache", "player 1", "mbb", state.geom.keys[c])


def test_cache_stack_and_collapsed_bitboards(state):
    c = cells(state, "empty")[0]
    state.sbb |= state.geom.bit[c]
    state.cbb |= state.geom.bit[c]
    errs = messages(state)
    assert_reported(errs, "cache", "sbb", state.geom.keys[c])
    assert_reported(errs, "cache", "cbb", state.geom.keys[c])


def test_cache_collapsed_count(state):
    state.coll_count[1] += 1
    assert_reported(messages(state), "cache", "player 1", "coll_count")


def test_status_completed_without_winner(state):
    state.status = "completed"
    state.phase = "game_over"
    errs = messages(state)
    assert_reported(errs, "status", "winner")
    assert_reported(errs, "status", "victory reason")


def test_status_winner_while_active(state):
    state.winner = 1
    assert_reported(messages(state), "status", "winner 1")


def test_status_pending_reward_outside_line_processing(state):
    state.phase = "movement"
    state.pending_line_reward = True
    assert_reported(messages(state), "status", "line reward")


def test_status_current_player_out_of_range(state):
    state.current_player = state.num_players + 1
    assert_reported(messages(state), "status", "current player")


def test_s_invariant_decrease(game):
    later, earlier = game[-1], game[0]
    assert s_value(later) > s_value(earlier)
    # Checking the earlier state against the later one as its "previous": S went down.
    assert_reported(messages(earlier, later), "s_invariant", "decreased")


def test_s_invariant_marker_removed(game):
    prev = game[-1]
    cur = prev.clone()
    c = cells(cur, "marker")[0]
    owner = cur.markers[c]
    cur.markers[c] = 0
    cur.mbb[owner] &= ~cur.geom.bit[c]
    errs = messages(cur, prev, check_zobrist=False)
    assert_reported(errs, "s_invariant", "decreased")


def test_monotone_collapsed_cell_reverts(game):
    cur = game[-1]
    prev = cur.clone()
    c = cells(prev, "empty")[0]
    prev.collapsed[c] = 1  # the "previous" state had one more collapsed cell
    assert_reported(messages(cur, prev), "monotone", f"cell {cur.geom.keys[c]}", "uncollapsed")


def test_monotone_eliminated_decreases(game):
    cur = game[-1]
    prev = cur.clone()
    p = 1
    prev.eliminated[p] += 1
    assert_reported(messages(cur, prev), "monotone", f"player {p}", "eliminated")


def test_zobrist_incremental_drift(state):
    state.zboard ^= 1 << 17
    assert_reported(messages(state), "zobrist", "incremental")


def test_zobrist_ring_order_changed_behind_the_hash(state):
    c = cells(state, "mixed")[0]
    rings = list(state.stacks[c])
    i = next(i for i in range(len(rings)) if rings[i] != rings[-1])
    rings[i], rings[-1] = rings[-1], rings[i]  # same rings in another order, hash not updated
    state.stacks[c] = tuple(rings)
    errs = messages(state)
    assert_reported(errs, "zobrist")


def test_zobrist_can_be_skipped(state):
    state.zboard ^= 1
    assert messages(state, check_zobrist=False) == []


def test_json_round_trip_mismatch(state):
    state.game_id = 42  # written as 42, read back as "42"
    assert messages(state) == []  # JSON is opt-in
    assert_reported(messages(state, check_json=True), "json", "gameId")


def test_json_round_trip_exception(state):
    state.phase = "bogus_phase"
    errs = messages(state, check_json=True, check_zobrist=False)
    assert_reported(errs, "json", "raised")
    assert_reported(errs, "status", "bogus_phase")


def test_many_corruptions_stay_readable(state):
    for c in cells(state, "empty"):
        state.markers[c] = 99
    errs = messages(state)
    assert 0 < len([e for e in errs if e.startswith("owner:")]) <= 16
