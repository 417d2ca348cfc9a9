"""Non-capture movement (RR-CANON-R090-R092) and the marker effects of any path.

A stack of height H moves along one ray exactly d >= H cells: cells passed over hold no stack and
are not collapsed (markers are fine), the landing cell holds no stack and is not collapsed.
"""

from __future__ import annotations

from .board import collapse, remove_top_rings, set_marker, set_stack
from .moves import MOVE_STACK, Move


def ray_direction(geom, frm: int, to: int) -> tuple[int, int]:
    """(direction index, distance) of the straight ray from ``frm`` to ``to``; (-1, 0) if none."""
    memo = geom.memo
    key = ("ray", frm, to)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _ray_direction(geom, frm, to)
    return found


def _ray_direction(geom, frm: int, to: int) -> tuple[int, int]:
    a, b = geom.coords[frm], geom.coords[to]
    delta = tuple(y - x for x, y in zip(a, b))
    dist = max(abs(v) for v in delta)
    if dist == 0:
        return -1, 0
    unit = tuple(v // dist if v % dist == 0 else None for v in delta)
    if None in unit:
        return -1, 0
    try:
        d = geom.dirs.index(unit)
    except ValueError:
        return -1, 0
    return d, dist


def move_targets(s, frm: int, height: int) -> list[int]:
    """Landing cells of non-capture moves of a stack of ``height`` standing on ``frm``."""
    occ = s.occ
    out = []
    for ray in s.geom.rays[frm]:
        i = 0
        for c in ray:
            if occ[c]:
                break
            i += 1
            if i >= height:
                out.append(c)
    return out


def can_move(s, frm: int, height: int) -> bool:
    """True if a stack of ``height`` on ``frm`` has at least one non-capture move."""
    occ = s.occ
    for ray in s.geom.rays[frm]:
        if len(ray) < height:
            continue
        for i in range(height):
            if occ[ray[i]]:
                break
        else:
            return True
    return False


def stack_moves(s, player: int, frm: int, capture_type: str) -> list[Move]:
    """The move_stack moves and then the captures (typed ``capture_type``) of the stack on ``frm``,
    from one walk along each ray; move objects are shared per board (they are immutable)."""
    geom = s.geom
    memo = geom.memo
    coords = geom.coords
    occ = s.occ
    height = len(s.stacks[frm])
    cap = occ[frm]
    moves = []
    captures = []
    for ray in geom.rays[frm]:
        i = 0
        for c in ray:
            i += 1
            o = occ[c]
            if not o:
                if i >= height:
                    key = (MOVE_STACK, player, frm, c)
                    m = memo.get(key)
                    if m is None:
                        m = memo[key] = Move(MOVE_STACK, player, to=coords[c], from_=coords[frm])
                    moves.append(m)
                continue
            if 0 < o <= cap:
                for c2 in ray[i:]:
                    if occ[c2]:
                        break
                    i += 1
                    if i >= height:
                        key = (capture_type, player, frm, c, c2)
                        m = memo.get(key)
                        if m is None:
                            m = memo[key] = Move(capture_type, player, to=coords[c2], from_=coords[frm],
                                                 target=coords[c])
                        captures.append(m)
            break
    moves += captures
    return moves


def mark_path(s, player: int, path) -> None:
    """Marker effects of passing over ``path``: opponents' markers flip, own markers collapse."""
    markers = s.markers
    for c in path:
        m = markers[c]
        if m:
            if m == player:
                collapse(s, c, player)
                s.territory[player] += 1
            else:
                set_marker(s, c, player)


def land(s, player: int, cell: int, rings: tuple[int, ...]) -> None:
    """Put a moving stack on ``cell``; landing on a marker removes it and eliminates the top ring."""
    set_stack(s, cell, rings)
    if s.markers[cell]:
        set_marker(s, cell, 0)
        remove_top_rings(s, cell, 1, player)


def apply_move_stack(s, player: int, frm: int, to: int) -> None:
    d, dist = ray_direction(s.geom, frm, to)
    rings = s.stacks[frm]
    set_stack(s, frm, None)
    set_marker(s, frm, player)
    mark_path(s, player, s.geom.rays[frm][d][:dist - 1])
    land(s, player, to, rings)
