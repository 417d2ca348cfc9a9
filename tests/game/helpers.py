"""Shared position builder and small utilities for the per-rule unit tests.

Positions are written the way the conformance vectors write them: cell keys ``"x,y"`` (square) or
``"x,y,z"`` (hex), stacks listed TOP-first (``[1, 1, 2]`` = two P1 rings over a P2 ring). The
builder produces a vector-format JSON state and loads it with ``state_from_json``, so every test
position goes through the same public entry point as the conformance data.

Board contents of a state are read through the documented internal layout of ``GameState``
(``engine/game/state.py``: per-cell arrays, stacks bottom-first); only the accessors at the end of
this file know that layout.
"""

from __future__ import annotations

from engine.game import apply_move, legal_moves, state_from_json

SIZES = {"square8": 8, "square19": 19, "hex8": 9, "hexagonal": 25}
RINGS = {"square8": 18, "square19": 72, "hex8": 18, "hexagonal": 96}
CELLS = {"square8": 64, "square19": 361, "hex8": 61, "hexagonal": 469}


def victory_threshold(board: str, players: int) -> int:
    """round(ringsPerPlayer * (N + 1) / 3): the canonical ring-elimination threshold (R061)."""
    return {2: 1, 3: 4, 4: 5}[players] * RINGS[board] // {2: 1, 3: 3, 4: 3}[players]


def territory_threshold(board: str, players: int) -> int:
    """floor(cells / N) + 1 (R062 v2)."""
    return CELLS[board] // players + 1


def c(key) -> tuple[int, ...]:
    """A coordinate tuple from ``"x,y"`` / ``"x,y,z"`` or a tuple (returned as a tuple)."""
    if isinstance(key, str):
        return tuple(int(v) for v in key.split(","))
    return tuple(key)


def _hex(board: str) -> bool:
    return board in ("hex8", "hexagonal")


def _norm_key(board: str, key) -> str:
    t = c(key)
    if _hex(board) and len(t) == 2:
        t = (t[0], t[1], -t[0] - t[1])
    return ",".join(str(v) for v in t)


def _pos(board: str, key: str) -> dict:
    t = c(key)
    d = {"x": t[0], "y": t[1]}
    if _hex(board):
        d["z"] = t[2]
    return d


def _cap(rings: list[int]) -> int:
    n = 1
    while n < len(rings) and rings[n] == rings[0]:
        n += 1
    return n


def _per_player(value, players: int, default: int) -> list[int]:
    if value is None:
        return [default] * players
    if isinstance(value, int):
        return [value] * players
    value = list(value)
    assert len(value) == players, f"expected {players} values, got {value}"
    return value


def position_json(board: str = "square8", players: int = 2, stacks=None, markers=None, collapsed=None,
                  hands=None, eliminated=None, territory=None, phase: str = "movement", current: int = 1,
                  **extra) -> dict:
    """The vector-format JSON dict of a hand-built position (see ``position``)."""
    stacks = {_norm_key(board, k): list(v) for k, v in (stacks or {}).items()}
    markers = {_norm_key(board, k): v for k, v in (markers or {}).items()}
    collapsed = {_norm_key(board, k): v for k, v in (collapsed or {}).items()}
    cells = set(stacks) | set(markers) | set(collapsed)
    assert len(cells) == len(stacks) + len(markers) + len(collapsed), "a cell holds two kinds of content"
    for rings in stacks.values():
        assert rings and all(1 <= r <= players for r in rings), rings

    on_board = [sum(r.count(p) for r in stacks.values()) for p in range(1, players + 1)]
    if hands is None:
        hands = [max(0, RINGS[board] - on_board[p]) for p in range(players)]
    hands = _per_player(hands, players, 0)
    eliminated = _per_player(eliminated, players, 0)
    if territory is None:
        territory = [sum(1 for o in collapsed.values() if o == p) for p in range(1, players + 1)]
    territory = _per_player(territory, players, 0)

    state = {
        "gameId": "unit-test",
        "board": {
            "type": board,
            "size": SIZES[board],
            "stacks": {
                k: {"position": _pos(board, k), "rings": r, "stackHeight": len(r), "capHeight": _cap(r),
                    "controllingPlayer": r[0]}
                for k, r in sorted(stacks.items())
            },
            "markers": {k: {"position": _pos(board, k), "player": p, "type": "regular"}
                        for k, p in sorted(markers.items())},
            "collapsedSpaces": dict(sorted(collapsed.items())),
            "eliminatedRings": {},
        },
        "players": [
            {"playerNumber": p + 1, "ringsInHand": hands[p], "eliminatedRings": eliminated[p],
             "territorySpaces": territory[p], "isActive": True}
            for p in range(players)
        ],
        "currentPlayer": current,
        "currentPhase": phase,
        "turnNumber": 1,
        "moveHistory": [],
        "gameStatus": "active",
        "winner": None,
        "victoryThreshold": victory_threshold(board, players),
        "territoryVictoryThreshold": territory_threshold(board, players),
        "totalRingsEliminated": sum(eliminated),
    }
    state.update(extra)
    return state


def position(board: str = "square8", players: int = 2, stacks=None, markers=None, collapsed=None,
             hands=None, eliminated=None, territory=None, phase: str = "movement", current: int = 1,
             **extra):
    """A hand-built GameState.

    stacks: ``{"3,3": [1, 1, 2]}`` rings TOP-first; markers: ``{"2,2": 1}``; collapsed: ``{"0,0": 2}``.
    hands: list per seat or one int for all; default: ringsPerPlayer minus the seat's rings on the
    board (so nobody is accidentally out of material). eliminated: credited eliminations per seat.
    territory: territorySpaces per seat (default: the seat's collapsed cells). Thresholds default to
    the canonical values of the board and player count; any other top-level JSON field (e.g.
    ``victoryThreshold``, ``mustMoveFromStackKey``, ``rulesOptions``) may be passed as a keyword.
    """
    return state_from_json(position_json(board, players, stacks, markers, collapsed, hands, eliminated,
                                          territory, phase, current, **extra))


# -- moves ------------------------------------------------------------------------------------------

_COORD_FIELDS = ("to", "from_", "target", "extraction")
_SET_FIELDS = ("line", "collapsed", "region")


def _field_matches(move, name: str, want) -> bool:
    have = getattr(move, name)
    if name in _COORD_FIELDS:
        return (have is None and want is None) or (have is not None and want is not None
                                                   and tuple(have) == c(want))
    if name in _SET_FIELDS:
        return {tuple(x) for x in have} == {c(x) for x in want}
    return have == want


def find_all(moves, type: str, **fields) -> list:
    """The moves of ``type`` whose fields equal ``fields`` (coordinates as tuples or "x,y" keys;
    ``line`` / ``collapsed`` / ``region`` compared as sets)."""
    return [m for m in moves if m.type == type and all(_field_matches(m, k, v) for k, v in fields.items())]


def find(moves, type: str, **fields):
    """The single move of ``type`` matching ``fields``; fails the test if there is not exactly one."""
    hits = find_all(moves, type, **fields)
    assert len(hits) == 1, (f"expected exactly one {type} {fields}, found {len(hits)}: "
                            f"{[str(m) for m in hits] or [str(m) for m in moves][:40]}")
    return hits[0]


def types(moves) -> list[str]:
    return [m.type for m in moves]


def play(state, *moves):
    """Apply moves in order; a move may be a Move, or a move type naming the unique legal move of
    that type (handy for bookkeeping moves). Returns the final state."""
    for m in moves:
        if isinstance(m, str):
            m = find(legal_moves(state), m)
        state = apply_move(state, m)
    return state


def history_types(state) -> list[str]:
    return [m.type for m in state.moves]


# -- reading a state (the only code that knows GameState's internal layout) --------------------------

def _cell(state, key) -> int:
    return state.geom.cell(c(key))


def stack(state, key):
    """Rings of the stack on ``key`` TOP-first, or None."""
    rings = state.stacks[_cell(state, key)]
    return None if rings is None else list(reversed(rings))


def marker(state, key) -> int:
    """Owner of the marker on ``key`` (0 = none)."""
    return state.markers[_cell(state, key)]


def collapsed_owner(state, key) -> int:
    """Owner of the collapsed cell ``key`` (0 = not collapsed)."""
    return state.collapsed[_cell(state, key)]


def all_stacks(state) -> dict:
    geom = state.geom
    return {geom.coords[i]: list(reversed(r)) for i, r in enumerate(state.stacks) if r is not None}


def all_markers(state) -> dict:
    geom = state.geom
    return {geom.coords[i]: o for i, o in enumerate(state.markers) if o}


def all_collapsed(state) -> dict:
    geom = state.geom
    return {geom.coords[i]: o for i, o in enumerate(state.collapsed) if o}


def hand(state, p: int) -> int:
    return state.rings_in_hand[p]


def eliminated(state, p: int) -> int:
    """Rings credited to seat ``p`` as the eliminating player."""
    return state.eliminated[p]


def territory(state, p: int) -> int:
    """The territorySpaces counter of seat ``p``."""
    return state.territory[p]


def total_eliminated(state) -> int:
    return state.total_eliminated
