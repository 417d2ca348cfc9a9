"""Overtaking captures and chains (RR-CANON-R100-R103).

A segment (from, target, landing): the target is the first stack on a ray from ``from`` with cap
no greater than the attacker's cap; the landing lies beyond it on the same ray with nothing but
markers between, at distance >= the attacker's height. The target's top ring goes to the bottom
of the attacker; it stays in play.
"""

from __future__ import annotations

from .board import set_marker, set_stack
from .movement import land, mark_path, ray_direction
from .moves import Move


def capture_segments(s, frm: int, height: int, cap: int) -> list[tuple[int, int]]:
    """All (target, landing) pairs for an attacker of ``height``/``cap`` on ``frm``."""
    occ = s.occ
    out = []
    for ray in s.geom.rays[frm]:
        i = 0
        for c in ray:
            i += 1
            o = occ[c]
            if o:
                if 0 < o <= cap:
                    for c2 in ray[i:]:
                        if occ[c2]:
                            break
                        i += 1
                        if i >= height:
                            out.append((c, c2))
                break
    return out


def can_capture(s, frm: int, height: int, cap: int) -> bool:
    """Whether ``capture_segments`` would be non-empty; a separate walk because it stops at the first
    segment (it runs on every placement liveness check and after every landing)."""
    occ = s.occ
    for ray in s.geom.rays[frm]:
        i = 0
        for c in ray:
            i += 1
            o = occ[c]
            if o:
                if 0 < o <= cap:
                    for c2 in ray[i:]:
                        if occ[c2]:
                            break
                        i += 1
                        if i >= height:
                            return True
                break
    return False


def capture_moves(s, player: int, frm: int, move_type: str) -> list[Move]:
    rings = s.stacks[frm]
    coords = s.geom.coords
    f = coords[frm]
    return [Move(move_type, player, to=coords[land], from_=f, target=coords[t])
            for t, land in capture_segments(s, frm, len(rings), s.occ[frm])]


def apply_capture(s, player: int, frm: int, target: int, landing: int) -> None:
    geom = s.geom
    d, dist_t = ray_direction(geom, frm, target)
    _, dist_l = ray_direction(geom, frm, landing)
    ray = geom.rays[frm][d]
    attacker = s.stacks[frm]
    set_stack(s, frm, None)
    set_marker(s, frm, player)
    mark_path(s, player, ray[:dist_t - 1])
    mark_path(s, player, ray[dist_t:dist_l - 1])
    victim = s.stacks[target]
    set_stack(s, target, victim[:-1])
    land(s, player, landing, (victim[-1],) + attacker)
