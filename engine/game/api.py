"""The validated entry points: ``apply_move`` (pure) and ``resolve_move`` (find the legal move meant).

Legality has one source of truth, the move generator: a move is legal when it matches one of the
moves ``legal_moves`` produces. Incoming moves (from JSON, recorded games, other engines) may leave
out fields the rules can infer (elimination context, recovery extraction stack, line option 1,
a territory region named by one cell); matching treats those as wildcards.
"""

from __future__ import annotations

from .errors import IllegalMoveError
from .lines import find_lines
from .movement import stack_moves
from .moves import (
    CHOOSE_LINE_OPTION,
    CHOOSE_TERRITORY_OPTION,
    CONTINUE_CAPTURE_SEGMENT,
    ELIM_LINE,
    ELIM_RECOVERY,
    ELIM_TERRITORY,
    ELIMINATE_RINGS_FROM_STACK,
    FORCED_ELIMINATION,
    LEGACY_ALIASES,
    MOVE_STACK,
    OVERTAKING_CAPTURE,
    PLACE_RING,
    PROCESS_LINE,
    RECOVERY_LINE,
    RECOVERY_SLIDE,
    Move,
)
from .phases import _movers, apply_in_place, legal_moves
from .placement import placement_moves
from .state import CAPTURE, COMPLETED, LINE_PROCESSING, MOVEMENT, RING_PLACEMENT, GameState
from .territory import find_regions


def apply_move(state: GameState, move: Move) -> GameState:
    """The state after ``move``; ``state`` is not modified. Raises IllegalMoveError with the reason."""
    legal = resolve_move(state, move)
    new = state.clone()
    apply_in_place(new, legal)
    return new


def force_move(state: GameState, move: Move) -> GameState:
    """Apply ``move`` as given, even one the generator would not list: for replaying data from
    other engines (the contract vectors) whose moves are applied there without validation.

    A move that resolves to a legal one is applied as that move; otherwise its omitted fields are
    filled in the way the reference engines infer them and its effects are applied as stated.
    """
    try:
        legal = resolve_move(state, move)
    except IllegalMoveError:
        if state.status == COMPLETED or (move.player and move.player != state.current_player):
            raise
        legal = _complete(state, _canonical(state, move))
        _check_applicable(state, legal)
    new = state.clone()
    apply_in_place(new, legal)
    return new


def _complete(state: GameState, m: Move) -> Move:
    """Fill the fields a payload may omit, for ``force_move``."""
    t = m.type
    if t == ELIMINATE_RINGS_FROM_STACK and m.context is None:
        ctx = ELIM_LINE if state.phase == LINE_PROCESSING else state.pending_context or (
            ELIM_RECOVERY if state.turn_recovery else ELIM_TERRITORY)
        return m._replace(context=ctx)
    if t == CHOOSE_TERRITORY_OPTION and not m.region and m.to is not None:
        cell = state.geom.index[m.to]
        cells = next((sorted(r.cells) for r in find_regions(state) if cell in r.cells), [cell])
        return m._replace(region=tuple(state.geom.coords[c] for c in cells))
    if t in _LINE_TYPES and not m.line and m.to is not None:
        cell = state.geom.index[m.to]
        line = next((ln for ln in find_lines(state, state.current_player) if cell in ln), (cell,))
        m = m._replace(line=tuple(state.geom.coords[c] for c in line))
    if t == PLACE_RING and not m.count:
        return m._replace(count=1)
    return m


def _check_applicable(state: GameState, m: Move) -> None:
    """The structural preconditions without which a move's effects are undefined."""
    idx = state.geom.index
    p = state.current_player
    t = m.type

    def stack(c):
        return None if c is None else state.stacks[idx[c]]

    problem = None
    if t in (MOVE_STACK, OVERTAKING_CAPTURE, CONTINUE_CAPTURE_SEGMENT, RECOVERY_SLIDE) and m.from_ is None:
        problem = "it has no origin"
    elif t in (MOVE_STACK, OVERTAKING_CAPTURE, CONTINUE_CAPTURE_SEGMENT):
        origin = stack(m.from_)
        if origin is None or origin[-1] != p:
            problem = f"no stack of player {p} at its origin"
        elif t != MOVE_STACK and stack(m.target) is None:
            problem = "no stack at its capture target"
        elif m.to is None or stack(m.to) is not None or state.collapsed[idx[m.to]]:
            problem = "its landing cell is occupied or collapsed"
    elif t == PLACE_RING:
        cell = idx[m.to]
        if state.collapsed[cell] or state.markers[cell] or not 1 <= m.count <= state.rings_in_hand[p]:
            problem = "the cell cannot take that many rings"
    elif t in (ELIMINATE_RINGS_FROM_STACK, FORCED_ELIMINATION) and stack(m.to) is None:
        problem = "there is no stack at its target"
    if problem:
        raise IllegalMoveError(f"{m}: cannot be applied even leniently: {problem}")


def resolve_move(state: GameState, move: Move) -> Move:
    """The legal move of ``state`` that ``move`` denotes, or IllegalMoveError saying why none does."""
    cached = state._legal
    if cached is not None and move in cached:  # equal to a generated move: legal as it stands
        return move
    if state.status == COMPLETED:
        raise IllegalMoveError(f"the game is over (winner: player {state.winner}); no move is legal")
    if move.player and move.player != state.current_player:
        raise IllegalMoveError(f"{move}: it is player {state.current_player}'s turn, not player {move.player}'s")
    move = _canonical(state, move)
    for cand in _candidates(state, move):
        if _matches(cand, move):
            return cand
    raise IllegalMoveError(_explain(state, move))


def _canonical(state: GameState, move: Move) -> Move:
    """Normalise type aliases, the player and every coordinate to the board's canonical form."""
    geom = state.geom

    def canon(c):
        if c is None:
            return None
        try:
            return geom.coords[geom.cell(tuple(c))]
        except KeyError:
            raise IllegalMoveError(f"{move}: position {tuple(c)} is not on this {geom.board_type} board") from None

    fields = {
        "type": LEGACY_ALIASES.get(move.type, move.type),
        "player": move.player or state.current_player,
        "to": canon(move.to), "from_": canon(move.from_), "target": canon(move.target),
        "line": tuple(canon(c) for c in move.line), "collapsed": tuple(canon(c) for c in move.collapsed),
        "region": tuple(canon(c) for c in move.region), "extraction": canon(move.extraction),
    }
    if fields["type"] == RECOVERY_SLIDE and move.recovery_mode is None and move.recovery_option:
        fields["recovery_mode"] = RECOVERY_LINE
    return move._replace(**fields)


def _candidates(state: GameState, move: Move) -> list[Move]:
    """Legal moves that could match ``move``; restricted to one cell where generation is per cell."""
    t, p = move.type, state.current_player
    idx = state.geom.index
    if t == PLACE_RING and state.phase == RING_PLACEMENT and state._legal is None and move.to is not None:
        return placement_moves(state, p, [idx[move.to]])
    if (t == MOVE_STACK or t == OVERTAKING_CAPTURE) and state.phase == MOVEMENT and state._legal is None \
            and move.from_ is not None:
        cell = idx[move.from_]
        if cell not in _movers(state, p):
            return []
        return stack_moves(state, p, cell, OVERTAKING_CAPTURE)
    return legal_moves(state)


# process_line and choose_line_option name the same decisions (overlength process_line = option 1).
_LINE_TYPES = (PROCESS_LINE, CHOOSE_LINE_OPTION)


def _same_set(a, b) -> bool:
    return set(a) == set(b)


def _matches(c: Move, m: Move) -> bool:
    t = m.type
    if c.type != t and not (t in _LINE_TYPES and c.type in _LINE_TYPES):
        return False
    if c.player != m.player:
        return False
    if t == CHOOSE_TERRITORY_OPTION:
        if m.region:
            return _same_set(c.region, m.region)
        return m.to is not None and m.to in c.region
    if t in _LINE_TYPES:
        # A line is named by its cells or by one of them; no collapsed cells means option 1 (all).
        if m.line:
            if not _same_set(c.line, m.line):
                return False
        elif m.to is None or m.to not in c.line:
            return False
        return _same_set(c.collapsed or c.line, m.collapsed or c.line)
    if t == PLACE_RING:
        return c.to == m.to and c.count == (m.count or 1)
    if c.to != m.to or c.from_ != m.from_ or c.target != m.target:
        return False
    if m.context is not None and c.context is not None and c.context != m.context:
        return False
    if t == RECOVERY_SLIDE:
        if m.recovery_mode is not None and c.recovery_mode != m.recovery_mode:
            return False
        if m.recovery_option and c.recovery_option != m.recovery_option:
            return False
        if m.collapsed and not _same_set(c.collapsed, m.collapsed):
            return False
        if m.extraction is not None and c.extraction != m.extraction:
            return False
    return True


def _explain(state: GameState, move: Move) -> str:
    legal = legal_moves(state)
    types = sorted({m.type for m in legal})
    head = f"illegal move {move} in phase {state.phase} (player {state.current_player} to act)"
    if move.type not in types:
        return f"{head}: {move.type} is not legal now; legal move types: {', '.join(types) or 'none'}"
    geom = state.geom
    if move.type == PLACE_RING and move.to is not None:
        c = geom.index[move.to]
        if state.collapsed[c]:
            return f"{head}: the cell is collapsed territory"
        if state.markers[c]:
            return f"{head}: the cell holds a marker"
        if state.stacks[c] is not None and (move.count or 1) != 1:
            return f"{head}: only one ring may be placed on an existing stack"
        if (move.count or 1) > min(3, state.rings_in_hand[state.current_player]):
            return f"{head}: at most min(3, rings in hand) rings may be placed on an empty cell"
        return f"{head}: the resulting stack would have no legal move or capture (no-dead-placement)"
    if move.type in (MOVE_STACK, OVERTAKING_CAPTURE, CONTINUE_CAPTURE_SEGMENT) and move.from_ is not None:
        c = geom.index[move.from_]
        rings = state.stacks[c]
        if rings is None or rings[-1] != state.current_player:
            return f"{head}: no stack of player {state.current_player} at the origin"
        if state.phase in (MOVEMENT, CAPTURE) and c not in _movers(state, state.current_player) \
                and state.phase == MOVEMENT:
            return f"{head}: only the stack placed this turn may move"
        return (f"{head}: not a legal {'capture' if move.target else 'move'} for a stack of height {len(rings)} "
                f"(distance must be at least the height; the path must hold no stack or collapsed cell)")
    return f"{head}: no legal {move.type} matches its fields"
