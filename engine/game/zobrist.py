"""Zobrist hashing: a stable 64-bit position hash.

The board part (stacks, markers, collapsed cells) is kept incrementally in ``state.zboard`` by the
mutation primitives; the turn context (player to act, phase, counters, pending decisions) is small
and mixed in on demand. All keys come from a fixed splitmix64 stream, so hashes are identical
across processes, hosts and Python versions.
"""

from __future__ import annotations

MASK = (1 << 64) - 1
_FNV = 0x100000001B3


def splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


_TABLE_CELLS = 512  # larger than any board (hexagonal: 469 cells)
_CELL_SEED = [splitmix64(0x5EED0000 + c) for c in range(_TABLE_CELLS)]
# MARKER_KEY[cell * 5 + owner], COLLAPSED_KEY[cell * 5 + owner]
MARKER_KEY = [splitmix64(0x4D000000 + i) for i in range(_TABLE_CELLS * 5)]
COLLAPSED_KEY = [splitmix64(0x43000000 + i) for i in range(_TABLE_CELLS * 5)]


_STACK_KEYS: dict = {}
_STACK_KEYS_LIMIT = 200_000


def stack_key(cell: int, rings: tuple[int, ...]) -> int:
    """Key of one stack (its full ring sequence) on one cell (memoised: stacks recur constantly)."""
    key = (cell, rings)
    h = _STACK_KEYS.get(key)
    if h is None:
        if len(_STACK_KEYS) >= _STACK_KEYS_LIMIT:
            _STACK_KEYS.clear()
        h = _CELL_SEED[cell]
        for r in rings:
            h = ((h ^ r) * _FNV) & MASK
        h = _STACK_KEYS[key] = splitmix64(h ^ len(rings))
    return h


def context_hash(state) -> int:
    """Hash of everything outside the board that decides the legal moves and the outcome."""
    h = 0xC0FFEE
    for v in (state.current_player, _PHASE_ID.get(state.phase, 15), state.chain_pos, state.must_move_from,
              state.pending_line_reward, state.turn_changed, state.turn_recovery, state.swap_offered,
              1 if state.status == "completed" else 0):
        h = splitmix64(h ^ (int(v) & MASK))
    for p in range(1, state.num_players + 1):
        h = splitmix64(h ^ state.rings_in_hand[p])
        h = splitmix64(h ^ state.eliminated[p])
        h = splitmix64(h ^ state.territory[p])
    if state.pending_region is not None:
        for c in sorted(state.pending_region):
            h = splitmix64(h ^ c)
    return h


def compute_zobrist(state) -> int:
    """Full recomputation of ``state.zobrist`` (the incremental value must always equal this)."""
    z = 0
    for c, rings in enumerate(state.stacks):
        if rings is not None:
            z ^= stack_key(c, rings)
    for c, m in enumerate(state.markers):
        if m:
            z ^= MARKER_KEY[c * 5 + m]
    for c, o in enumerate(state.collapsed):
        if o:
            z ^= COLLAPSED_KEY[c * 5 + o]
    return z ^ context_hash(state)


_PHASE_ID = {
    "ring_placement": 0, "movement": 1, "capture": 2, "chain_capture": 3, "line_processing": 4,
    "territory_processing": 5, "forced_elimination": 6, "game_over": 7,
}
