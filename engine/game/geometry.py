"""Board geometry: integer cell ids, coordinates, keys and precomputed neighbour tables.

Every board is flattened to cell ids ``0..n-1``. All adjacency the rules need (movement
rays, line axes, territory neighbours, the border-growth neighbourhood) is computed once
per ``(board_type, size)`` and shared by every state of that board.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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
    # Bitboards: cell c is bit ``bit[c]`` of a Python int laid out on a grid, so that stepping in
    # a direction is one shift. ``pos_cell[bit position]`` maps back (-1 off the board).
    bit: tuple[int, ...]
    pos_cell: tuple[int, ...]
    valid_bb: int
    # (shift, source mask) per movement direction / per territory direction: the cells one step
    # from the set ``bb`` in that direction are ``(bb & mask) << shift`` (>> for negative shifts).
    dir_shifts: tuple[tuple[int, int], ...]
    terr_shifts: tuple[tuple[int, int], ...]
    # terr_flood(seed, open_bb): the part of open_bb connected to seed by territory adjacency
    # (generated straight-line code: this is the hottest loop of region detection).
    terr_flood: object
    # Per-board memo of immutable values derived from the geometry (e.g. prebuilt moves).
    memo: dict

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


@cache
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
    if is_hex:
        width = 2 * radius + 1
        positions = [(c[0] + radius) * width + (c[1] + radius) for c in coords]

        def delta(d):
            return d[0] * width + d[1]
    else:
        width = size
        positions = [c[0] + c[1] * width for c in coords]

        def delta(d):
            return d[0] + d[1] * width
    bits = tuple(1 << p for p in positions)
    pos_cell = [-1] * (max(positions) + 1)
    for cell, p in enumerate(positions):
        pos_cell[p] = cell

    def shifts(dir_list):
        out = []
        for d in dir_list:
            mask = 0
            for cell, c in enumerate(coords):
                if step(c, d) in index:
                    mask |= bits[cell]
            out.append((delta(d), mask))
        return tuple(out)

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
        bit=bits,
        pos_cell=tuple(pos_cell),
        valid_bb=sum(bits),
        dir_shifts=shifts(dirs),
        terr_shifts=shifts(terr_dirs),
        terr_flood=_compile_flood(shifts(terr_dirs)),
        memo={},
    )


def _compile_flood(shifts: tuple[tuple[int, int], ...]):
    """``flood(seed, open_bb, shifts)`` as one generated function with the shifts and masks inlined."""
    terms = ["f"]
    for sh, mask in shifts:
        op = f"<< {sh}" if sh > 0 else f">> {-sh}"
        terms.append(f"((f & {mask}) {op})")
    grow = " | ".join(terms)
    src = ("def terr_flood(f, o):\n"
           "    while True:\n"
           f"        g = ({grow}) & o\n"
           "        if g == f:\n"
           "            return f\n"
           "        f = g\n")
    ns: dict = {}
    exec(src, ns)
    return ns["terr_flood"]


def expand(bb: int, shifts: tuple[tuple[int, int], ...]) -> int:
    """``bb`` together with every cell one step from it in any of the given directions."""
    out = bb
    for sh, mask in shifts:
        if sh > 0:
            out |= (bb & mask) << sh
        else:
            out |= (bb & mask) >> -sh
    return out


def step_back(bb: int, shift: tuple[int, int]) -> int:
    """Cells one step from ``bb`` along ``shift`` (see Geometry.dir_shifts)."""
    sh, mask = shift
    return (bb & mask) << sh if sh > 0 else (bb & mask) >> -sh


def flood(seed: int, open_bb: int, shifts: tuple[tuple[int, int], ...]) -> int:
    """The connected part of ``open_bb`` reachable from ``seed`` (a subset of it)."""
    fill = seed
    while True:
        grown = expand(fill, shifts) & open_bb
        if grown == fill:
            return fill
        fill = grown


def bit_cells(bb: int, pos_cell: tuple[int, ...]) -> list[int]:
    """Cell ids of the set bits of ``bb``, in bit order."""
    out = []
    while bb:
        low = bb & -bb
        out.append(pos_cell[low.bit_length() - 1])
        bb ^= low
    return out
