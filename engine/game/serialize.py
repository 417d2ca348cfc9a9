"""JSON in the contract-vector format: camelCase fields, ``"x,y"`` / ``"x,y,z"`` keys, rings top-first.

``state_to_json`` also writes an ``engine`` object holding what the wire format has no field for
(per-colour losses, the pending territory payment, turn and last-player-standing tracking), so
that ``state_from_json(state_to_json(s))`` reproduces ``s`` exactly. States without it (contract
vectors, other engines) get those values derived from their move history.
"""

from __future__ import annotations

from typing import Any

from .board import cap_height, collapse, set_marker, set_stack
from .errors import StateFormatError
from .geometry import BOARD_TYPES, RINGS_PER_PLAYER, geometry
from .initial import empty_state, ring_elimination_threshold, territory_threshold
from .moves import (
    CHOOSE_TERRITORY_OPTION,
    ELIM_RECOVERY,
    ELIM_TERRITORY,
    LEGACY_ALIASES,
    MOVE_TYPES,
    NO_BOARD_CHANGE_TYPES,
    PLACE_RING,
    RECOVERY_SLIDE,
    SWAP_SIDES,
    Move,
)
from .state import ACTIVE, CAPTURE, COMPLETED, MOVEMENT, PHASES, RING_PLACEMENT, TERRITORY_PROCESSING, GameState

# Move types whose ``to`` is meaningful; the others carry a sentinel position on the wire.
_TO_TYPES = frozenset({
    "place_ring", "move_stack", "overtaking_capture", "continue_capture_segment", "recovery_slide",
    "process_line", "choose_line_option", "choose_territory_option", "eliminate_rings_from_stack",
    "forced_elimination",
})
_SENTINEL = {"x": 0, "y": 0}


# -- positions -------------------------------------------------------------------------------------

def pos_to_json(c) -> dict:
    if len(c) == 3:
        return {"x": c[0], "y": c[1], "z": c[2]}
    return {"x": c[0], "y": c[1]}


def pos_from_json(obj, where: str = "position"):
    if obj is None:
        return None
    if isinstance(obj, str):
        return key_to_coord(obj, where)
    try:
        x, y = int(obj["x"]), int(obj["y"])
    except (KeyError, TypeError, ValueError):
        raise StateFormatError(f"{where}: expected a position {{x, y[, z]}}, got {obj!r}") from None
    z = obj.get("z")
    return (x, y) if z is None else (x, y, int(z))


def key_to_coord(key: str, where: str = "key"):
    try:
        return tuple(int(v) for v in key.split(","))
    except (AttributeError, ValueError):
        raise StateFormatError(f"{where}: expected a cell key like '3,4' or '1,-1,0', got {key!r}") from None


# -- moves -----------------------------------------------------------------------------------------

def move_to_json(move: Move) -> dict:
    """The wire form of a move (contract-vector / RingRift MoveRecord field names)."""
    t = move.type
    d: dict[str, Any] = {"type": t, "player": move.player}
    d["to"] = pos_to_json(move.to) if move.to is not None else dict(_SENTINEL)
    if move.from_ is not None:
        d["from"] = pos_to_json(move.from_)
    if move.target is not None:
        d["captureTarget"] = pos_to_json(move.target)
    if t == PLACE_RING:
        d["placementCount"] = move.count or 1
    if move.line:
        d["formedLines"] = [{
            "positions": [pos_to_json(c) for c in move.line], "player": move.player, "length": len(move.line),
            "direction": pos_to_json(tuple(b - a for a, b in zip(move.line[0], move.line[1]))),
        }]
    if t == RECOVERY_SLIDE:
        if move.recovery_mode is not None:
            d["recoveryMode"] = move.recovery_mode
        if move.recovery_option:
            d["recoveryOption"] = move.recovery_option
        if move.collapsed:
            d["collapsePositions"] = [pos_to_json(c) for c in move.collapsed]
        if move.extraction is not None:
            d["extractionStacks"] = [",".join(str(v) for v in move.extraction)]
    elif move.collapsed:
        d["collapsedMarkers"] = [pos_to_json(c) for c in move.collapsed]
    if move.region:
        d["disconnectedRegions"] = [{"spaces": [pos_to_json(c) for c in move.region],
                                     "controllingPlayer": move.region_owner, "isDisconnected": True}]
    if move.context is not None:
        d["eliminationContext"] = move.context
    return d


def move_from_json(obj: dict) -> Move:
    """Read a move in the wire format; legacy type names and optional fields are accepted."""
    if not isinstance(obj, dict) or "type" not in obj:
        raise StateFormatError(f"move: expected an object with a 'type', got {obj!r}")
    t = LEGACY_ALIASES.get(obj["type"], obj["type"])
    if t not in MOVE_TYPES:
        raise StateFormatError(f"move: unknown move type {obj['type']!r}")
    where = f"move {t}"
    lines = obj.get("formedLines") or []
    regions = obj.get("disconnectedRegions") or []
    collapsed = obj.get("collapsedMarkers") if t != RECOVERY_SLIDE else obj.get("collapsePositions")
    extraction = obj.get("extractionStacks") or []
    # The legacy "option" field is ignored, as the reference engines do (docs/RULES.md).
    option = obj.get("recoveryOption") if t == RECOVERY_SLIDE else 0
    return Move(
        type=t,
        player=int(obj.get("player") or 0),
        to=pos_from_json(obj.get("to"), f"{where}.to") if t in _TO_TYPES else None,
        from_=pos_from_json(obj.get("from"), f"{where}.from"),
        target=pos_from_json(obj.get("captureTarget"), f"{where}.captureTarget"),
        count=int(obj.get("placementCount") or 1) if t == PLACE_RING else 0,
        line=tuple(pos_from_json(c, f"{where}.formedLines") for c in lines[0].get("positions", ())) if lines else (),
        collapsed=tuple(pos_from_json(c, f"{where}.collapsed") for c in (collapsed or ())),
        region=tuple(pos_from_json(c, f"{where}.region") for c in regions[0].get("spaces", ())) if regions else (),
        region_owner=int(regions[0].get("controllingPlayer") or 0) if regions else 0,
        context=obj.get("eliminationContext"),
        recovery_mode=obj.get("recoveryMode") if t == RECOVERY_SLIDE else None,
        recovery_option=int(option or 0),
        extraction=key_to_coord(extraction[0], f"{where}.extractionStacks") if extraction else None,
    )


# -- states ----------------------------------------------------------------------------------------

def state_to_json(state: GameState) -> dict:
    """The serialized state (contract-vector format plus the ``engine`` block)."""
    s = state
    geom = s.geom
    keys, coords = geom.keys, geom.coords
    stacks = {}
    for c, rings in enumerate(s.stacks):
        if rings is not None:
            stacks[keys[c]] = {"position": pos_to_json(coords[c]), "rings": list(reversed(rings)),
                               "stackHeight": len(rings), "capHeight": cap_height(rings),
                               "controllingPlayer": rings[-1]}
    markers = {keys[c]: {"position": pos_to_json(coords[c]), "player": m, "type": "regular"}
               for c, m in enumerate(s.markers) if m}
    collapsed = {keys[c]: o for c, o in enumerate(s.collapsed) if o}
    n = s.num_players
    out = {
        "gameId": s.game_id,
        "board": {"type": geom.board_type, "size": geom.size, "stacks": stacks, "markers": markers,
                  "collapsedSpaces": collapsed,
                  "eliminatedRings": {str(p): s.eliminated[p] for p in range(1, n + 1)}},
        "players": [{"playerNumber": p, "ringsInHand": s.rings_in_hand[p], "eliminatedRings": s.eliminated[p],
                     "territorySpaces": s.territory[p],
                     "isActive": s.rings_in_hand[p] > 0 or s.board_rings[p] > 0} for p in range(1, n + 1)],
        "currentPlayer": s.current_player,
        "currentPhase": s.phase,
        "gameStatus": s.status,
        "winner": s.winner,
        "victoryReason": s.victory_reason,
        "turnNumber": s.move_count + 1,
        "moveHistory": [move_to_json(m) for m in s.moves],
        "victoryThreshold": s.victory_threshold,
        "territoryVictoryMinimum": s.territory_threshold,
        "territoryVictoryThreshold": s.territory_threshold,
        "totalRingsEliminated": s.total_eliminated,
        "pendingLineRewardElimination": s.pending_line_reward,
        "rulesOptions": {"swapRuleEnabled": s.swap_rule, "ringsPerPlayer": s.rings_per_player,
                         "lpsRoundsRequired": s.lps_rounds_required, "earlyLastPlayerStanding": s.early_lps},
        "engine": {
            "lostRings": s.lost[1:],
            "pendingRegion": None if s.pending_region is None else [keys[c] for c in sorted(s.pending_region)],
            "pendingContext": s.pending_context,
            "turnChanged": s.turn_changed,
            "turnRecovery": s.turn_recovery,
            "turnMoves": s.turn_moves,
            "swapOffered": s.swap_offered,
            "goneAt": s.gone_at[1:],
            "lps": {"first": s.lps_first, "mask": s.lps_mask[1:], "candidate": s.lps_candidate,
                    "count": s.lps_count},
            "stalemateScores": None if s.stalemate_scores is None else s.stalemate_scores[1:],
            "chainPos": None if s.chain_pos < 0 else keys[s.chain_pos],
        },
    }
    if s.chain_pos >= 0:
        out["chainCapturePosition"] = pos_to_json(coords[s.chain_pos])
    if s.must_move_from >= 0:
        out["mustMoveFromStackKey"] = keys[s.must_move_from]
    return out


def state_from_json(obj: dict) -> GameState:
    """Read a serialized state (contract vectors, other engines' snapshots, ``state_to_json`` output)."""
    try:
        board = obj["board"]
        btype = board["type"]
        players = obj["players"]
    except (KeyError, TypeError):
        raise StateFormatError("state: expected an object with 'board' {type, size, ...} and 'players'") from None
    if btype not in BOARD_TYPES:
        raise StateFormatError(f"state.board.type: unknown board {btype!r}; expected one of {', '.join(BOARD_TYPES)}")
    geom = geometry(btype, board.get("size"))
    n = len(players)
    if not 1 <= n <= 4:
        raise StateFormatError(f"state.players: expected 1-4 players, got {n}")
    opts = obj.get("rulesOptions") or {}
    rpp = int(opts.get("ringsPerPlayer") or RINGS_PER_PLAYER[btype])
    s = empty_state(geom, n, rpp)

    def cell_of(key: str, where: str) -> int:
        try:
            return geom.cell(key_to_coord(key, where))
        except KeyError:
            raise StateFormatError(f"{where}: cell {key!r} is not on a {btype} board of size {geom.size}") from None

    for key, st in (board.get("stacks") or {}).items():
        where = f"state.board.stacks[{key!r}]"
        rings = tuple(int(r) for r in reversed(st.get("rings") or []))
        if not rings:
            raise StateFormatError(f"{where}: a stack needs at least one ring")
        if any(not 1 <= r <= n for r in rings):
            raise StateFormatError(f"{where}: ring owners must be players 1..{n}, got {list(reversed(rings))}")
        set_stack(s, cell_of(key, where), rings)
        for r in rings:
            s.board_rings[r] += 1
    for key, mk in (board.get("markers") or {}).items():
        where = f"state.board.markers[{key!r}]"
        owner = int(mk["player"] if isinstance(mk, dict) else mk)
        c = cell_of(key, where)
        if s.stacks[c] is not None:
            raise StateFormatError(f"{where}: a cell cannot hold both a stack and a marker")
        set_marker(s, c, owner)
    for key, owner in (board.get("collapsedSpaces") or {}).items():
        where = f"state.board.collapsedSpaces[{key!r}]"
        c = cell_of(key, where)
        if s.stacks[c] is not None or s.markers[c]:
            raise StateFormatError(f"{where}: a collapsed cell cannot hold a stack or marker")
        collapse(s, c, int(owner))
    for i, pl in enumerate(players):
        p = int(pl.get("playerNumber", i + 1))
        s.rings_in_hand[p] = int(pl.get("ringsInHand", 0))
        s.eliminated[p] = int(pl.get("eliminatedRings", 0))
        s.territory[p] = int(pl.get("territorySpaces", 0))

    s.current_player = int(obj.get("currentPlayer", 1))
    phase = obj.get("currentPhase", RING_PLACEMENT)
    if phase not in PHASES:
        raise StateFormatError(f"state.currentPhase: unknown phase {phase!r}")
    s.phase = phase
    status = obj.get("gameStatus", ACTIVE)
    s.status = COMPLETED if status in ("completed", "finished") else ACTIVE
    s.winner = obj.get("winner")
    s.victory_reason = obj.get("victoryReason")
    s.game_id = str(obj.get("gameId") or "")
    if obj.get("victoryThreshold") is not None:
        s.victory_threshold = int(obj["victoryThreshold"])
    else:
        s.victory_threshold = ring_elimination_threshold(rpp, max(n, 2))
    terr = obj.get("territoryVictoryMinimum", obj.get("territoryVictoryThreshold"))
    s.territory_threshold = int(terr) if terr is not None else territory_threshold(geom.num_cells, n)
    s.swap_rule = bool(opts.get("swapRuleEnabled", False)) and n == 2
    s.lps_rounds_required = int(opts.get("lpsRoundsRequired") or s.lps_rounds_required)
    s.early_lps = bool(opts.get("earlyLastPlayerStanding", False))

    history = [move_from_json(m) for m in obj.get("moveHistory") or []]
    node = None
    for m in history:
        node = (m, node)
    s.history = node
    s.move_count = len(history)
    s.total_eliminated = int(obj.get("totalRingsEliminated") or sum(s.eliminated))
    s.pending_line_reward = bool(obj.get("pendingLineRewardElimination", False))
    if obj.get("mustMoveFromStackKey"):
        s.must_move_from = cell_of(obj["mustMoveFromStackKey"], "state.mustMoveFromStackKey")

    eng = obj.get("engine")
    if eng is not None:
        _read_engine_block(s, eng, cell_of)
    else:
        _derive_tracking(s, obj, history, cell_of)
    return s


def _read_engine_block(s, eng: dict, cell_of) -> None:
    s.lost = [0] + [int(v) for v in eng["lostRings"]]
    pr = eng.get("pendingRegion")
    s.pending_region = None if pr is None else frozenset(cell_of(k, "state.engine.pendingRegion") for k in pr)
    s.pending_context = eng.get("pendingContext")
    s.turn_changed = bool(eng.get("turnChanged"))
    s.turn_recovery = bool(eng.get("turnRecovery"))
    s.turn_moves = int(eng.get("turnMoves") or 0)
    s.swap_offered = bool(eng.get("swapOffered"))
    s.gone_at = [-1] + [int(v) for v in eng["goneAt"]]
    lps = eng.get("lps") or {}
    s.lps_first = int(lps.get("first") or 0)
    s.lps_mask = [None] + list(lps.get("mask") or [None] * s.num_players)
    s.lps_candidate = int(lps.get("candidate") or 0)
    s.lps_count = int(lps.get("count") or 0)
    sc = eng.get("stalemateScores")
    s.stalemate_scores = None if sc is None else [0] + [int(v) for v in sc]
    cp = eng.get("chainPos")
    s.chain_pos = -1 if cp is None else cell_of(cp, "state.engine.chainPos")


def _derive_tracking(s, obj: dict, history: list[Move], cell_of) -> None:
    """Values the wire format lacks, reconstructed from the board and the move history."""
    n = s.num_players
    for p in range(1, n + 1):
        # Rings of p's colour that are neither in hand nor on the board were eliminated.
        s.lost[p] = max(0, s.rings_per_player - s.rings_in_hand[p] - s.board_rings[p])
        if s.rings_in_hand[p] == 0 and s.board_rings[p] == 0:
            s.gone_at[p] = 0
    turn = []
    for m in reversed(history):
        if m.player != s.current_player:
            break
        turn.append(m)
    s.turn_moves = len(turn)
    if turn:
        s.turn_changed = any(m.type not in NO_BOARD_CHANGE_TYPES for m in turn)
    else:
        # A snapshot taken mid-turn without history: past movement the player has acted.
        s.turn_changed = s.phase not in (RING_PLACEMENT, MOVEMENT)
    s.turn_recovery = any(m.type == RECOVERY_SLIDE for m in turn)
    s.swap_offered = (s.swap_rule and not any(m.type == SWAP_SIDES for m in history)
                      and not any(m.player == 2 for m in history))
    if obj.get("chainCapturePosition"):
        s.chain_pos = s.geom.cell(pos_from_json(obj["chainCapturePosition"], "state.chainCapturePosition"))
    elif s.phase == CAPTURE:
        if s.must_move_from >= 0:
            s.chain_pos = s.must_move_from
        elif turn and turn[0].to is not None and turn[0].type == "move_stack":
            s.chain_pos = s.geom.cell(turn[0].to)
    if s.phase == TERRITORY_PROCESSING and turn and turn[0].type == CHOOSE_TERRITORY_OPTION and turn[0].region:
        s.pending_region = frozenset(s.geom.cell(c) for c in turn[0].region)
        s.pending_context = ELIM_RECOVERY if s.turn_recovery else ELIM_TERRITORY
