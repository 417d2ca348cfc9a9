"""The turn state machine: the legal moves of each phase, applying a move, and turn hand-over.

Every phase visit is recorded as an explicit move (RR-CANON-R075/R076): when a phase offers no
decision the only legal move is its bookkeeping move, so a random walk over ``legal_moves`` plays
a complete canonical game. Transitions follow the current reference engines (docs/RULES.md D5).
"""

from __future__ import annotations

from .board import has_material, remove_top_rings
from .capture import apply_capture, can_capture, capture_moves
from .errors import IllegalMoveError
from .lines import apply_line, find_lines, line_moves
from .movement import apply_move_stack, stack_moves
from .moves import (
    CHOOSE_LINE_OPTION,
    CHOOSE_TERRITORY_OPTION,
    CONTINUE_CAPTURE_SEGMENT,
    ELIM_LINE,
    ELIMINATE_RINGS_FROM_STACK,
    FORCED_ELIMINATION,
    MOVE_STACK,
    NO_BOARD_CHANGE_TYPES,
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
from .placement import apply_placement, placement_moves
from .recovery import apply_recovery, recovery_eligible, recovery_moves
from .state import CAPTURE, CHAIN_CAPTURE, COMPLETED, LINE_PROCESSING, MOVEMENT, RING_PLACEMENT, TERRITORY_PROCESSING
from .state import FORCED_ELIMINATION as FE_PHASE
from .territory import apply_region, apply_self_elimination, processable_regions, region_moves, self_elimination_moves
from .victory import any_stack_action, check_victory, lps_turn_start

# -- legal moves ----------------------------------------------------------------------------------

def legal_moves(state) -> list[Move]:
    """Every move the player to act may make now, bookkeeping included, in a deterministic order."""
    if state._legal is None:
        state._legal = _generate(state)
    return list(state._legal)


def swap_available(s) -> bool:
    return (s.swap_offered and s.num_players == 2 and s.current_player == 2 and s.phase == RING_PLACEMENT
            and s.turn_moves == 0 and s.move_count > 0)


def _generate(s) -> list[Move]:
    if s.status == COMPLETED:
        return []
    p = s.current_player
    phase = s.phase
    if phase == RING_PLACEMENT:
        moves = placement_moves(s, p)
        if s.rings_in_hand[p] > 0 and (any_stack_action(s, p) or recovery_eligible(s, p)):
            moves.append(Move(SKIP_PLACEMENT, p))
        if swap_available(s):
            moves.append(Move(SWAP_SIDES, p))
        return moves or [Move(NO_PLACEMENT_ACTION, p)]
    if phase == MOVEMENT:
        moves = []
        for c in _movers(s, p):
            moves += stack_moves(s, p, c, OVERTAKING_CAPTURE)
        if recovery_eligible(s, p):
            moves += recovery_moves(s, p)
        return moves or [Move(NO_MOVEMENT_ACTION, p)]
    if phase == CAPTURE:
        moves = []
        for c in ([s.chain_pos] if s.chain_pos >= 0 else s.controlled_cells(p)):
            if s.stacks[c] is not None and s.stacks[c][-1] == p:
                moves += capture_moves(s, p, c, OVERTAKING_CAPTURE)
        moves.append(Move(SKIP_CAPTURE, p))
        return moves
    if phase == CHAIN_CAPTURE:
        c = s.chain_pos
        if c < 0 or s.stacks[c] is None or s.stacks[c][-1] != p:
            return []
        return capture_moves(s, p, c, CONTINUE_CAPTURE_SEGMENT)
    if phase == LINE_PROCESSING:
        if s.pending_line_reward:
            coords = s.geom.coords
            return [Move(ELIMINATE_RINGS_FROM_STACK, p, to=coords[c], context=ELIM_LINE) for c in s.controlled_cells(p)]
        return line_moves(s, p) or [Move(NO_LINE_ACTION, p)]
    if phase == TERRITORY_PROCESSING:
        if s.pending_region is not None:
            return self_elimination_moves(s, p)
        moves = region_moves(s, p)
        if moves:
            moves.append(Move(SKIP_TERRITORY_PROCESSING, p))
            return moves
        return [Move(NO_TERRITORY_ACTION, p)]
    if phase == FE_PHASE:
        coords = s.geom.coords
        return [Move(FORCED_ELIMINATION, p, to=coords[c]) for c in s.controlled_cells(p)]
    return []


def _movers(s, p: int) -> list[int]:
    if s.must_move_from >= 0:
        rings = s.stacks[s.must_move_from]
        return [s.must_move_from] if rings is not None and rings[-1] == p else []
    return s.controlled_cells(p)


# -- applying a move ------------------------------------------------------------------------------

def apply_in_place(s, m: Move) -> None:
    """Apply a legal move (as produced by ``legal_moves``) to ``s`` itself. No validation."""
    p = s.current_player
    t = m.type
    idx = s.geom.index
    s._legal = None
    s.history = (m, s.history)
    s.move_count += 1
    s.turn_moves += 1
    if t not in NO_BOARD_CHANGE_TYPES:
        s.turn_changed = True
    if s.swap_offered and p == 2:
        s.swap_offered = False
    turn_over = False
    if t == PLACE_RING:
        cell = idx[m.to]
        apply_placement(s, p, cell, m.count)
        s.must_move_from = cell
        s.phase = MOVEMENT
    elif t == SKIP_PLACEMENT or t == NO_PLACEMENT_ACTION:
        s.phase = MOVEMENT
    elif t == SWAP_SIDES:
        pass  # seats keep their pieces; only the seat -> identity mapping changes (docs/RULES.md D10)
    elif t == MOVE_STACK:
        to = idx[m.to]
        apply_move_stack(s, p, idx[m.from_], to)
        _after_landing(s, p, to, CAPTURE)
    elif t == OVERTAKING_CAPTURE or t == CONTINUE_CAPTURE_SEGMENT:
        to = idx[m.to]
        apply_capture(s, p, idx[m.from_], idx[m.target], to)
        _after_landing(s, p, to, CHAIN_CAPTURE)
    elif t == SKIP_CAPTURE or t == NO_MOVEMENT_ACTION or t == SKIP_RECOVERY:
        s.chain_pos = -1
        s.phase = LINE_PROCESSING
    elif t == RECOVERY_SLIDE:
        apply_recovery(s, p, m)
        s.phase = LINE_PROCESSING
    elif t == PROCESS_LINE or t == CHOOSE_LINE_OPTION:
        cells = [idx[c] for c in (m.collapsed or m.line)]
        apply_line(s, p, cells)
        if len(cells) == len(m.line) and s.kbb[p]:
            s.pending_line_reward = True
        elif not find_lines(s, p):
            _exit_lines(s, p)
    elif t == ELIMINATE_RINGS_FROM_STACK:
        cell = idx[m.to]
        if s.phase == LINE_PROCESSING:
            remove_top_rings(s, cell, 1, p)
            s.pending_line_reward = False
        else:
            apply_self_elimination(s, p, cell, m.context or s.pending_context)
            if not processable_regions(s, p):
                turn_over = _exit_territory(s, p)
    elif t == NO_LINE_ACTION:
        _exit_lines(s, p)
    elif t == CHOOSE_TERRITORY_OPTION:
        apply_region(s, p, frozenset(idx[c] for c in m.region))
    elif t == SKIP_TERRITORY_PROCESSING or t == NO_TERRITORY_ACTION:
        turn_over = _exit_territory(s, p)
    elif t == FORCED_ELIMINATION:
        cell = idx[m.to]
        remove_top_rings(s, cell, s.occ[cell], p)
        turn_over = True
    else:
        raise IllegalMoveError(f"unknown move type {t!r}")
    if check_victory(s):
        return
    if turn_over:
        end_turn(s)


def _after_landing(s, p: int, to: int, next_phase: str) -> None:
    if s.must_move_from >= 0:
        s.must_move_from = to
    rings = s.stacks[to]
    if rings is not None and rings[-1] == p and can_capture(s, to, len(rings), s.occ[to]):
        s.chain_pos = to
        s.phase = next_phase
    else:
        s.chain_pos = -1
        s.phase = LINE_PROCESSING


def _exit_lines(s, p: int) -> None:
    if processable_regions(s, p):
        s.phase = TERRITORY_PROCESSING
    elif not s.turn_changed and s.kbb[p]:
        s.phase = FE_PHASE
    else:
        s.phase = TERRITORY_PROCESSING


def _exit_territory(s, p: int) -> bool:
    """Leave territory processing; True when the turn is over."""
    if not s.turn_changed and s.kbb[p]:
        s.phase = FE_PHASE
        return False
    return True


def end_turn(s) -> None:
    """Hand the turn to the next seat that still owns a ring; start its turn in ring_placement."""
    s.reset_turn()
    n = s.num_players
    p = s.current_player
    for _ in range(n):
        p = p % n + 1
        if has_material(s, p):
            break
    s.current_player = p
    s.phase = RING_PLACEMENT
    lps_turn_start(s)
