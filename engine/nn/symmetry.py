"""Board symmetries: D4 (8 elements) on square boards, D6 (12 elements) on hex boards.

A ``Symmetry`` maps coordinates, cell ids, directions (rays map to rays, line axes to line axes),
moves, states, input planes and policy indices. Element 0 is always the identity.

* square: centred coordinates ``u = 2x - (S-1), v = 2y - (S-1)``; an element is an optional swap of
  ``(u, v)`` followed by sign flips of each component (4 rotations + 4 reflections).
* hex: cube coordinates ``(x, y, z)``; an element is a permutation of the three components times
  a global sign (even permutations x +1 = rotations by 0/120/240 degrees, x -1 = 60/180/300;
  odd permutations = the 6 reflections).

Planes and globals: ``encode_state(transform_state(s, g)) == (transform_planes(P, g), G)``
(globals do not depend on the orientation).

Policy: ``policy_permutation(board, g)`` is a static permutation ``perm`` over ``A * H * W`` with
``perm[i]`` = the image of index i. It is exact for the geometric channel groups (place, move,
capture, line_exact, line_segment, eliminate, forced, global). Three groups carry a choice that
no static map can transport: line_all (the line's first cell in axis order depends on its
length when the axis is reversed), territory (lowest-cell representative and slot rank) and
recovery (slot rank). For them the static map is only a best effort, and the exact,
state-aware ``state_policy_permutation(state, g)`` must be used (it equals the static one except
for those legal indices). ``transform_policy_index(state, index, g)`` is the exact map of one
index.

Note (engine): on hex8 the border-marker growth of territory processing uses an (x, y)
8-neighbourhood that is not D6-symmetric, so *applying* a choose_territory_option in a
transformed hex8 state can collapse different border markers; positions, legal moves and
encodings are symmetric.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import permutations

import numpy as np

from engine.game import legal_moves
from engine.game.geometry import geometry, line_length
from engine.game.moves import Move
from engine.game.serialize import move_to_json, pos_to_json, state_from_json, state_to_json

from .actions import (
    GLOBAL_TYPES,
    MAX_PLACE,
    RECOVERY_SLOTS,
    TERRITORY_SLOTS,
    _actions_of,
    _index,
    _ranks,
    action_layout,
    index_to_move,
    legal_indices,
    move_to_index,
)
from .planes import layout

Coord = tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Symmetry:
    board: str
    index: int
    name: str
    linear: tuple  # square: (swap, sx, sy); hex: (perm, sign)
    cell_perm: np.ndarray  # cell id -> cell id
    dir_perm: tuple[int, ...]  # direction index -> direction index
    grid_perm: np.ndarray  # flat grid cell -> flat grid cell (off-board cells fixed)
    grid_inv: np.ndarray

    def coord(self, c: Coord) -> Coord:
        """The image of a coordinate."""
        if len(self.linear) == 3:
            swap, sx, sy = self.linear
            s1 = geometry(self.board).size - 1
            u, v = 2 * c[0] - s1, 2 * c[1] - s1
            if swap:
                u, v = v, u
            return ((sx * u + s1) // 2, (sy * v + s1) // 2)
        perm, sign = self.linear
        if len(c) == 2:
            c = (c[0], c[1], -c[0] - c[1])
        return tuple(sign * c[p] for p in perm)

    def direction(self, d: Coord) -> Coord:
        if len(self.linear) == 3:
            swap, sx, sy = self.linear
            u, v = (d[1], d[0]) if swap else (d[0], d[1])
            return (sx * u, sy * v)
        perm, sign = self.linear
        return tuple(sign * d[p] for p in perm)

    def __repr__(self) -> str:
        return f"<Symmetry {self.board} #{self.index} {self.name}>"


def _build(board: str, index: int, name: str, linear: tuple) -> Symmetry:
    geom = geometry(board)
    lay = layout(board)
    proto = Symmetry(board, index, name, linear, None, None, None, None)  # type: ignore[arg-type]
    cell_perm = np.array([geom.index[proto.coord(c)] for c in geom.coords], dtype=np.int64)
    dir_perm = tuple(geom.dirs.index(proto.direction(d)) for d in geom.dirs)
    grid = np.arange(lay.H * lay.W, dtype=np.int64)
    grid[lay.flat] = lay.flat[cell_perm]
    inv = np.empty_like(grid)
    inv[grid] = np.arange(grid.size)
    return Symmetry(board, index, name, linear, cell_perm, dir_perm, grid, inv)


@cache
def symmetries(board: str) -> tuple[Symmetry, ...]:
    """The symmetry group of a board: 8 elements on square boards, 12 on hex boards; [0] = identity."""
    geom = geometry(board)
    out = []
    if not geom.is_hex:
        elems = [(0, 1, 1), (1, -1, 1), (0, -1, -1), (1, 1, -1),  # rotations 0, 90, 180, 270
                 (0, -1, 1), (0, 1, -1), (1, 1, 1), (1, -1, -1)]  # reflections
        names = ["id", "rot90", "rot180", "rot270", "flip_x", "flip_y", "transpose", "anti_transpose"]
    else:
        elems = []
        names = []
        for perm in permutations(range(3)):
            for sign in (1, -1):
                elems.append((perm, sign))
                names.append(f"perm{''.join(map(str, perm))}{'+' if sign > 0 else '-'}")
    for i, (lin, name) in enumerate(zip(elems, names)):
        out.append(_build(board, i, name, lin))
    return tuple(out)


# -- moves and states ------------------------------------------------------------------------------

def _canonical_run(geom, cells: tuple[Coord, ...]) -> bool:
    """True when ``cells`` (>= 2, consecutive on a line) run along a canonical line axis."""
    a, b = cells[0], cells[1]
    delta = tuple(y - x for x, y in zip(a, b))
    return geom.dirs.index(delta) in geom.line_axes


def transform_move(move: Move, sym: Symmetry) -> Move:
    """The image of a move, in the engine's canonical form (line order, sorted regions)."""
    geom = geometry(sym.board)
    f = sym.coord
    kw = {}
    for name in ("to", "from_", "target", "extraction"):
        v = getattr(move, name)
        if v is not None:
            kw[name] = f(v)
    line = tuple(f(c) for c in move.line)
    collapsed = tuple(f(c) for c in move.collapsed)
    run = line if len(line) >= 2 else collapsed
    if len(run) >= 2 and not _canonical_run(geom, run):
        line = line[::-1]
        collapsed = collapsed[::-1]
    if line:
        kw["line"] = line
        kw["to"] = line[0]
    if collapsed:
        kw["collapsed"] = collapsed
    if move.region:
        region = tuple(sorted((f(c) for c in move.region), key=geom.index.__getitem__))
        kw["region"] = region
        kw["to"] = region[0]
    return move._replace(**kw)


def transform_state(state, sym: Symmetry):
    """The image of a state (board, pending cells and move history), via the JSON form."""
    geom = state.geom
    if geom.board_type != sym.board:
        raise ValueError(f"symmetry of {sym.board} applied to a {geom.board_type} state")
    obj = state_to_json(state)
    keys = geom.keys
    cmap = sym.cell_perm

    def k(key: str) -> str:
        return keys[cmap[geom.key_index[key]]]

    board = obj["board"]
    for field in ("stacks", "markers"):
        new = {}
        for key, v in board[field].items():
            nk = k(key)
            v = dict(v)
            v["position"] = pos_to_json(geom.coords[geom.key_index[nk]])
            new[nk] = v
        board[field] = new
    board["collapsedSpaces"] = {k(key): v for key, v in board["collapsedSpaces"].items()}
    obj["moveHistory"] = [move_to_json(transform_move(m, sym)) for m in state.moves]
    if obj.get("mustMoveFromStackKey"):
        obj["mustMoveFromStackKey"] = k(obj["mustMoveFromStackKey"])
    if obj.get("chainCapturePosition"):
        obj["chainCapturePosition"] = pos_to_json(sym.coord(geom.coords[state.chain_pos]))
    eng = obj["engine"]
    if eng.get("pendingRegion") is not None:
        eng["pendingRegion"] = [k(key) for key in eng["pendingRegion"]]
    if eng.get("chainPos") is not None:
        eng["chainPos"] = k(eng["chainPos"])
    return state_from_json(obj)


# -- planes ----------------------------------------------------------------------------------------

def transform_planes(planes: np.ndarray, sym: Symmetry) -> np.ndarray:
    """The image of ``[..., C, H, W]`` planes (any leading batch dimensions)."""
    shape = planes.shape
    flat = planes.reshape(shape[:-2] + (shape[-2] * shape[-1],))
    return flat[..., sym.grid_inv].reshape(shape)


# -- policy ----------------------------------------------------------------------------------------

def _complete(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """A permutation of ``range(n)`` extending the partial injective map src -> dst."""
    perm = np.full(n, -1, dtype=np.int64)
    perm[src] = dst
    used = np.zeros(n, dtype=bool)
    used[dst] = True
    perm[perm < 0] = np.flatnonzero(~used)
    return perm


@cache
def _static_perm(board: str, line_len: int, sym_index: int) -> np.ndarray:
    sym = symmetries(board)[sym_index]
    al = action_layout(board)
    geom = al.geom
    HW = al.HW
    g = sym.grid_perm
    perm = np.empty(al.size, dtype=np.int64)
    cells = np.arange(HW)

    def put(ch_src: int, ch_dst: int, grid_map: np.ndarray) -> None:
        perm[ch_src * HW + cells] = ch_dst * HW + grid_map

    for c in range(al.PLACE, al.PLACE + MAX_PLACE):
        put(c, c, g)
    for base in (al.MOVE, al.CAPTURE):
        for d in range(al.D):
            for k in range(al.M):
                put(base + d * al.M + k, base + sym.dir_perm[d] * al.M + k, g)
    for d in range(al.D):
        for j in range(RECOVERY_SLOTS):
            put(al.RECOVERY + d * RECOVERY_SLOTS + j, al.RECOVERY + sym.dir_perm[d] * RECOVERY_SLOTS + j, g)
    for j in range(TERRITORY_SLOTS):
        put(al.TERRITORY + j, al.TERRITORY + j, g)
    for c in (al.ELIMINATE, al.FORCED):
        put(c, c, g)
    for i in range(len(GLOBAL_TYPES)):
        put(al.GLOBAL + i, al.GLOBAL + i, cells)
    # Line groups: a run of length L starting at c along axis a maps to the run starting at g(c)
    # along g(a) when that is a canonical axis, else to the one starting at g(c + (L-1) a) along -g(a).
    lay_flat = np.asarray(al.flat)
    for base in (al.LINE_EXACT, al.LINE_ALL, al.LINE_SEGMENT):
        for a, d in enumerate(geom.line_axes):
            gd = sym.dir_perm[d]
            if gd in al.axis_of_dir:
                put(base + a, base + al.axis_of_dir[gd], g)
                continue
            a2 = al.axis_of_dir[geom.opposite[gd]]
            src, dst = [], []
            for c in range(geom.num_cells):
                ray = geom.rays[c][d]
                if len(ray) >= line_len - 1:
                    src.append(lay_flat[c])
                    dst.append(g[lay_flat[ray[line_len - 2]]])
            block = _complete(np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64), HW)
            perm[(base + a) * HW + cells] = (base + a2) * HW + block
    perm.setflags(write=False)
    return perm


def policy_permutation(board: str, num_players: int, sym: Symmetry) -> np.ndarray:
    """Static ``perm`` over ``A * H * W``: ``perm[i]`` = image of index i (exact on geometric groups)."""
    return _static_perm(board, line_length(board, num_players), sym.index)


def transform_policy(policy: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Move a ``[..., A*H*W]`` policy vector (or mask) along ``perm``: ``out[..., perm[i]] = policy[..., i]``."""
    out = np.empty_like(policy)
    out[..., perm] = policy
    return out


def state_policy_permutation(state, sym: Symmetry, transformed=None) -> np.ndarray:
    """The exact permutation for ``state``: the static one, corrected on every legal index so that
    ``move_to_index(g(state), g(move)) == perm[move_to_index(state, move)]`` for every legal move."""
    perm = policy_permutation(state.board_type, state.num_players, sym).copy()
    moves = legal_moves(state)
    if not moves:
        return perm
    ts = transform_state(state, sym) if transformed is None else transformed
    al = _actions_of(ts.geom)
    tmoves = [transform_move(m, sym) for m in moves]
    ranks = _ranks(legal_moves(ts))
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    for i, tm in zip(legal_indices(state), tmoves):
        j = _index(al, tm, ranks)
        if perm[i] != j:
            k = inv[j]
            perm[k], perm[i] = perm[i], j
            inv[perm[k]] = k
            inv[j] = i
    return perm


def transform_policy_index(state, index: int, sym: Symmetry, transformed=None) -> int:
    """The exact image of the legal index ``index`` of ``state`` under ``sym``."""
    move = index_to_move(state, index)
    ts = transform_state(state, sym) if transformed is None else transformed
    return move_to_index(ts, transform_move(move, sym))
