"""Recovery action (RR-CANON-R110-R115).

A player who controls no stack but owns a marker and has a buried ring may slide one marker to an
adjacent cell. Line mode (the slide completes a line of >= L through the destination) takes
precedence; only when no line-mode slide exists anywhere are fallback slides (to an empty cell)
and stack strikes (onto a stack) offered. The cost is one buried-ring extraction (the player's
bottommost ring of a chosen stack), except for line Option 2.
"""

from __future__ import annotations

from .board import collapse, extract_bottom_ring, remove_top_rings, set_marker
from .moves import RECOVERY_FALLBACK, RECOVERY_LINE, RECOVERY_SLIDE, RECOVERY_STACK_STRIKE, SKIP_RECOVERY, Move


def recovery_eligible(s, player: int) -> bool:
    # With no controlled stack, every ring of the player still on the board is buried.
    return not s.kbb[player] and bool(s.mbb[player]) and s.board_rings[player] > 0


def extraction_cells(s, player: int) -> list[int]:
    return [c for c, rings in enumerate(s.stacks) if rings is not None and player in rings[:-1]]


def _line_through(s, player: int, cell: int, axis: int) -> list[int]:
    rays = s.geom.rays[cell]
    markers = s.markers
    back = []
    for c in rays[s.geom.opposite[axis]]:
        if markers[c] != player:
            break
        back.append(c)
    fwd = []
    for c in rays[axis]:
        if markers[c] != player:
            break
        fwd.append(c)
    back.reverse()
    return back + [cell] + fwd


def line_slides(s, player: int) -> list[tuple[int, int, tuple[int, ...]]]:
    """(from, to, line cells) for every slide that forms a line of >= L through ``to``."""
    geom = s.geom
    stacks, markers, collapsed = s.stacks, s.markers, s.collapsed
    L = s.line_length
    out = []
    for m in s.marker_cells(player):
        for d in geom.adjacent[m]:
            if stacks[d] is not None or collapsed[d] or markers[d]:
                continue
            markers[m] = 0
            markers[d] = player
            try:
                for axis in geom.line_axes:
                    run = _line_through(s, player, d, axis)
                    if len(run) >= L:
                        out.append((m, d, tuple(run)))
            finally:
                markers[d] = 0
                markers[m] = player
    return out


def recovery_moves(s, player: int) -> list[Move]:
    coords = s.geom.coords
    L = s.line_length
    extract = [coords[c] for c in extraction_cells(s, player)]
    out = []
    slides = line_slides(s, player)
    if slides:
        for m, d, run in slides:
            pos = tuple(coords[c] for c in run)
            if len(run) > L:
                # Option 2 first: a slide that names no option on an overlength line means the
                # free option, collapsing the first L cells (as the reference engines read it).
                for i in range(len(run) - L + 1):
                    out.append(Move(RECOVERY_SLIDE, player, to=coords[d], from_=coords[m],
                                    recovery_mode=RECOVERY_LINE, recovery_option=2, collapsed=pos[i:i + L]))
            for e in extract:
                out.append(Move(RECOVERY_SLIDE, player, to=coords[d], from_=coords[m], recovery_mode=RECOVERY_LINE,
                                recovery_option=1, collapsed=pos, extraction=e))
    else:
        stacks, markers, collapsed = s.stacks, s.markers, s.collapsed
        for m in s.marker_cells(player):
            for d in s.geom.adjacent[m]:
                if collapsed[d] or markers[d]:
                    continue
                mode = RECOVERY_FALLBACK if stacks[d] is None else RECOVERY_STACK_STRIKE
                for e in extract:
                    out.append(Move(RECOVERY_SLIDE, player, to=coords[d], from_=coords[m], recovery_mode=mode,
                                    extraction=e))
    out.append(Move(SKIP_RECOVERY, player))
    return out


def apply_recovery(s, player: int, move: Move) -> None:
    geom = s.geom
    frm, to = geom.index[move.from_], geom.index[move.to]
    set_marker(s, frm, 0)
    if move.recovery_mode == RECOVERY_STACK_STRIKE:
        remove_top_rings(s, to, 1, player)
    else:
        set_marker(s, to, player)
    if move.recovery_mode == RECOVERY_LINE:
        for p in move.collapsed:
            collapse(s, geom.index[p], player)
        s.territory[player] += len(move.collapsed)
    if move.extraction is not None:
        extract_bottom_ring(s, geom.index[move.extraction], player)
    s.turn_recovery = True
