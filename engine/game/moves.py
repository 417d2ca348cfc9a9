"""The move type: one frozen value per decision or bookkeeping step, board-independent.

Positions are coordinate tuples (``(x, y)`` on square boards, ``(x, y, z)`` on hex boards), so a
move can be serialized without its board. Two moves are equal when they denote the same
decision; descriptive hints that the rules do not read (``placedOnStack``) are not stored.
"""

from __future__ import annotations

from typing import NamedTuple

Coord = tuple[int, ...]

# Canonical wire names (RR-CANON move types).
PLACE_RING = "place_ring"
SKIP_PLACEMENT = "skip_placement"
NO_PLACEMENT_ACTION = "no_placement_action"
SWAP_SIDES = "swap_sides"
MOVE_STACK = "move_stack"
OVERTAKING_CAPTURE = "overtaking_capture"
CONTINUE_CAPTURE_SEGMENT = "continue_capture_segment"
SKIP_CAPTURE = "skip_capture"
RECOVERY_SLIDE = "recovery_slide"
SKIP_RECOVERY = "skip_recovery"
NO_MOVEMENT_ACTION = "no_movement_action"
PROCESS_LINE = "process_line"
CHOOSE_LINE_OPTION = "choose_line_option"
ELIMINATE_RINGS_FROM_STACK = "eliminate_rings_from_stack"
NO_LINE_ACTION = "no_line_action"
CHOOSE_TERRITORY_OPTION = "choose_territory_option"
SKIP_TERRITORY_PROCESSING = "skip_territory_processing"
NO_TERRITORY_ACTION = "no_territory_action"
FORCED_ELIMINATION = "forced_elimination"

MOVE_TYPES = (
    PLACE_RING, SKIP_PLACEMENT, NO_PLACEMENT_ACTION, SWAP_SIDES, MOVE_STACK, OVERTAKING_CAPTURE,
    CONTINUE_CAPTURE_SEGMENT, SKIP_CAPTURE, RECOVERY_SLIDE, SKIP_RECOVERY, NO_MOVEMENT_ACTION,
    PROCESS_LINE, CHOOSE_LINE_OPTION, ELIMINATE_RINGS_FROM_STACK, NO_LINE_ACTION,
    CHOOSE_TERRITORY_OPTION, SKIP_TERRITORY_PROCESSING, NO_TERRITORY_ACTION, FORCED_ELIMINATION,
)

# Moves the engine requires when a phase offers no decision (R075/R076): never a real choice.
BOOKKEEPING_TYPES = frozenset({NO_PLACEMENT_ACTION, NO_MOVEMENT_ACTION, NO_LINE_ACTION, NO_TERRITORY_ACTION})
# Moves that leave the board untouched: they do not count as acting this turn (forced-elimination gate).
NO_BOARD_CHANGE_TYPES = BOOKKEEPING_TYPES | {SKIP_PLACEMENT, SKIP_CAPTURE, SKIP_RECOVERY, SKIP_TERRITORY_PROCESSING}

# Legacy names accepted when reading recorded games.
LEGACY_ALIASES = {
    "move_ring": MOVE_STACK,
    "build_stack": MOVE_STACK,
    "choose_line_reward": CHOOSE_LINE_OPTION,
    "process_territory_region": CHOOSE_TERRITORY_OPTION,
    "territory_claim": CHOOSE_TERRITORY_OPTION,
    "line_formation": PROCESS_LINE,
    "chain_capture": CONTINUE_CAPTURE_SEGMENT,
}

ELIM_LINE = "line"
ELIM_TERRITORY = "territory"
ELIM_RECOVERY = "recovery"

RECOVERY_LINE = "line"
RECOVERY_FALLBACK = "fallback"
RECOVERY_STACK_STRIKE = "stack_strike"


class Move(NamedTuple):
    """One recorded move (an immutable record; cheap to create, compare and hash).

    Field use by type:
      place_ring: ``to``, ``count``.
      move_stack: ``from_``, ``to``.  overtaking_capture / continue_capture_segment: ``from_``,
      ``target``, ``to`` (landing).
      recovery_slide: ``from_``, ``to``, ``recovery_mode``, ``recovery_option`` (1/2 for line mode),
      ``collapsed`` (the cells collapsed), ``extraction`` (stack paying the buried-ring cost).
      process_line / choose_line_option: ``line`` (cells of the line, in line order) and, for
      choose_line_option, ``collapsed`` (all cells = option 1, an L-cell segment = option 2).
      choose_territory_option: ``region`` (sorted cells), ``to`` (representative cell),
      ``region_owner`` (the region's border colour / sole represented player).
      eliminate_rings_from_stack: ``to``, ``context`` (line / territory / recovery).
      forced_elimination: ``to``.  Other types carry only ``player``.
    """

    type: str
    player: int
    to: Coord | None = None
    from_: Coord | None = None
    target: Coord | None = None
    count: int = 0
    line: tuple[Coord, ...] = ()
    collapsed: tuple[Coord, ...] = ()
    region: tuple[Coord, ...] = ()
    region_owner: int = 0
    context: str | None = None
    recovery_mode: str | None = None
    recovery_option: int = 0
    extraction: Coord | None = None

    @property
    def is_bookkeeping(self) -> bool:
        """True for the forced no-op moves that a phase without options requires."""
        return self.type in BOOKKEEPING_TYPES

    def __str__(self) -> str:  # compact, for logs and error messages
        parts = [f"p{self.player} {self.type}"]
        if self.from_ is not None:
            parts.append(f"from {_fmt(self.from_)}")
        if self.target is not None:
            parts.append(f"over {_fmt(self.target)}")
        if self.to is not None:
            parts.append(f"to {_fmt(self.to)}")
        if self.count:
            parts.append(f"x{self.count}")
        if self.recovery_mode:
            parts.append(f"[{self.recovery_mode}{' opt' + str(self.recovery_option) if self.recovery_option else ''}]")
        if self.line:
            parts.append(f"line {'-'.join(_fmt(c) for c in self.line)}")
        if self.collapsed and self.type == CHOOSE_LINE_OPTION:
            parts.append(f"collapse {len(self.collapsed)}")
        if self.region:
            parts.append(f"region of {len(self.region)}")
        if self.context:
            parts.append(f"({self.context})")
        return " ".join(parts)


def _fmt(c: Coord) -> str:
    return ",".join(str(v) for v in c)
