"""Moves <-> policy indices: a spatial policy head of shape ``(A, H, W)`` over the board grid.

A move's flat index is ``channel * H * W + row * W + col`` (grid embedding: ``engine.nn.planes``).
Every legal move of a position has its own index (two legal moves never share one; see
``tests/nn/test_actions.py``). ``D`` = number of directions (8 square, 6 hex, in
``Geometry.dirs`` order), ``M`` = longest ray (size - 1 on square boards, 2 r on hex boards),
``X`` = number of line axes (4 square, 3 hex, in ``Geometry.line_axes`` order).

==========================  ============  =====================================================
channels                    cell          move
==========================  ============  =====================================================
PLACE + (count - 1), 3      ``to``        place_ring with count 1..3
MOVE + d * M + (k - 1)      ``from``      move_stack in direction d, distance k
CAPTURE + d * M + (k - 1)   ``from``      overtaking_capture / continue_capture_segment, landing
                                          at distance k along d (the target is the first stack on
                                          that ray). The two types are never legal together
                                          (continue only in chain_capture, overtaking never
                                          there), so the phase tells which one it is
RECOVERY + d * R + j        ``from``      recovery_slide of the marker on ``from`` to its
                                          neighbour in direction d; j = rank of the move among
                                          the legal recovery slides with the same (from, to),
                                          ordered by (option, mode, collapsed cells, extraction
                                          cell). R = 12 slots
LINE_EXACT + a              ``line[0]``   process_line of an exact-length line on axis a
LINE_ALL + a                ``line[0]``   choose_line_option collapsing the whole overlength line
LINE_SEGMENT + a            segment[0]    choose_line_option collapsing the L-cell segment that
                                          starts (in axis order) at the cell; the line is the
                                          maximal run on axis a through it
TERRITORY + j               lowest cell   choose_territory_option; j = rank among the legal
                                          regions with the same lowest cell, ordered by (size,
                                          cells). T = 5 slots
ELIMINATE                   ``to``        eliminate_rings_from_stack (line / territory /
                                          recovery context: the phase tells which)
FORCED                      ``to``        forced_elimination
GLOBAL + i                  grid (0, 0)   skip_placement, no_placement_action, swap_sides,
                                          skip_capture, skip_recovery, no_movement_action,
                                          no_line_action, skip_territory_processing,
                                          no_territory_action (i in this order)
==========================  ============  =====================================================

Uniqueness: maximal lines on one axis are disjoint, so a line (or an L-segment) is identified by
its first cell and axis. A region containing a given cell is one component per wall colour (N
colours) or the collapsed-only component, so at most N + 1 <= 5 legal regions share a lowest
cell. Recovery slides sharing (from, to) differ by option / extraction / segment; more than R of
them in one position raises ``EncodingOverflowError`` (never seen; the property tests count
them).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from engine.game import legal_moves
from engine.game.geometry import DEFAULT_SIZE, geometry
from engine.game.movement import ray_direction
from engine.game.moves import (
    CHOOSE_LINE_OPTION,
    CHOOSE_TERRITORY_OPTION,
    CONTINUE_CAPTURE_SEGMENT,
    ELIMINATE_RINGS_FROM_STACK,
    FORCED_ELIMINATION,
    MOVE_STACK,
    NO_LINE_ACTION,
    NO_MOVEMENT_ACTION,
    NO_PLACEMENT_ACTION,
    NO_TERRITORY_ACTION,
    OVERTAKING_CAPTURE,
    PLACE_RING,
    PROCESS_LINE,
    RECOVERY_SLIDE,
    SKIP_CAPTURE,
    SKIP_PLACEMENT,
    SKIP_RECOVERY,
    SKIP_TERRITORY_PROCESSING,
    SWAP_SIDES,
    Move,
)
from engine.game.state import CHAIN_CAPTURE

from .planes import MAX_SEATS, _layout_of

RECOVERY_SLOTS = 12
TERRITORY_SLOTS = MAX_SEATS + 1
MAX_PLACE = 3
GLOBAL_TYPES = (SKIP_PLACEMENT, NO_PLACEMENT_ACTION, SWAP_SIDES, SKIP_CAPTURE, SKIP_RECOVERY, NO_MOVEMENT_ACTION,
                NO_LINE_ACTION, SKIP_TERRITORY_PROCESSING, NO_TERRITORY_ACTION)
_GLOBAL_INDEX = {t: i for i, t in enumerate(GLOBAL_TYPES)}
_MEMO_LIMIT = 1 << 20  # moves memoised per board before the memo starts over (bounds its memory)


class EncodingOverflowError(ValueError):
    """A position needs more slots of a channel group than the contract provides."""


class ActionLayout:
    """Channel offsets of one board (see the module docstring)."""

    def __init__(self, geom):
        lay = _layout_of(geom)
        self.geom = geom
        self.H, self.W = lay.H, lay.W
        self.HW = lay.H * lay.W
        self.flat = [int(v) for v in lay.flat]
        self.D = len(geom.dirs)
        self.M = lay.max_dist
        self.X = len(geom.line_axes)
        self.axis_of_dir = {d: a for a, d in enumerate(geom.line_axes)}
        # channel groups in contract order, each starting where the previous one ends
        groups = [("PLACE", MAX_PLACE), ("MOVE", self.D * self.M), ("CAPTURE", self.D * self.M),
                  ("RECOVERY", self.D * RECOVERY_SLOTS), ("LINE_EXACT", self.X), ("LINE_ALL", self.X),
                  ("LINE_SEGMENT", self.X), ("TERRITORY", TERRITORY_SLOTS), ("ELIMINATE", 1), ("FORCED", 1),
                  ("GLOBAL", len(GLOBAL_TYPES))]
        off = 0
        for name, width in groups:
            setattr(self, name, off)
            off += width
        self.A = off
        self.size = self.A * self.HW
        # move -> index of the moves whose index depends on the move alone (not recovery slides or
        # territory choices, whose slot ranks depend on the other legal moves); search encodes the
        # same moves over and over, and a dict lookup is several times cheaper than ``_index``
        self.memo: dict[Move, int] = {}

    def groups(self) -> dict[str, tuple[int, int]]:
        """``name -> (first channel, number of channels)``, in channel order."""
        return {
            "place": (self.PLACE, MAX_PLACE), "move": (self.MOVE, self.D * self.M),
            "capture": (self.CAPTURE, self.D * self.M), "recovery": (self.RECOVERY, self.D * RECOVERY_SLOTS),
            "line_exact": (self.LINE_EXACT, self.X), "line_all": (self.LINE_ALL, self.X),
            "line_segment": (self.LINE_SEGMENT, self.X), "territory": (self.TERRITORY, TERRITORY_SLOTS),
            "eliminate": (self.ELIMINATE, 1), "forced": (self.FORCED, 1), "global": (self.GLOBAL, len(GLOBAL_TYPES)),
        }

    def group_of(self, channel: int) -> str:
        for name, (start, count) in self.groups().items():
            if start <= channel < start + count:
                return name
        raise ValueError(f"channel {channel} out of range 0..{self.A - 1}")


def _actions_of(geom) -> ActionLayout:
    al = geom.memo.get("nn_actions")
    if al is None:
        al = geom.memo["nn_actions"] = ActionLayout(geom)
    return al


@cache
def action_layout(board: str) -> ActionLayout:
    return _actions_of(geometry(board))


def action_shape(board: str, num_players: int) -> tuple[int, int, int]:
    """``(A, H, W)`` of the policy head of a config; the flat policy has ``A * H * W`` entries."""
    if board not in DEFAULT_SIZE:
        raise ValueError(f"unknown board {board!r}")
    if not 2 <= num_players <= MAX_SEATS:
        raise ValueError(f"num_players must be 2..4, got {num_players}")
    al = action_layout(board)
    return al.A, al.H, al.W


def policy_size(board: str, num_players: int) -> int:
    A, H, W = action_shape(board, num_players)
    return A * H * W


# -- slot ranks ------------------------------------------------------------------------------------

def _recovery_key(m: Move):
    return (m.recovery_option, m.recovery_mode or "", m.collapsed, m.extraction or ())


def _territory_key(m: Move):
    return (len(m.region), m.region)


def _ranks(moves: list[Move]) -> dict[Move, int]:
    """Slot rank of every recovery slide / territory choice among ``moves`` (the legal moves)."""
    groups: dict = {}
    for m in moves:
        if m.type == RECOVERY_SLIDE:
            groups.setdefault((0, m.from_, m.to), []).append(m)
        elif m.type == CHOOSE_TERRITORY_OPTION:
            groups.setdefault((1, m.to), []).append(m)
    out = {}
    for key, ms in groups.items():
        if key[0] == 0:
            ms.sort(key=_recovery_key)
            limit = RECOVERY_SLOTS
        else:
            ms.sort(key=_territory_key)
            limit = TERRITORY_SLOTS
        if len(ms) > limit:
            raise EncodingOverflowError(f"{len(ms)} legal {ms[0].type} moves share one cell/direction; "
                                        f"the encoder has {limit} slots")
        for j, m in enumerate(ms):
            out[m] = j
    return out


# -- move -> index ---------------------------------------------------------------------------------

def _index(al: ActionLayout, move: Move, ranks: dict | None) -> int:
    t = move.type
    geom = al.geom
    idx = geom.index
    if t == PLACE_RING:
        if not 1 <= move.count <= MAX_PLACE:
            raise ValueError(f"placement count {move.count} out of range")
        return (al.PLACE + move.count - 1) * al.HW + al.flat[idx[move.to]]
    if t == MOVE_STACK or t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT:
        frm = idx[move.from_]
        d, k = ray_direction(geom, frm, idx[move.to])
        if d < 0:
            raise ValueError(f"{move}: not a straight ray")
        base = al.MOVE if t == MOVE_STACK else al.CAPTURE
        return (base + d * al.M + k - 1) * al.HW + al.flat[frm]
    if t in _GLOBAL_INDEX:
        return (al.GLOBAL + _GLOBAL_INDEX[t]) * al.HW
    if t == ELIMINATE_RINGS_FROM_STACK:
        return al.ELIMINATE * al.HW + al.flat[idx[move.to]]
    if t == FORCED_ELIMINATION:
        return al.FORCED * al.HW + al.flat[idx[move.to]]
    if t == PROCESS_LINE or t == CHOOSE_LINE_OPTION:
        line = move.line
        d, _ = ray_direction(geom, idx[line[0]], idx[line[1]])
        a = al.axis_of_dir.get(d)
        if a is None:
            raise ValueError(f"{move}: line not in axis order")
        if t == PROCESS_LINE:
            return (al.LINE_EXACT + a) * al.HW + al.flat[idx[line[0]]]
        if len(move.collapsed) == len(line):
            return (al.LINE_ALL + a) * al.HW + al.flat[idx[line[0]]]
        return (al.LINE_SEGMENT + a) * al.HW + al.flat[idx[move.collapsed[0]]]
    if t == RECOVERY_SLIDE or t == CHOOSE_TERRITORY_OPTION:
        if ranks is None or move not in ranks:
            raise ValueError(f"{move}: not a legal move of this position")
        j = ranks[move]
        if t == CHOOSE_TERRITORY_OPTION:
            return (al.TERRITORY + j) * al.HW + al.flat[idx[move.to]]
        frm = idx[move.from_]
        d, k = ray_direction(geom, frm, idx[move.to])
        if k != 1:
            raise ValueError(f"{move}: a recovery slide goes to a neighbour")
        return (al.RECOVERY + d * RECOVERY_SLOTS + j) * al.HW + al.flat[frm]
    raise ValueError(f"unknown move type {t!r}")


def move_to_index(state, move: Move) -> int:
    """The flat policy index of ``move`` in ``state`` (recovery / territory moves must be legal)."""
    al = _actions_of(state.geom)
    ranks = _ranks(legal_moves(state)) if move.type in (RECOVERY_SLIDE, CHOOSE_TERRITORY_OPTION) else None
    return _index(al, move, ranks)


def legal_indices(state) -> list[int]:
    """The policy index of every legal move, aligned with ``legal_moves(state)``."""
    return moves_to_indices(state, legal_moves(state))


def moves_to_indices(state, moves: list[Move]) -> list[int]:
    """The policy index of each of ``moves``, which must be the full legal-move list of ``state``
    (slot ranks of recovery and territory moves are taken among them); for callers that hold it."""
    al = _actions_of(state.geom)
    memo = al.memo
    try:
        return [memo[m] for m in moves]
    except KeyError:
        pass
    ranks = None
    out = []
    for m in moves:
        i = memo.get(m)
        if i is None:
            if m.type == RECOVERY_SLIDE or m.type == CHOOSE_TERRITORY_OPTION:
                if ranks is None:
                    ranks = _ranks(moves)
                i = _index(al, m, ranks)
            else:
                i = _index(al, m, None)
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[m] = i
        out.append(i)
    return out


def legal_mask(state) -> np.ndarray:
    """Boolean ``[A * H * W]``: True at the index of every legal move."""
    al = _actions_of(state.geom)
    mask = np.zeros(al.size, dtype=bool)
    ids = legal_indices(state)
    if ids:
        mask[np.fromiter(ids, dtype=np.int64, count=len(ids))] = True
    return mask


def index_to_move(state, index: int) -> Move:
    """The legal move of ``state`` with policy index ``index`` (ValueError if none)."""
    moves = legal_moves(state)
    for m, i in zip(moves, legal_indices(state)):
        if i == index:
            return m
    al = _actions_of(state.geom)
    ch, cell = divmod(int(index), al.HW)
    raise ValueError(f"index {index} (channel {ch}, grid cell {cell}) is not a legal move of this position")


def describe_index(board: str, index: int) -> str:
    """A short human-readable reading of a flat index (for logs)."""
    al = action_layout(board)
    ch, p = divmod(int(index), al.HW)
    group = al.group_of(ch)
    start, _ = al.groups()[group]
    return f"{group}[{ch - start}] at (row {p // al.W}, col {p % al.W})"


def capture_type_for(state) -> str:
    """Which capture type the CAPTURE channels mean in ``state`` (decided by the phase)."""
    return CONTINUE_CAPTURE_SEGMENT if state.phase == CHAIN_CAPTURE else OVERTAKING_CAPTURE
