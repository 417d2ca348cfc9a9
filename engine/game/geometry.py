"""Board geometry: integer cell ids, coordinates, keys and precomputed neighbour tables.

Every board is flattened to cell ids ``0..n-1``. All adjacency the rules need (movement
rays, line axes, territory neighbours, the border-growth neighbourhood) is computed once
per ``(board_type, size)`` and shared by every state of that board.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

Coord = tuple[int, ...]

BOARD_TYPES = ("square8", "square19", "hex8", "hexagonal")
HEX_BOARDS = frozenset({"hex8", "hexagonal"})

# Canonical board sizes (`board.size` of a fresh game). Hex radius = (size - 1) // 2.
DEFAULT_SIZE = {"square8": 8, "square19": 19, "hex8": 9, "hexagonal": 25}
RINGS_PER_PLAYER = {"square8": 18, "square19": 72, "hex8": 18, "hexagonal": 96}

SQUARE_DIRS: tuple[Coord, ...] = ((1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))
HEX_DIRS: tuple[Coord, ...] = ((1, 0, -1), (0, 1, -1), (-1, 1, 0), (-1, 0, 1), (0, -1, 1), (1, -1, 0))
# Line axes, each scanned both ways: indices into the direction tuple above.
SQUARE_LINE_AXES = (0, 1, 2, 7)  # (1,0) (1,1) (0,1) (1,-1)
HEX_LINE_AXES = (0, 5, 4)  # (1,0,-1) (1,-1,0) (0,-1,1)
SQUARE_TERRITORY_DIRS: tuple[Coord, ...] = ((0, 1), (1, 0), (0, -1), (-1, 0))


def line_length(board_type: str, num_players: int) -> int:
    """Effective line length L (RR-CANON-R120): 4 for 2 players; 3 on the small boards for 3-4."""
    if num_players == 2 or board_type in ("square19", "hexagonal"):
        return 4
    return 3


@dataclass(frozen=True, eq=False, slots=True)
class Geometry:
    board_type: str
    size: int
    is_hex: bool
    num_cells: int
    coords: tuple[Coord, ...]
    index: dict[Coord, int]
    keys: tuple[str, ...]
    key_index: dict[str, int]
    dirs: tuple[Coord, ...]
    # rays[c][d]: cells reached from c stepping in direction d, nearest first.
    rays: tuple[tuple[tuple[int, ...], ...], ...]
    opposite: tuple[int, ...]
    line_axes: tuple[int, ...]
    # adjacent[c]: movement neighbours (Moore on square, 6 on hex); also recovery-slide adjacency.
    adjacent: tuple[tuple[int, ...], ...]
    territory_nbrs: tuple[tuple[int, ...], ...]
    # 8-neighbourhood in (x, y) used by the executable border-marker growth (docs/RULES.md).
    growth_nbrs: tuple[tuple[int, ...], ...]
    radius: int

    def key(self, cell: int) -> str:
        return self.keys[cell]

    def cell(self, coord: Coord) -> int:
        """Cell id of a coordinate; hex coordinates may omit z. Raises KeyError off the board."""
        if self.is_hex and len(coord) == 2:
            coord = (coord[0], coord[1], -coord[0] - coord[1])
        return self.index[coord]

    def distance(self, a: int, b: int) -> int:
        ca, cb = self.coords[a], self.coords[b]
        if self.is_hex:
            return (abs(ca[0] - cb[0]) + abs(ca[1] - cb[1]) + abs(ca[2] - cb[2])) // 2
        return max(abs(ca[0] - cb[0]), abs(ca[1] - cb[1]))


def _hex_cells(radius: int) -> list[Coord]:
    cells = []
    for x in range(-radius, radius + 1):
        for y in range(-radius, radius + 1):
            z = -x - y
            if abs(z) <= radius:
                cells.append((x, y, z))
    return cells


@lru_cache(maxsize=None)
def geometry(board_type: str, size: int | None = None) -> Geometry:
    """The shared geometry of a board; ``size`` defaults to the canonical size of the type."""
    if board_type not in DEFAULT_SIZE:
        raise ValueError(f"unknown board type {board_type!r}; expected one of {', '.join(BOARD_TYPES)}")
    size = DEFAULT_SIZE[board_type] if size is None else int(size)
    is_hex = board_type in HEX_BOARDS
    if is_hex:
        radius = (size - 1) // 2
        coords = _hex_cells(radius)
        dirs = HEX_DIRS
        terr_dirs = HEX_DIRS
        axes = HEX_LINE_AXES
    else:
        radius = 0
        coords = [(x, y) for y in range(size) for x in range(size)]
        dirs = SQUARE_DIRS
        terr_dirs = SQUARE_TERRITORY_DIRS
        axes = SQUARE_LINE_AXES
    index = {c: i for i, c in enumerate(coords)}

    def step(c: Coord, d: Coord) -> Coord:
        return tuple(a + b for a, b in zip(c, d))

    rays = []
    for c in coords:
        per_dir = []
        for d in dirs:
            ray = []
            cur = step(c, d)
            while cur in index:
                ray.append(index[cur])
                cur = step(cur, d)
            per_dir.append(tuple(ray))
        rays.append(tuple(per_dir))
    opposite = tuple(dirs.index(tuple(-v for v in d)) for d in dirs)
    adjacent = tuple(tuple(r[0] for r in per_dir if r) for per_dir in rays)
    territory = tuple(
        tuple(index[n] for n in (step(c, d) for d in terr_dirs) if n in index) for c in coords
    )
    if is_hex:
        growth_dirs = HEX_DIRS + ((1, 1, -2), (-1, -1, 2))
    else:
        growth_dirs = SQUARE_DIRS
    growth = tuple(
        tuple(index[n] for n in (step(c, d) for d in growth_dirs) if n in index) for c in coords
    )
    keys = tuple(",".join(str(v) for v in c) for c in coords)
    return Geometry(
        board_type=board_type,
        size=size,
        is_hex=is_hex,
        num_cells=len(coords),
        coords=tuple(coords),
        index=index,
        keys=keys,
        key_index={k: i for i, k in enumerate(keys)},
        dirs=dirs,
        rays=tuple(rays),
        opposite=opposite,
        line_axes=axes,
        adjacent=adjacent,
        territory_nbrs=territory,
        growth_nbrs=growth,
        radius=radius,
    )
