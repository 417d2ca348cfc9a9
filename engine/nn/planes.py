"""State -> input planes and global features, from the perspective of the player to act.

Seat convention (shared by search, value targets and game records)
------------------------------------------------------------------
Seats are numbered relative to the player to act: **seat 0 is the player to act** and seat ``k``
is player ``(current_player - 1 + k) mod N + 1`` (the k-th player after it in turn order). The
inverse is ``seat_of(player) = (player - current_player) mod N``. Seats ``N..3`` of a game with
``N < 4`` players are all-zero padding. A value vector produced for a position is indexed by the
same seats (value[0] = the player to act). ``seat_to_player`` / ``player_to_seat`` implement it.

Grid embedding
--------------
Every board is drawn on an ``H x W`` grid; plane ``[ch, row, col]``:

* square boards (8x8, 19x19): ``(row, col) = (y, x)``;
* hex boards (cube coordinates ``(x, y, z)``, radius ``r``; hex8 9x9, hexagonal 25x25):
  ``(row, col) = (x + r, y + r)``; the grid cells with ``|x + y| > r`` are off the board
  (validity plane 0).

Both are exactly the layout of the engine's bitboards (``Geometry.bit``), so bit ``p`` of a
bitboard is grid cell ``p`` (row-major, ``row * W + col``).

Planes (C = 29, float32, ``[C, H, W]``)
---------------------------------------
=========  ==========================================================================
channel    meaning (s = seat 0..3, base = 6 * s)
=========  ==========================================================================
base + 0   a stack whose top ring is seat s's (seat s controls it): 1
base + 1   height of that stack / 8, clipped to 1
base + 2   cap height of that stack / 8, clipped to 1
base + 3   rings of seat s buried (below the top) in any stack on the cell / 8, clipped to 1
base + 4   a marker of seat s
base + 5   a collapsed (territory) cell of seat s
24         validity mask (1 on board cells)
25         must-move cell (the stack that must move this turn)
26         chain-capture cell (the capturing stack, capture / chain_capture phases)
27         pending region (cells of the region just processed, self-elimination owed outside)
28         empty cell (on the board, no stack, marker or collapse)
=========  ==========================================================================

Global features (G = 35, float32)
---------------------------------
=========  ==========================================================================
index      meaning
=========  ==========================================================================
0..7       phase one-hot, in ``engine.game.state.PHASES`` order (ring_placement, movement,
           capture, chain_capture, line_processing, territory_processing,
           forced_elimination, game_over)
8 + s      rings in hand of seat s / rings per player
12 + s     rings eliminated *by* seat s (credited) / victory threshold
16 + s     territory spaces of seat s / territory threshold
20 + s     rings of seat s's colour lost (eliminated by anyone) / rings per player
24 + s     seat s is in the game and still has material (rings in hand or on the board)
28         pending line reward (a ring is owed for an exact line)
29         swap_sides is still offered
30         the player to act has changed the board this turn
31         the player to act made a recovery slide this turn
32..34     number of players one-hot (2, 3, 4)
=========  ==========================================================================
"""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.game.geometry import DEFAULT_SIZE, Geometry, bit_cells, geometry
from engine.game.state import PHASES

MAX_SEATS = 4
SEAT_PLANES = 6
HEIGHT_NORM = 8.0

CH_VALID = MAX_SEATS * SEAT_PLANES  # 24
CH_MUST_MOVE = CH_VALID + 1
CH_CHAIN = CH_VALID + 2
CH_PENDING_REGION = CH_VALID + 3
CH_EMPTY = CH_VALID + 4
NUM_PLANES = CH_EMPTY + 1  # 29

G_PHASE = 0
G_HAND = len(PHASES)  # 8
G_ELIM = G_HAND + MAX_SEATS
G_TERR = G_ELIM + MAX_SEATS
G_LOST = G_TERR + MAX_SEATS
G_ACTIVE = G_LOST + MAX_SEATS
G_LINE_REWARD = G_ACTIVE + MAX_SEATS  # 28
G_SWAP = G_LINE_REWARD + 1
G_TURN_CHANGED = G_SWAP + 1
G_TURN_RECOVERY = G_TURN_CHANGED + 1
G_NUM_PLAYERS = G_TURN_RECOVERY + 1  # 32..34
NUM_GLOBALS = G_NUM_PLAYERS + 3  # 35

_PHASE_INDEX = {p: i for i, p in enumerate(PHASES)}


# -- seats -----------------------------------------------------------------------------------------

def seat_to_player(seat: int, current_player: int, num_players: int) -> int:
    """The player sitting at ``seat`` (0 = the player to act)."""
    return (current_player - 1 + seat) % num_players + 1


def player_to_seat(player: int, current_player: int, num_players: int) -> int:
    """The seat of ``player`` seen from ``current_player`` (inverse of ``seat_to_player``)."""
    return (player - current_player) % num_players


# -- grid embedding --------------------------------------------------------------------------------

class Layout:
    """The grid embedding of one board: ``flat[cell]`` = ``row * W + col`` of each cell id."""

    __slots__ = ("geom", "H", "W", "flat", "rows", "cols", "valid", "nbytes", "max_dist", "cell_at")

    def __init__(self, geom: Geometry):
        self.geom = geom
        if geom.is_hex:
            r = geom.radius
            self.H = self.W = 2 * r + 1
            rc = [(c[0] + r, c[1] + r) for c in geom.coords]
            self.max_dist = 2 * r
        else:
            self.H = self.W = geom.size
            rc = [(c[1], c[0]) for c in geom.coords]
            self.max_dist = geom.size - 1
        self.rows = np.array([a for a, _ in rc], dtype=np.int64)
        self.cols = np.array([b for _, b in rc], dtype=np.int64)
        self.flat = self.rows * self.W + self.cols
        # The bitboard layout and the grid coincide (checked once here).
        assert all(geom.bit[c] == 1 << int(self.flat[c]) for c in range(geom.num_cells))
        self.valid = np.zeros(self.H * self.W, dtype=np.float32)
        self.valid[self.flat] = 1.0
        self.nbytes = (self.H * self.W + 7) // 8
        self.cell_at = np.full(self.H * self.W, -1, dtype=np.int64)
        self.cell_at[self.flat] = np.arange(geom.num_cells)

    def unpack(self, bb: int) -> np.ndarray:
        """A bitboard as a float32 vector over the ``H * W`` grid."""
        raw = np.frombuffer(bb.to_bytes(self.nbytes, "little"), dtype=np.uint8)
        return np.unpackbits(raw, bitorder="little", count=self.H * self.W).astype(np.float32)


@cache
def layout(board: str) -> Layout:
    """The grid embedding of a board type (canonical size)."""
    return Layout(geometry(board))


def _layout_of(geom: Geometry) -> Layout:
    lay = geom.memo.get("nn_layout")
    if lay is None:
        lay = geom.memo["nn_layout"] = Layout(geom)
    return lay


def grid_shape(board: str) -> tuple[int, int]:
    lay = layout(board)
    return lay.H, lay.W


def input_shape(board: str, num_players: int) -> tuple[tuple[int, int, int], tuple[int]]:
    """``((C, H, W), (G,))``: the shapes ``encode_state`` returns for a config (fixed per config)."""
    if board not in DEFAULT_SIZE:
        raise ValueError(f"unknown board {board!r}")
    if not 2 <= num_players <= MAX_SEATS:
        raise ValueError(f"num_players must be 2..4, got {num_players}")
    H, W = grid_shape(board)
    return (NUM_PLANES, H, W), (NUM_GLOBALS,)


# -- encoding --------------------------------------------------------------------------------------

def encode_state(state) -> tuple[np.ndarray, np.ndarray]:
    """``(planes float32 [C, H, W], globals float32 [G])`` of ``state`` seen by the player to act."""
    geom = state.geom
    lay = _layout_of(geom)
    H, W = lay.H, lay.W
    n = state.num_players
    cur = state.current_player
    planes = np.zeros((NUM_PLANES, H * W), dtype=np.float32)
    players = [seat_to_player(k, cur, n) for k in range(n)]
    seat_of = {p: k for k, p in enumerate(players)}

    # Stacks: one Python pass over the occupied cells only.
    stacks = state.stacks
    occ = state.occ
    flat = lay.flat
    if state.sbb:
        cells = bit_cells(state.sbb, geom.pos_cell)
        idx = flat[cells]
        tops = np.empty(len(cells), dtype=np.int64)
        hts = np.empty(len(cells), dtype=np.float32)
        caps = np.empty(len(cells), dtype=np.float32)
        for i, c in enumerate(cells):
            rings = stacks[c]
            top = rings[-1]
            tops[i] = seat_of[top] * SEAT_PLANES
            hts[i] = len(rings)
            caps[i] = occ[c]
            if len(rings) > 1:
                below = rings[:-1]
                for p in set(below):
                    planes[seat_of[p] * SEAT_PLANES + 3, idx[i]] = below.count(p)
        planes[tops, idx] = 1.0
        planes[tops + 1, idx] = hts
        planes[tops + 2, idx] = caps
    for k, p in enumerate(players):
        base = k * SEAT_PLANES
        planes[base + 1] *= 1.0 / HEIGHT_NORM
        planes[base + 2] *= 1.0 / HEIGHT_NORM
        planes[base + 3] *= 1.0 / HEIGHT_NORM
        if state.mbb[p]:
            planes[base + 4] = lay.unpack(state.mbb[p])
    np.minimum(planes[:CH_VALID], 1.0, out=planes[:CH_VALID])
    if state.cbb:
        owners = np.asarray(state.collapsed, dtype=np.int64)
        hit = owners > 0
        lut = np.zeros(MAX_SEATS + 1, dtype=np.int64)
        for p, k in seat_of.items():
            lut[p] = k * SEAT_PLANES + 5
        planes[lut[owners[hit]], flat[hit]] = 1.0
    planes[CH_VALID] = lay.valid
    if state.must_move_from >= 0:
        planes[CH_MUST_MOVE, flat[state.must_move_from]] = 1.0
    if state.chain_pos >= 0:
        planes[CH_CHAIN, flat[state.chain_pos]] = 1.0
    if state.pending_region:
        planes[CH_PENDING_REGION, flat[list(state.pending_region)]] = 1.0
    mb = 0
    for b in state.mbb:
        mb |= b
    planes[CH_EMPTY] = lay.unpack(geom.valid_bb & ~(state.sbb | state.cbb | mb))

    g = np.zeros(NUM_GLOBALS, dtype=np.float32)
    g[G_PHASE + _PHASE_INDEX[state.phase]] = 1.0
    rpp = float(state.rings_per_player)
    vt = float(max(state.victory_threshold, 1))
    tt = float(max(state.territory_threshold, 1))
    for k, p in enumerate(players):
        g[G_HAND + k] = state.rings_in_hand[p] / rpp
        g[G_ELIM + k] = state.eliminated[p] / vt
        g[G_TERR + k] = state.territory[p] / tt
        g[G_LOST + k] = state.lost[p] / rpp
        g[G_ACTIVE + k] = 1.0 if (state.rings_in_hand[p] > 0 or state.board_rings[p] > 0) else 0.0
    g[G_LINE_REWARD] = float(bool(state.pending_line_reward))
    g[G_SWAP] = float(bool(state.swap_offered))
    g[G_TURN_CHANGED] = float(bool(state.turn_changed))
    g[G_TURN_RECOVERY] = float(bool(state.turn_recovery))
    g[G_NUM_PLAYERS + n - 2] = 1.0
    return planes.reshape(NUM_PLANES, H, W), g


def encode_states(states, planes: np.ndarray | None = None,
                  globals_: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``encode_state`` of many states of one board at once: ``(planes [B, C, H, W], globals [B, G])``,
    equal to stacking ``encode_state`` of each, bit for bit (``tests/nn/test_planes.py``).

    The per-state Python work is only collecting cells and values; the arrays are written with a
    handful of whole-batch numpy operations (all bitboards of the batch unpacked in one call),
    which is what the network evaluator needs for a batch of search leaves. ``planes`` /
    ``globals_`` may be given to be filled (their first ``len(states)`` rows)."""
    b = len(states)
    if b == 0:
        raise ValueError("encode_states needs at least one state")
    geom = states[0].geom
    lay = _layout_of(geom)
    HW = lay.H * lay.W
    if planes is None:
        planes = np.zeros((b, NUM_PLANES, lay.H, lay.W), dtype=np.float32)
    else:
        planes[:b] = 0.0
    if globals_ is None:
        globals_ = np.zeros((b, NUM_GLOBALS), dtype=np.float32)
    flat3 = planes.reshape(planes.shape[0], NUM_PLANES, HW)
    flat = geom.memo.get("nn_flat_list")
    if flat is None:
        flat = geom.memo["nn_flat_list"] = lay.flat.tolist()
    pos_cell = geom.pos_cell
    valid_bb = geom.valid_bb
    nbytes = lay.nbytes
    # point writes: (row, channel, grid cell, value)
    pr: list[int] = []
    pc: list[int] = []
    pp: list[int] = []
    pv: list[float] = []
    # whole-plane bitboards: (row, channel, bitboard)
    br: list[int] = []
    bc: list[int] = []
    bbs: list[bytes] = []
    grows = []
    for r, s in enumerate(states):
        if s.geom is not geom:
            raise ValueError("encode_states: every state must be on the same board")
        n = s.num_players
        cur = s.current_player
        seat_of = {(cur - 1 + k) % n + 1: k for k in range(n)}
        stacks = s.stacks
        occ = s.occ
        sbb = s.sbb
        cells = bit_cells(sbb, pos_cell) if sbb else ()
        for c in cells:
            rings = stacks[c]
            base = seat_of[rings[-1]] * SEAT_PLANES
            p = flat[c]
            h = len(rings)
            pr += (r, r, r)
            pc += (base, base + 1, base + 2)
            pp += (p, p, p)
            pv += (1.0, min(h / HEIGHT_NORM, 1.0), min(occ[c] / HEIGHT_NORM, 1.0))
            if h > 1:
                below = rings[:-1]
                for q in set(below):
                    pr.append(r)
                    pc.append(seat_of[q] * SEAT_PLANES + 3)
                    pp.append(p)
                    pv.append(min(below.count(q) / HEIGHT_NORM, 1.0))
        mbb = s.mbb
        mb = 0
        for q, k in seat_of.items():
            m = mbb[q]
            if m:
                br.append(r)
                bc.append(k * SEAT_PLANES + 4)
                bbs.append(m.to_bytes(nbytes, "little"))
        for m in mbb:
            mb |= m
        cbb = s.cbb
        if cbb:
            owners = s.collapsed
            for c in bit_cells(cbb, pos_cell):
                o = owners[c]
                if o > 0:
                    pr.append(r)
                    pc.append(seat_of[o] * SEAT_PLANES + 5)
                    pp.append(flat[c])
                    pv.append(1.0)
        if s.must_move_from >= 0:
            pr.append(r); pc.append(CH_MUST_MOVE); pp.append(flat[s.must_move_from]); pv.append(1.0)  # noqa: E702
        if s.chain_pos >= 0:
            pr.append(r); pc.append(CH_CHAIN); pp.append(flat[s.chain_pos]); pv.append(1.0)  # noqa: E702
        if s.pending_region:
            for c in s.pending_region:
                pr.append(r); pc.append(CH_PENDING_REGION); pp.append(flat[c]); pv.append(1.0)  # noqa: E702
        br.append(r)
        bc.append(CH_EMPTY)
        bbs.append((valid_bb & ~(sbb | cbb | mb)).to_bytes(nbytes, "little"))
        g = [0.0] * NUM_GLOBALS
        g[G_PHASE + _PHASE_INDEX[s.phase]] = 1.0
        rpp = float(s.rings_per_player)
        vt = float(max(s.victory_threshold, 1))
        tt = float(max(s.territory_threshold, 1))
        hand, elim, terr, lost, onb = s.rings_in_hand, s.eliminated, s.territory, s.lost, s.board_rings
        for q, k in seat_of.items():
            g[G_HAND + k] = hand[q] / rpp
            g[G_ELIM + k] = elim[q] / vt
            g[G_TERR + k] = terr[q] / tt
            g[G_LOST + k] = lost[q] / rpp
            g[G_ACTIVE + k] = 1.0 if (hand[q] > 0 or onb[q] > 0) else 0.0
        g[G_LINE_REWARD] = float(bool(s.pending_line_reward))
        g[G_SWAP] = float(bool(s.swap_offered))
        g[G_TURN_CHANGED] = float(bool(s.turn_changed))
        g[G_TURN_RECOVERY] = float(bool(s.turn_recovery))
        g[G_NUM_PLAYERS + n - 2] = 1.0
        grows.append(g)
    if pr:
        flat3[pr, pc, pp] = pv
    raw = np.frombuffer(b"".join(bbs), dtype=np.uint8).reshape(len(bbs), nbytes)
    flat3[br, bc] = np.unpackbits(raw, axis=1, bitorder="little", count=HW)
    flat3[:b, CH_VALID] = lay.valid
    globals_[:b] = grows
    return planes[:b], globals_[:b]
