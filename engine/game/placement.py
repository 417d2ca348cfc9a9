"""Ring placement (RR-CANON-R080-R082) with the no-dead-placement rule.

1-3 rings on an empty cell (never more than in hand) or exactly one on any stack; never on a
marker or collapsed cell. The resulting stack must have a legal move or capture, judged on the
board as it would be, every count validated on its own.
"""

from __future__ import annotations

from .board import set_stack
from .capture import can_capture
from .movement import can_move
from .moves import PLACE_RING, Move

MAX_ON_EMPTY = 3


def movable_masks(s, max_height: int) -> list[int]:
    """masks[h] = cells from which a stack of height h has a non-capture move (h = 1..max_height).

    The first h cells along some ray must be free (no stack, not collapsed); computed for all
    cells at once by shifting the free-cell bitboard back along each direction.
    """
    geom = s.geom
    free = geom.valid_bb & ~(s.sbb | s.cbb)
    masks = [0] * (max_height + 1)
    shifts = geom.dir_shifts
    opp = geom.opposite
    for d in range(len(shifts)):
        sh, mask = shifts[opp[d]]
        if sh > 0:
            a1 = (free & mask) << sh
            run = a1
            masks[1] |= run
            for h in range(2, max_height + 1):
                run = a1 & ((run & mask) << sh)
                if not run:
                    break
                masks[h] |= run
        else:
            sh = -sh
            a1 = (free & mask) >> sh
            run = a1
            masks[1] |= run
            for h in range(2, max_height + 1):
                run = a1 & ((run & mask) >> sh)
                if not run:
                    break
                masks[h] |= run
    return masks


def _place_table(geom, player: int):
    """Prebuilt place_ring moves: table[k][cell] = the moves placing 1..k rings there."""
    key = ("place", player)
    table = geom.memo.get(key)
    if table is None:
        coords = geom.coords
        rows = [tuple(Move(PLACE_RING, player, to=coords[c], count=n) for n in range(1, MAX_ON_EMPTY + 1))
                for c in range(geom.num_cells)]
        table = geom.memo[key] = [None] + [tuple(r[:k] for r in rows) for k in range(1, MAX_ON_EMPTY + 1)]
    return table


def _capture_reach(s, c: int) -> list[tuple[int, int]]:
    """Per ray from ``c``: (cap of the first stack, farthest landing distance beyond it), for rays
    where that stack has a landing. A new stack of n rings (cap n) on ``c`` can capture along a ray
    iff cap <= n <= farthest landing (landings must also be at distance >= n)."""
    occ = s.occ
    out = []
    for ray in s.geom.rays[c]:
        i = 0
        for t in ray:
            i += 1
            o = occ[t]
            if o:
                if o > 0:
                    j = i
                    for c2 in ray[i:]:
                        if occ[c2]:
                            break
                        j += 1
                    if j > i:
                        out.append((o, j))
                break
    return out


def _stack_alive(s, c: int, rings: tuple[int, ...], player: int) -> bool:
    """Would one more ``player`` ring on the stack at ``c`` leave it a move or capture?"""
    h = len(rings) + 1
    cap = s.occ[c] + 1 if rings[-1] == player else 1
    return can_move(s, c, h) or can_capture(s, c, h, cap)


def placement_moves(s, player: int, cells=None) -> list[Move]:
    """Legal placements of ``player`` in cell order, then count (only ``cells`` if given)."""
    hand = s.rings_in_hand[player]
    if hand <= 0:
        return []
    geom = s.geom
    k = min(MAX_ON_EMPTY, hand)
    stacks, bit = s.stacks, geom.bit
    masks = movable_masks(s, MAX_ON_EMPTY)
    table = _place_table(geom, player)
    full, ones = table[k], table[1]
    empty = geom.valid_bb & ~(s.sbb | s.cbb | _marker_bb(s))
    easy = empty & masks[k]  # movable at every height up to k (the masks shrink with height)
    sbb = s.sbb
    out = []
    for c in (range(geom.num_cells) if cells is None else cells):
        b = bit[c]
        if b & easy:
            out.extend(full[c])
        elif b & empty:
            reach = None
            for n in range(1, k + 1):
                if masks[n] & b:
                    out.append(full[c][n - 1])
                    continue
                if reach is None:
                    reach = _capture_reach(s, c)
                if any(t <= n <= r for t, r in reach):
                    out.append(full[c][n - 1])
        elif b & sbb:
            rings = stacks[c]
            h = len(rings) + 1
            if (masks[h] & b if h <= MAX_ON_EMPTY else can_move(s, c, h)) or can_capture(
                    s, c, h, s.occ[c] + 1 if rings[-1] == player else 1):
                out.append(ones[c][0])
    return out


def has_placement(s, player: int) -> bool:
    hand = s.rings_in_hand[player]
    if hand <= 0:
        return False
    geom = s.geom
    empty = geom.valid_bb & ~(s.sbb | s.cbb | _marker_bb(s))
    k = min(MAX_ON_EMPTY, hand)
    if empty & movable_masks(s, 1)[1]:
        return True
    stacks, markers, collapsed = s.stacks, s.markers, s.collapsed
    for c in range(geom.num_cells):
        if collapsed[c] or markers[c]:
            continue
        rings = stacks[c]
        if rings is None:
            if any(can_capture(s, c, n, n) for n in range(1, k + 1)):
                return True
        elif _stack_alive(s, c, rings, player):
            return True
    return False


def _marker_bb(s) -> int:
    out = 0
    for b in s.mbb:
        out |= b
    return out


def apply_placement(s, player: int, cell: int, count: int) -> None:
    rings = s.stacks[cell] or ()
    set_stack(s, cell, rings + (player,) * count)
    s.rings_in_hand[player] -= count
    s.board_rings[player] += count
