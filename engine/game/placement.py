"""Ring placement (RR-CANON-R080-R082) with the no-dead-placement rule.

1-3 rings on an empty cell (never more than in hand) or exactly one on any stack; never on a
marker or collapsed cell. The resulting stack must have a legal move or capture, judged on the
board as it would be, every count validated on its own.
"""

from __future__ import annotations

from .board import cap_height, set_stack
from .capture import can_capture
from .geometry import step_back
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
        back = shifts[opp[d]]
        a1 = step_back(free, back)
        run = a1
        masks[1] |= run
        for h in range(2, max_height + 1):
            run = a1 & step_back(run, back)
            if not run:
                break
            masks[h] |= run
    return masks


def _place_table(geom, player: int):
    """Prebuilt place_ring moves: table[cell] = (count 1, count 2, count 3)."""
    key = ("place", player)
    table = geom.memo.get(key)
    if table is None:
        coords = geom.coords
        table = geom.memo[key] = tuple(
            tuple(Move(PLACE_RING, player, to=coords[c], count=n) for n in range(1, MAX_ON_EMPTY + 1))
            for c in range(geom.num_cells))
    return table


def _stack_alive(s, c: int, rings: tuple[int, ...], player: int) -> bool:
    """Would one more ``player`` ring on the stack at ``c`` leave it a move or capture?"""
    h = len(rings) + 1
    cap = cap_height(rings) + 1 if rings[-1] == player else 1
    return can_move(s, c, h) or can_capture(s, c, h, cap)


def placement_moves(s, player: int, cells=None) -> list[Move]:
    """Legal placements of ``player`` in cell order, then count (only ``cells`` if given)."""
    hand = s.rings_in_hand[player]
    if hand <= 0:
        return []
    geom = s.geom
    k = min(MAX_ON_EMPTY, hand)
    masks = movable_masks(s, k)
    table = _place_table(geom, player)
    stacks, markers, collapsed, bit = s.stacks, s.markers, s.collapsed, geom.bit
    out = []
    for c in (range(geom.num_cells) if cells is None else cells):
        if collapsed[c] or markers[c]:
            continue
        rings = stacks[c]
        row = table[c]
        if rings is not None:
            if _stack_alive(s, c, rings, player):
                out.append(row[0])
            continue
        b = bit[c]
        if masks[k] & b:  # movable at every height up to k (the masks shrink with height)
            out.extend(row[:k])
            continue
        for n in range(1, k + 1):
            if masks[n] & b or can_capture(s, c, n, n):
                out.append(row[n - 1])
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
