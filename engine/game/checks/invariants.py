"""State invariants (docs: RULES_BRIEF.md §2 and §14), checked after every move by the soak and
the property tests.

``check_invariants(state, previous=None)`` returns a list of human-readable violation messages
(empty = all good). Every message starts with the name of the invariant it reports, followed by a
colon, and names the cell key and/or the player concerned, e.g.::

    conservation: player 2: 3 in hand + 14 on the board + 2 lost = 19, expected 18 rings per player
    exclusive: cell 3,4: holds both a stack and a marker

Invariants (the message prefixes):

  ``conservation``  per colour p: rings_in_hand[p] + rings of colour p on the board + lost[p]
                    == rings_per_player (R020; by colour, whoever eliminated them).
  ``stack``         every stack is a non-empty tuple of ring owners in 1..N (so cap >= 1).
  ``owner``         marker / collapsed owners are in 0..N.
  ``exclusive``     a cell holds at most one of: stack, marker, collapsed.
  ``counter``       per-player counters and the global counter are non-negative.
  ``eliminated``    total_eliminated == sum(lost) == sum(eliminated) (every eliminated ring has one
                    colour and one eliminating player).
  ``territory``     territory[p] (territorySpaces) == collapsed cells owned by p.
  ``cache``         the incremental caches (occupancy list occ, board_rings, coll_count, bitboards sbb / cbb /
                    kbb / mbb, s_invariant()) agree with the per-cell lists.
  ``status``        status / phase / winner / pending-decision fields are mutually consistent.
  ``s_invariant``   S = markers + collapsed + eliminated never decreases (R191) versus ``previous``.
  ``monotone``      versus ``previous``: collapsed cells stay collapsed with the same owner; per-player
                    lost / eliminated and territory never decrease.
  ``zobrist``       the incremental ``state.zobrist`` equals ``compute_zobrist(state)``.
  ``json``          (``check_json=True``) state_to_json(state_from_json(state_to_json(s))) ==
                    state_to_json(s) through real JSON text, and the reloaded state hashes the same.

Designed to be cheap (list comprehensions and C-level builtins over the per-cell lists): the soak
calls it after every move. The JSON round trip costs O(move history) and is opt-in.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import chain

from ..state import (
    ACTIVE,
    CAPTURE,
    CHAIN_CAPTURE,
    COMPLETED,
    GAME_OVER,
    LAST_PLAYER_STANDING,
    LINE_PROCESSING,
    PHASES,
    RING_ELIMINATION,
    RING_PLACEMENT,
    STALEMATE,
    TERRITORY_CONTROL,
    TERRITORY_PROCESSING,
)

VICTORY_REASONS = frozenset({RING_ELIMINATION, TERRITORY_CONTROL, LAST_PLAYER_STANDING, STALEMATE})

# Message prefixes, one per invariant (see the module docstring).
INVARIANTS = ("conservation", "stack", "owner", "exclusive", "counter", "eliminated", "territory", "cache",
              "status", "s_invariant", "monotone", "zobrist", "json")

_MAX_PER_KIND = 8  # cap the messages of one kind so a badly broken state stays readable


def s_value(state) -> int:
    """S = markers + collapsed cells + total eliminated, computed from the per-cell lists."""
    ncell = len(state.markers)
    return (ncell - state.markers.count(0)) + (ncell - state.collapsed.count(0)) + state.total_eliminated


def _cap_height(rings) -> int:
    top = rings[-1]
    i = len(rings) - 1
    while i > 0 and rings[i - 1] == top:
        i -= 1
    return len(rings) - i


def check_invariants(state, previous=None, *, check_zobrist: bool = True, check_json: bool = False,
                     check_caches: bool = True) -> list[str]:
    """Violations of the state invariants (empty list = all hold). ``previous`` is an earlier state
    of the same game (normally the one just before the last move) for the monotonicity checks."""
    errs: list[str] = []
    add = errs.append
    n = state.num_players
    geom = state.geom
    keys = geom.keys
    ncell = geom.num_cells
    stacks, markers, collapsed = state.stacks, state.markers, state.collapsed
    if len(stacks) != ncell or len(markers) != ncell or len(collapsed) != ncell:
        return [f"cache: per-cell lists have lengths {len(stacks)}/{len(markers)}/{len(collapsed)}, "
                f"expected {ncell} cells"]
    players = range(1, n + 1)
    valid_owner = set(range(0, n + 1))

    # -- stacks ---------------------------------------------------------------------------------
    stack_cells = [c for c, r in enumerate(stacks) if r is not None]
    bad_stacks = [c for c in stack_cells if not isinstance(stacks[c], tuple) or not stacks[c]]
    for c in bad_stacks[:_MAX_PER_KIND]:
        add(f"stack: cell {keys[c]}: empty or malformed stack {stacks[c]!r} (needs >= 1 ring, cap >= 1)")
    if bad_stacks:
        bad = set(bad_stacks)
        stack_cells = [c for c in stack_cells if c not in bad]
    ring_count = Counter(chain.from_iterable(stacks[c] for c in stack_cells))
    if not ring_count.keys() <= valid_owner - {0}:
        shown = 0
        for c in stack_cells:
            rings = stacks[c]
            if any(not (isinstance(r, int) and 1 <= r <= n) for r in rings):
                add(f"stack: cell {keys[c]}: ring owners {list(rings)} (bottom-first) not all in 1..{n}")
                shown += 1
                if shown >= _MAX_PER_KIND:
                    break

    # -- markers and collapsed cells ------------------------------------------------------------------
    for name, arr in (("marker", markers), ("collapsed", collapsed)):
        if not set(arr) <= valid_owner:
            bad = [c for c, o in enumerate(arr) if o not in valid_owner]
            for c in bad[:_MAX_PER_KIND]:
                add(f"owner: cell {keys[c]}: {name} owner {arr[c]!r} not in 0..{n}")

    # -- one kind of content per cell ---------------------------------------------------------------
    for c in stack_cells:
        if markers[c]:
            add(f"exclusive: cell {keys[c]}: holds both a stack and a marker (player {markers[c]})")
        if collapsed[c]:
            add(f"exclusive: cell {keys[c]}: holds both a stack and a collapsed space (player {collapsed[c]})")
    if any(map(min, markers, collapsed)):
        for c in range(ncell):
            if markers[c] and collapsed[c]:
                add(f"exclusive: cell {keys[c]}: holds both a marker (player {markers[c]}) and a collapsed "
                    f"space (player {collapsed[c]})")

    # -- counters ------------------------------------------------------------------------------------------
    lists = {"rings_in_hand": state.rings_in_hand, "eliminated": state.eliminated, "territory": state.territory,
             "lost": state.lost}
    for name, arr in lists.items():
        if len(arr) != n + 1:
            add(f"counter: {name} has {len(arr)} entries, expected {n + 1} (entry 0 unused)")
            return errs
        for p in players:
            if arr[p] < 0:
                add(f"counter: player {p}: {name} = {arr[p]} is negative")
    if state.total_eliminated < 0:
        add(f"counter: total_eliminated = {state.total_eliminated} is negative")
    if state.rings_per_player <= 0:
        add(f"counter: rings_per_player = {state.rings_per_player} is not positive")

    # -- ring conservation per colour -----------------------------------------------------------------------------
    rpp = state.rings_per_player
    for p in players:
        hand, board, lost = state.rings_in_hand[p], ring_count.get(p, 0), state.lost[p]
        if hand + board + lost != rpp:
            add(f"conservation: player {p}: {hand} in hand + {board} on the board + {lost} lost = "
                f"{hand + board + lost}, expected {rpp} rings per player")

    # -- elimination totals ---------------------------------------------------------------------------------------
    sum_lost = sum(state.lost[1:])
    sum_elim = sum(state.eliminated[1:])
    if state.total_eliminated != sum_lost:
        add(f"eliminated: total_eliminated = {state.total_eliminated} but the per-colour losses sum to {sum_lost} "
            f"({', '.join(f'player {p}: {state.lost[p]}' for p in players)})")
    if sum_elim != sum_lost:
        add(f"eliminated: rings credited to eliminators sum to {sum_elim} "
            f"({', '.join(f'player {p}: {state.eliminated[p]}' for p in players)}) but {sum_lost} rings were lost")

    # -- territory counter ------------------------------------------------------------------------------------------
    coll_count = Counter(collapsed)
    for p in players:
        if state.territory[p] != coll_count.get(p, 0):
            add(f"territory: player {p}: territory counter {state.territory[p]} != {coll_count.get(p, 0)} "
                f"collapsed cells owned")

    # -- caches ------------------------------------------------------------------------------------------------------
    if check_caches:
        _check_caches(state, stack_cells, ring_count, coll_count, add)

    # -- status / phase consistency ---------------------------------------------------------------------------------
    _check_status(state, add)

    # -- against the previous state -----------------------------------------------------------------------------
    if previous is not None:
        _check_previous(state, previous, add)

    # -- zobrist ---------------------------------------------------------------------------------------------------
    if check_zobrist:
        from ..zobrist import compute_zobrist
        try:
            full = compute_zobrist(state)
            inc = state.zobrist
        except Exception as e:  # noqa: BLE001 - a corrupt state may break the hash itself
            add(f"zobrist: computing the hash raised {type(e).__name__}: {e}")
        else:
            if full != inc:
                add(f"zobrist: incremental hash {inc:#018x} != full recomputation {full:#018x}")

    if check_json:
        _check_json(state, add)
    return errs


def _check_caches(state, stack_cells, ring_count, coll_count, add) -> None:
    n = state.num_players
    keys = state.geom.keys
    bit = state.geom.bit
    stacks, occ = state.stacks, state.occ
    if len(occ) != len(stacks):
        add(f"cache: occ has {len(occ)} entries, expected {len(stacks)}")
        return
    kbb = [0] * (n + 1)
    shown = 0
    for c in stack_cells:
        rings = stacks[c]
        top = rings[-1]
        if 1 <= top <= n:
            kbb[top] |= bit[c]
    for c, rings in enumerate(stacks):
        want = _cap_height(rings) if rings else (-1 if state.collapsed[c] else 0)
        if occ[c] != want and shown < _MAX_PER_KIND:
            add(f"cache: cell {keys[c]}: occupancy (cap height, -1 collapsed) {occ[c]} != {want} "
                f"(rings {list(rings) if rings else None} bottom-first, collapsed {state.collapsed[c]})")
            shown += 1
    sbb = 0
    for c in stack_cells:
        sbb |= bit[c]
    if state.sbb != sbb:
        add(f"cache: stack bitboard sbb disagrees with the stacks (cells {_bb_diff(state, state.sbb, sbb)})")
    for p in range(1, n + 1):
        if state.kbb[p] != kbb[p]:
            add(f"cache: player {p}: controlled-stack bitboard kbb disagrees with the stacks "
                f"(cells {_bb_diff(state, state.kbb[p], kbb[p])})")
        if state.board_rings[p] != ring_count.get(p, 0):
            add(f"cache: player {p}: board_rings = {state.board_rings[p]} but {ring_count.get(p, 0)} rings of that "
                f"colour are on the board")
        if state.coll_count[p] != coll_count.get(p, 0):
            add(f"cache: player {p}: coll_count = {state.coll_count[p]} but {coll_count.get(p, 0)} collapsed cells "
                f"are owned")
    mbb = [0] * (n + 1)
    for c, m in enumerate(state.markers):
        if m and 1 <= m <= n:
            mbb[m] |= bit[c]
    for p in range(1, n + 1):
        if state.mbb[p] != mbb[p]:
            add(f"cache: player {p}: marker bitboard mbb disagrees with the markers "
                f"(cells {_bb_diff(state, state.mbb[p], mbb[p])})")
    cbb = 0
    for c, o in enumerate(state.collapsed):
        if o:
            cbb |= bit[c]
    if state.cbb != cbb:
        add(f"cache: collapsed bitboard cbb disagrees with the collapsed cells "
            f"(cells {_bb_diff(state, state.cbb, cbb)})")
    try:
        s_api = state.s_invariant()
    except Exception as e:  # noqa: BLE001
        add(f"cache: s_invariant() raised {type(e).__name__}: {e}")
    else:
        if s_api != s_value(state):
            add(f"cache: s_invariant() = {s_api} but markers + collapsed + eliminated = {s_value(state)}")


def _bb_diff(state, have: int, want: int) -> str:
    geom = state.geom
    diff = have ^ want
    cells = []
    for c, b in enumerate(geom.bit):
        if diff & b:
            cells.append(geom.keys[c])
    stray = diff & ~geom.valid_bb
    return ", ".join(cells[:_MAX_PER_KIND]) + (" and bits off the board" if stray else "")


def _check_status(state, add) -> None:
    n = state.num_players
    keys = state.geom.keys
    ncell = state.geom.num_cells
    phase, status = state.phase, state.status
    if phase not in PHASES:
        add(f"status: unknown phase {phase!r}")
    if status not in (ACTIVE, COMPLETED):
        add(f"status: unknown status {status!r}")
    if not 1 <= state.current_player <= n:
        add(f"status: current player {state.current_player} not in 1..{n}")
    if status == COMPLETED:
        if phase != GAME_OVER:
            add(f"status: game completed but phase is {phase!r}, expected {GAME_OVER!r}")
        if state.winner is None or not 1 <= state.winner <= n:
            add(f"status: game completed but winner is {state.winner!r}, expected a player in 1..{n}")
        if state.victory_reason not in VICTORY_REASONS:
            add(f"status: game completed with unknown victory reason {state.victory_reason!r}")
        return
    if phase == GAME_OVER:
        add("status: phase game_over while the game is still active")
    if state.winner is not None:
        add(f"status: winner {state.winner} set while the game is still active")
    p = state.current_player
    if 1 <= p <= n and phase == RING_PLACEMENT and state.turn_moves == 0:
        if state.rings_in_hand[p] <= 0 and state.board_rings[p] <= 0:
            add(f"status: player {p} starts a turn without any ring (permanently eliminated seats are skipped)")
    if not -1 <= state.must_move_from < ncell:
        add(f"status: must_move_from = {state.must_move_from} is not a cell id")
    if not -1 <= state.chain_pos < ncell:
        add(f"status: chain_pos = {state.chain_pos} is not a cell id")
    elif phase == CHAIN_CAPTURE:
        c = state.chain_pos
        rings = state.stacks[c] if c >= 0 else None
        if rings is None or rings[-1] != p:
            where = keys[c] if c >= 0 else "none"
            add(f"status: chain_capture phase but the chain position ({where}) is not a stack of player {p}")
    elif phase not in (CAPTURE, CHAIN_CAPTURE) and state.chain_pos >= 0:
        add(f"status: chain_pos {keys[state.chain_pos]} set outside the capture phases (phase {phase})")
    if state.pending_line_reward and phase != LINE_PROCESSING:
        add(f"status: a line reward is owed outside line_processing (phase {phase})")
    if state.pending_region is not None and phase != TERRITORY_PROCESSING:
        add(f"status: a territory self-elimination is owed outside territory_processing (phase {phase})")


def _check_previous(state, prev, add) -> None:
    n = state.num_players
    keys = state.geom.keys
    if prev.geom is not state.geom and prev.geom.board_type != state.geom.board_type:
        add(f"monotone: previous state is on a {prev.geom.board_type} board, this one on {state.geom.board_type}")
        return
    s_now, s_before = s_value(state), s_value(prev)
    if s_now < s_before:
        add(f"s_invariant: S decreased from {s_before} to {s_now} (markers + collapsed + eliminated)")
    pc, cc = prev.collapsed, state.collapsed
    if pc != cc:
        shown = 0
        for c, (a, b) in enumerate(zip(pc, cc)):
            if a and a != b:
                add(f"monotone: cell {keys[c]}: collapsed space of player {a} became "
                    f"{'uncollapsed' if not b else f'owned by player {b}'}")
                shown += 1
                if shown >= _MAX_PER_KIND:
                    break
    for name in ("lost", "eliminated", "territory"):
        a, b = getattr(prev, name), getattr(state, name)
        for p in range(1, min(len(a), len(b), n + 1)):
            if b[p] < a[p]:
                add(f"monotone: player {p}: {name} decreased from {a[p]} to {b[p]}")
    if state.total_eliminated < prev.total_eliminated:
        add(f"monotone: total_eliminated decreased from {prev.total_eliminated} to {state.total_eliminated}")


def _check_json(state, add) -> None:
    from ..serialize import state_from_json, state_to_json
    try:
        text = json.dumps(state_to_json(state), sort_keys=True)
        again = state_from_json(json.loads(text))
        text2 = json.dumps(state_to_json(again), sort_keys=True)
    except Exception as e:  # noqa: BLE001 - any failure of the round trip is a violation
        add(f"json: round trip raised {type(e).__name__}: {e}")
        return
    if text != text2:
        diffs = json_diff(json.loads(text), json.loads(text2))
        add(f"json: state_to_json(state_from_json(state_to_json(s))) differs from state_to_json(s) at "
            f"{'; '.join(diffs)}")
    try:
        z1, z2 = state.zobrist, again.zobrist
    except Exception as e:  # noqa: BLE001
        add(f"json: hashing the reloaded state raised {type(e).__name__}: {e}")
        return
    if z1 != z2:
        add(f"json: reloaded state hashes {z2:#018x}, the original {z1:#018x}")


def json_diff(a, b, path: str = "$", limit: int = 5) -> list[str]:
    """Up to ``limit`` paths where two JSON values differ, each with both values (abbreviated)."""
    out: list[str] = []

    def walk(x, y, p):
        if len(out) >= limit:
            return
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y), key=str):
                if k not in x:
                    out.append(f"{p}.{k}: missing before, {_short(y[k])} after")
                elif k not in y:
                    out.append(f"{p}.{k}: {_short(x[k])} before, missing after")
                else:
                    walk(x[k], y[k], f"{p}.{k}")
                if len(out) >= limit:
                    return
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                out.append(f"{p}: length {len(x)} before, {len(y)} after")
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{p}[{i}]")
                if len(out) >= limit:
                    return
        elif x != y:
            out.append(f"{p}: {_short(x)} before, {_short(y)} after")

    walk(a, b, path)
    return out


def _short(v, width: int = 60) -> str:
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else repr(v)
    return s if len(s) <= width else s[:width - 3] + "..."
