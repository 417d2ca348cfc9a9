"""Ring placement (RR-CANON-R080-R082) with the no-dead-placement rule.

1-3 rings on an empty cell (never more than in hand) or exactly one on any stack; never on a
marker or collapsed cell. The resulting stack must have a legal move or capture, judged on the
board as it would be, every count validated on its own.
"""

from __future__ import annotations

from .board import cap_height, set_stack
from .moves import PLACE_RING, Move

MAX_ON_EMPTY = 3


def _ray_profile(s, cell: int):
    """Per ray: (free cells before the first obstacle, cap of the blocking stack or 0, free cells after it)."""
    stacks, collapsed = s.stacks, s.collapsed
    out = []
    for ray in s.geom.rays[cell]:
        n = len(ray)
        free = 0
        tcap = 0
        after = 0
        while free < n:
            c = ray[free]
            if collapsed[c]:
                break
            t = stacks[c]
            if t is not None:
                tcap = cap_height(t)
                j = free + 1
                while j < n:
                    c2 = ray[j]
                    if collapsed[c2] or stacks[c2] is not None:
                        break
                    j += 1
                after = j - free - 1
                break
            free += 1
        out.append((free, tcap, after))
    return out


def _alive(profile, height: int, cap: int) -> bool:
    for free, tcap, after in profile:
        if free >= height:
            return True
        if tcap and tcap <= cap and after and free + 1 + after >= height:
            return True
    return False


def placement_cells(s, player: int, cells=None) -> list[tuple[int, int]]:
    """Legal (cell, count) placements for ``player``, in cell order then count."""
    hand = s.rings_in_hand[player]
    if hand <= 0:
        return []
    stacks, markers, collapsed = s.stacks, s.markers, s.collapsed
    out = []
    top_n = min(MAX_ON_EMPTY, hand)
    for c in (range(s.geom.num_cells) if cells is None else cells):
        if collapsed[c] or markers[c]:
            continue
        rings = stacks[c]
        prof = _ray_profile(s, c)
        if rings is None:
            for n in range(1, top_n + 1):
                if _alive(prof, n, n):
                    out.append((c, n))
        else:
            h = len(rings) + 1
            cap = cap_height(rings) + 1 if rings[-1] == player else 1
            if _alive(prof, h, cap):
                out.append((c, 1))
    return out


def has_placement(s, player: int) -> bool:
    if s.rings_in_hand[player] <= 0:
        return False
    stacks, markers, collapsed = s.stacks, s.markers, s.collapsed
    for c in range(s.geom.num_cells):
        if collapsed[c] or markers[c]:
            continue
        rings = stacks[c]
        prof = _ray_profile(s, c)
        if rings is None:
            for n in range(1, min(MAX_ON_EMPTY, s.rings_in_hand[player]) + 1):
                if _alive(prof, n, n):
                    return True
        else:
            cap = cap_height(rings) + 1 if rings[-1] == player else 1
            if _alive(prof, len(rings) + 1, cap):
                return True
    return False


def placement_moves(s, player: int, cells=None) -> list[Move]:
    coords = s.geom.coords
    return [Move(PLACE_RING, player, to=coords[c], count=n) for c, n in placement_cells(s, player, cells)]


def apply_placement(s, player: int, cell: int, count: int) -> None:
    rings = s.stacks[cell] or ()
    set_stack(s, cell, rings + (player,) * count)
    s.rings_in_hand[player] -= count
    s.board_rings[player] += count
