"""Lines (RR-CANON-R120-R123): detection and the line decisions.

A line is a maximal run of at least L consecutive cells along a line axis, each holding one of the
current player's markers. Exact-length lines collapse whole and cost one ring; an overlength line
offers Option 1 (collapse all, one ring owed) or Option 2 (collapse any L consecutive cells, free).
"""

from __future__ import annotations

from .board import collapse
from .geometry import step_back
from .moves import CHOOSE_LINE_OPTION, PROCESS_LINE, Move


def has_line(s, player: int) -> bool:
    """Bitboard test: does ``player`` have L markers in a row along some line axis?"""
    geom = s.geom
    mb = s.mbb[player]
    L = s.line_length
    if mb.bit_count() < L:
        return False
    shifts, opp = geom.dir_shifts, geom.opposite
    for d in geom.line_axes:
        back = shifts[opp[d]]
        run = mb
        for _ in range(L - 1):
            run = mb & step_back(run, back)
            if not run:
                break
        else:
            return True
    return False


def find_lines(s, player: int) -> list[tuple[int, ...]]:
    """Every maximal run (cells in axis order) of ``player``'s markers of length >= L."""
    if not has_line(s, player):
        return []
    geom = s.geom
    markers = s.markers
    cells = s.marker_cells(player)
    L = s.line_length
    rays, opp = geom.rays, geom.opposite
    out = []
    for d in geom.line_axes:
        back = opp[d]
        for c in cells:
            prev = rays[c][back]
            if prev and markers[prev[0]] == player:
                continue  # not the start of a run
            run = [c]
            for n in rays[c][d]:
                if markers[n] != player:
                    break
                run.append(n)
            if len(run) >= L:
                out.append(tuple(run))
    out.sort()
    return out


def line_moves(s, player: int) -> list[Move]:
    coords = s.geom.coords
    L = s.line_length
    out = []
    for line in find_lines(s, player):
        pos = tuple(coords[c] for c in line)
        if len(line) == L:
            out.append(Move(PROCESS_LINE, player, to=pos[0], line=pos))
        else:
            out.append(Move(CHOOSE_LINE_OPTION, player, to=pos[0], line=pos, collapsed=pos))
            for i in range(len(line) - L + 1):
                out.append(Move(CHOOSE_LINE_OPTION, player, to=pos[0], line=pos, collapsed=pos[i:i + L]))
    return out


def apply_line(s, player: int, cells: list[int]) -> None:
    """Collapse ``cells`` (all of them hold ``player``'s markers) to ``player``'s territory."""
    for c in cells:
        collapse(s, c, player)
    s.territory[player] += len(cells)
