"""Mutation primitives: the only code that writes a state's cells and ring counters.

Each keeps the incremental indexes (controlled cells, marker cells, ring and collapse counts) and
the board Zobrist hash in step, so the rules modules never update them by hand.
"""

from __future__ import annotations

from .zobrist import COLLAPSED_KEY, MARKER_KEY, stack_key


def set_stack(s, cell: int, rings: tuple[int, ...] | None) -> None:
    """Replace the stack on ``cell`` (``None`` or an empty tuple removes it). Rings bottom-first."""
    old = s.stacks[cell]
    z = s.zboard
    b = s.geom.bit[cell]
    if old is not None:
        z ^= stack_key(cell, old)
        s.kbb[old[-1]] &= ~b
    if rings:
        z ^= stack_key(cell, rings)
        s.kbb[rings[-1]] |= b
        s.stacks[cell] = rings
        s.occ[cell] = cap_height(rings)
        s.sbb |= b
    else:
        s.stacks[cell] = None
        s.occ[cell] = 0
        s.sbb &= ~b
    s.zboard = z


def set_marker(s, cell: int, owner: int) -> None:
    """Put ``owner``'s marker on ``cell`` (0 removes the marker)."""
    old = s.markers[cell]
    if old == owner:
        return
    z = s.zboard
    b = s.geom.bit[cell]
    if old:
        z ^= MARKER_KEY[cell * 5 + old]
        s.mbb[old] &= ~b
    if owner:
        z ^= MARKER_KEY[cell * 5 + owner]
        s.mbb[owner] |= b
    s.markers[cell] = owner
    s.zboard = z


def collapse(s, cell: int, owner: int) -> None:
    """Turn ``cell`` into collapsed territory of ``owner`` (any marker on it is removed)."""
    if s.markers[cell]:
        set_marker(s, cell, 0)
    s.collapsed[cell] = owner
    s.occ[cell] = -1
    s.cbb |= s.geom.bit[cell]
    s.coll_count[owner] += 1
    s.zboard ^= COLLAPSED_KEY[cell * 5 + owner]


def eliminate(s, colour: int, credited: int, n: int = 1) -> None:
    """Record ``n`` rings of ``colour`` leaving the board as eliminated, credited to ``credited``."""
    s.lost[colour] += n
    s.board_rings[colour] -= n
    s.eliminated[credited] += n
    s.total_eliminated += n
    if s.board_rings[colour] == 0 and s.rings_in_hand[colour] == 0 and s.gone_at[colour] < 0:
        s.gone_at[colour] = s.move_count


def cap_height(rings: tuple[int, ...]) -> int:
    """Number of consecutive rings from the top owned by the top ring's owner."""
    top = rings[-1]
    n = len(rings)
    i = n - 1
    while i > 0 and rings[i - 1] == top:
        i -= 1
    return n - i


def remove_top_rings(s, cell: int, n: int, credited: int) -> None:
    """Eliminate the top ``n`` rings of the stack on ``cell`` (all of the top owner's colour)."""
    rings = s.stacks[cell]
    colour = rings[-1]
    set_stack(s, cell, rings[:-n])
    eliminate(s, colour, credited, n)


def extract_bottom_ring(s, cell: int, player: int) -> None:
    """Remove ``player``'s bottommost ring from the stack on ``cell`` (recovery cost), credited to them."""
    rings = s.stacks[cell]
    i = rings.index(player)
    set_stack(s, cell, rings[:i] + rings[i + 1:])
    eliminate(s, player, player, 1)


def has_material(s, p: int) -> bool:
    """True while ``p`` owns a ring anywhere (in hand or on the board, buried included)."""
    return s.rings_in_hand[p] > 0 or s.board_rings[p] > 0
