"""Where each cell of a board sits on the page: centres and outlines in pixels (y down).

Square boards: cell ``(x, y)`` is the square at column ``x``, row ``y`` (row 0 at the top).
Hex boards: cube coordinates ``(x, y, z)`` drawn pointy-top with axial ``q = x``, ``r = z``, so
the six neighbours of a cell are the six cells around its hexagon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.game.geometry import Geometry

SQRT3 = math.sqrt(3.0)

# Default cell size (pixels) per board: a square's side, a hexagon's circumradius.
DEFAULT_CELL = {"square8": 56.0, "square19": 30.0, "hex8": 32.0, "hexagonal": 17.0}


@dataclass(frozen=True)
class BoardLayout:
    geom: Geometry
    cell: float  # square side / hexagon circumradius
    centers: tuple[tuple[float, float], ...]  # per cell id, relative to the board's top-left corner
    outlines: tuple[tuple[tuple[float, float], ...], ...]  # per cell id
    width: float
    height: float

    @property
    def span(self) -> float:
        """The width available for a piece inside one cell (square side, hexagon's inner width)."""
        return self.cell if not self.geom.is_hex else self.cell * SQRT3

    def shifted(self, dx: float, dy: float) -> BoardLayout:
        return BoardLayout(self.geom, self.cell, tuple((x + dx, y + dy) for x, y in self.centers),
                           tuple(tuple((x + dx, y + dy) for x, y in o) for o in self.outlines), self.width, self.height)


def board_layout(geom: Geometry, cell: float | None = None) -> BoardLayout:
    c = float(cell or DEFAULT_CELL.get(geom.board_type, 30.0))
    if not geom.is_hex:
        centers = tuple((x * c + c / 2, y * c + c / 2) for x, y in geom.coords)
        outlines = tuple(((x * c, y * c), ((x + 1) * c, y * c), ((x + 1) * c, (y + 1) * c), (x * c, (y + 1) * c))
                         for x, y in geom.coords)
        return BoardLayout(geom, c, centers, outlines, geom.size * c, geom.size * c)
    raw = [(c * SQRT3 * (x + z / 2.0), c * 1.5 * z) for x, _, z in geom.coords]
    corners = [(math.cos(math.radians(30 + 60 * k)), math.sin(math.radians(30 + 60 * k))) for k in range(6)]
    minx = min(x for x, _ in raw) - c * SQRT3 / 2
    miny = min(y for _, y in raw) - c
    maxx = max(x for x, _ in raw) + c * SQRT3 / 2
    maxy = max(y for _, y in raw) + c
    centers = tuple((x - minx, y - miny) for x, y in raw)
    outlines = tuple(tuple((cx + c * dx, cy + c * dy) for dx, dy in corners) for cx, cy in centers)
    return BoardLayout(geom, c, centers, outlines, maxx - minx, maxy - miny)
