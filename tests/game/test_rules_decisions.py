"""One test per rules decision of docs/RULES.md (test_decision_NN_<name> pins decision NN).

Every position is hand-made in the JSON state format of the contract vectors (cell keys "x,y" or
"x,y,z", stacks listed TOP-first) and driven only through the public API of ``engine.game``.
Results are read back through ``state_to_json`` and ``legal_moves``; every expected value below was
worked out by hand from the canonical rules (RR-CANON ids in the comments).
"""

from __future__ import annotations

import pytest

import engine.game as eg
from engine.game import (
    IllegalMoveError,
    apply_move,
    legal_moves,
    move_from_json,
    new_game,
    state_from_json,
    state_to_json,
)

StateFormatError = getattr(eg, "StateFormatError", Exception)

SIZES = {"square8": 8, "square19": 19, "hex8": 9, "hexagonal": 25}
HEX = ("hex8", "hexagonal")


# -- compact position builder ------------------------------------------------------------------------

def _coord(key: str) -> tuple[int, ...]:
    return tuple(int(v) for v in key.split(","))


def _pos(key: str) -> dict:
    c = _coord(key)
    return {"x": c[0], "y": c[1]} if len(c) == 2 else {"x": c[0], "y": c[1], "z": c[2]}


def _cap(rings: list[int]) -> int:
    n = 1
    while n < len(rings) and rings[n] == rings[0]:
        n += 1
    return n


def state_json(board: str = "square8", players: int = 2, *, stacks=None, markers=None, collapsed=None,
               hands=5, eliminated=0, phase: str = "movement", current: int = 1, history=None,
               size: int | None = None, **extra) -> dict:
    """A vector-format state. stacks {key: rings TOP-first}; markers / collapsed {key: owner};
    hands / eliminated: one int for every seat or a list per seat. No thresholds are written unless
    passed in ``extra`` (so the canonical formulas apply)."""
    stacks, markers, collapsed = stacks or {}, markers or {}, collapsed or {}
    assert not (set(stacks) & set(markers) or set(stacks) & set(collapsed) or set(markers) & set(collapsed))
    hands = [hands] * players if isinstance(hands, int) else list(hands)
    eliminated = [eliminated] * players if isinstance(eliminated, int) else list(eliminated)
    territory = [sum(1 for o in collapsed.values() if o == p) for p in range(1, players + 1)]
    out = {
        "gameId": "rules-decisions",
        "board": {
            "type": board,
            "size": size or SIZES[board],
            "stacks": {k: {"position": _pos(k), "rings": list(r), "stackHeight": len(r), "capHeight": _cap(r),
                           "controllingPlayer": r[0]} for k, r in stacks.items()},
            "markers": {k: {"position": _pos(k), "player": p, "type": "regular"} for k, p in markers.items()},
            "collapsedSpaces": dict(collapsed),
            "eliminatedRings": {},
        },
        "players": [{"playerNumber": p + 1, "ringsInHand": hands[p], "eliminatedRings": eliminated[p],
                     "territorySpaces": territory[p], "isActive": True} for p in range(players)],
        "currentPlayer": current,
        "currentPhase": phase,
        "turnNumber": 1 + len(history or []),
        "moveHistory": list(history or []),
        "gameStatus": "active",
        "totalRingsEliminated": sum(eliminated),
    }
    out.update(extra)
    return out


def load(**kw):
    return state_from_json(state_json(**kw))


# -- reading results ---------------------------------------------------------------------------------

def board_of(state) -> tuple[dict, dict, dict]:
    """(stacks {key: rings top-first}, markers {key: owner}, collapsed {key: owner})."""
    b = state_to_json(state)["board"]
    stacks = {k: list(v["rings"]) for k, v in b["stacks"].items()}
    markers = {k: (v["player"] if isinstance(v, dict) else v) for k, v in b["markers"].items()}
    return stacks, markers, dict(b["collapsedSpaces"])


def player(state, p: int) -> dict:
    return state_to_json(state)["players"][p - 1]


def history_types(state) -> list[str]:
    return [m["type"] for m in state_to_json(state)["moveHistory"]]


def of_type(moves, t: str) -> list:
    return [m for m in moves if m.type == t]


def only(state, t: str | None = None):
    """The single legal move (optionally asserting its type)."""
    moves = legal_moves(state)
    assert len(moves) == 1, [str(m) for m in moves][:30]
    if t is not None:
        assert moves[0].type == t, str(moves[0])
    return moves[0]


def step(state, t: str):
    """Apply the single legal move, which must be of type ``t``."""
    return apply_move(state, only(state, t))


def pick(state, t: str, **fields):
    """Apply the unique legal move of type ``t`` whose fields equal ``fields``."""
    hits = [m for m in of_type(legal_moves(state), t) if all(getattr(m, k) == v for k, v in fields.items())]
    assert len(hits) == 1, (t, fields, [str(m) for m in legal_moves(state)][:40])
    return apply_move(state, hits[0])


def jmove(state, obj: dict):
    """Apply a move given in the wire format."""
    return apply_move(state, move_from_json(obj))


def P(x, y, z=None) -> dict:
    return {"x": x, "y": y} if z is None else {"x": x, "y": y, "z": z}


# -- shared positions -----------------------------------------------------------------------------

def exact_line_position(**kw):
    """square8 2p (L = 4), P1 in line_processing with the exact line (0,0)-(3,0) and a stack [1,1]."""
    args = dict(stacks={"5,5": [1, 1], "7,7": [2]}, markers={f"{x},0": 1 for x in range(4)},
                phase="line_processing")
    args.update(kw)
    return load(**args)


def square_territory_position(**kw):
    """square8 2p, P1 in territory_processing. The empty corner (0,0) is cut off by P1 markers (1,0) and
    (0,1) (Von Neumann walls). P2 markers (1,1) and (2,2) continue that wall diagonally; the P2
    marker (4,4) is not 8-connected to it. P1's only stack [1,1,2] is outside the region."""
    args = dict(stacks={"7,0": [1, 1, 2], "4,7": [2]},
                markers={"1,0": 1, "0,1": 1, "1,1": 2, "2,2": 2, "4,4": 2},
                phase="territory_processing")
    args.update(kw)
    return load(**args)


# =====================================================================================================
# 1. Ring order: internal bottom-first, wire top-first (rings[0] = top).
# =====================================================================================================

def test_decision_01_ring_order_top_first_on_the_wire():
    s = load(stacks={"0,0": [1, 1, 2]}, markers={"3,3": 2})
    st = state_to_json(s)["board"]["stacks"]["0,0"]
    assert (st["rings"], st["stackHeight"], st["capHeight"], st["controllingPlayer"]) == ([1, 1, 2], 3, 2, 1)

    # P1 controls it (top ring is rings[0]); height 3, so every move goes at least 3 cells.
    moves = of_type(legal_moves(s), "move_stack")
    assert moves and all(max(abs(m.to[0]), abs(m.to[1])) >= 3 for m in moves)
    # Landing on a marker eliminates the TOP ring (RR-CANON-R092): [1,1,2] -> [1,2].
    s2 = pick(s, "move_stack", from_=(0, 0), to=(3, 3))
    stacks, markers, _ = board_of(s2)
    assert stacks == {"3,3": [1, 2]}
    assert markers == {"0,0": 1}
    assert player(s2, 1)["eliminatedRings"] == 1

    # The same list read the other way round would be a P2-controlled stack: P1 could not move it.
    flipped = load(stacks={"0,0": [2, 1, 1]}, markers={"3,3": 2})
    assert [m.type for m in legal_moves(flipped)] == ["no_movement_action"]


# =====================================================================================================
# 2. Line cost one ring; territory self-elimination and forced elimination the whole cap; an
#    eliminate_rings_from_stack without eliminationContext takes its context from the phase.
# =====================================================================================================

def test_decision_02_line_costs_one_ring_territory_and_fe_cost_the_cap():
    # Line: exact line, reward paid with a context-less wire move -> one ring (context line).
    s = step(exact_line_position(), "process_line")
    elims = of_type(legal_moves(s), "eliminate_rings_from_stack")
    assert [(m.to, m.context) for m in elims] == [((5, 5), "line")]
    s = jmove(s, {"type": "eliminate_rings_from_stack", "player": 1, "to": P(5, 5)})
    assert board_of(s)[0]["5,5"] == [1]
    assert player(s, 1)["eliminatedRings"] == 1

    # Territory: context-less self-elimination in territory_processing -> the whole cap of [1,1,2].
    t = jmove(square_territory_position(), {"type": "choose_territory_option", "player": 1, "to": P(0, 0)})
    t = jmove(t, {"type": "eliminate_rings_from_stack", "player": 1, "to": P(7, 0)})
    assert board_of(t)[0]["7,0"] == [2]
    assert player(t, 1)["eliminatedRings"] == 2

    # Territory after a recovery_slide this turn: the context is recovery (one buried ring extracted).
    history = [{"type": "recovery_slide", "player": 1, "from": P(2, 3), "to": P(2, 2), "recoveryMode": "fallback",
                "extractionStacks": ["5,5"]},
               {"type": "no_line_action", "player": 1}]
    r = load(stacks={"5,5": [2, 1, 2], "7,7": [2]}, markers={"1,0": 1, "0,1": 1, "2,2": 1},
             phase="territory_processing",
             history=history)
    r = jmove(r, {"type": "choose_territory_option", "player": 1, "to": P(0, 0)})
    assert [(m.to, m.context) for m in of_type(legal_moves(r), "eliminate_rings_from_stack")] == [((5, 5), "recovery")]
    r = jmove(r, {"type": "eliminate_rings_from_stack", "player": 1, "to": P(5, 5)})
    assert board_of(r)[0]["5,5"] == [2, 2]  # P1's buried ring extracted, the P2 cap untouched
    assert player(r, 1)["eliminatedRings"] == 1

    # Forced elimination: the whole cap.
    f = load(stacks={"0,0": [1, 1, 2], "7,7": [2]}, phase="forced_elimination")
    f = step(f, "forced_elimination")
    assert board_of(f)[0]["0,0"] == [2]
    assert player(f, 1)["eliminatedRings"] == 2


# =====================================================================================================
# 3. Border markers: territory-adjacent seed, grown through 8-neighbour (x,y) connectivity across markers
#    of any colour on square8 / square19 / hex8; seed only on hexagonal.
# =====================================================================================================

def test_decision_03_border_markers_follow_the_executable_rule():
    s = square_territory_position()
    s = jmove(s, {"type": "choose_territory_option", "player": 1,
                  "disconnectedRegions": [{"spaces": [P(0, 0)], "controllingPlayer": 1, "isDisconnected": True}],
                  "to": P(0, 0)})
    _, markers, collapsed = board_of(s)
    # seed (1,0),(0,1); growth adds the P2 markers (1,1) and (2,2); (4,4) is not connected.
    assert collapsed == {"0,0": 1, "1,0": 1, "0,1": 1, "1,1": 1, "2,2": 1}
    assert markers == {"4,4": 2}
    assert player(s, 1)["territorySpaces"] == 5

    # Hex: origin enclosed by six P1 markers, plus a P1 marker (2,-1,-1) touching the wall from outside.
    ring = ["1,0,-1", "0,1,-1", "-1,1,0", "-1,0,1", "0,-1,1", "1,-1,0"]
    hex_markers = {k: 1 for k in ring}
    hex_markers["2,-1,-1"] = 1
    hex_stacks = {"-3,3,0": [1, 1, 2], "0,3,-3": [2]}

    def process(board):
        h = load(board=board, stacks=hex_stacks, markers=hex_markers, phase="territory_processing")
        h = jmove(h, {"type": "choose_territory_option", "player": 1, "to": P(0, 0, 0)})
        return board_of(h)

    _, m8, c8 = process("hex8")  # grown: the outside marker is swallowed too
    assert set(c8) == {"0,0,0", *ring, "2,-1,-1"} and set(c8.values()) == {1}
    assert m8 == {}
    _, mh, ch = process("hexagonal")  # seed only
    assert set(ch) == {"0,0,0", *ring}
    assert mh == {"2,-1,-1": 1}


# =====================================================================================================
# 4. Line length L: 4 for 2 players; 3 for 3-4 players on square8 / hex8; 4 on square19 / hexagonal.
#    Recovery uses the same L.
# =====================================================================================================

def test_decision_04_line_length_per_board_and_player_count():
    expected = {"square8": (4, 3, 3), "hex8": (4, 3, 3), "square19": (4, 4, 4), "hexagonal": (4, 4, 4)}
    for board, lengths in expected.items():
        assert tuple(new_game(board, n).line_length for n in (2, 3, 4)) == lengths, board

    # Three P1 markers in a row are a line with 3 players, not with 2 (square8).
    three = {"0,0": 1, "1,0": 1, "2,0": 1}
    s3 = load(players=3, stacks={"5,5": [1, 1], "7,7": [2], "7,0": [3]}, markers=three, phase="line_processing")
    assert [m.type for m in legal_moves(s3)] == ["process_line"]
    s2 = load(players=2, stacks={"5,5": [1, 1], "7,7": [2]}, markers=three, phase="line_processing")
    assert [m.type for m in legal_moves(s2)] == ["no_line_action"]

    # Recovery on hex8: sliding (1,1,-2) -> (1,0,-1) completes (-1,0,1),(0,0,0),(1,0,-1): a line for
    # 3 players (L = 3), merely a fallback slide for 2 players (L = 4).
    markers = {"-1,0,1": 1, "0,0,0": 1, "1,1,-2": 1}

    def slides(n):
        stacks = {"3,-3,0": [2, 1], "-3,3,0": [3] if n == 3 else [2]}
        h = load(board="hex8", players=n, stacks=stacks, markers=markers)
        return [m for m in of_type(legal_moves(h), "recovery_slide") if m.from_ == (1, 1, -2) and m.to == (1, 0, -1)]

    line3 = slides(3)
    assert line3 and {m.recovery_mode for m in line3} == {"line"}
    assert all(set(m.collapsed) == {(-1, 0, 1), (0, 0, 0), (1, 0, -1)} for m in line3)
    assert {m.recovery_mode for m in slides(2)} == {"fallback"}


# =====================================================================================================
# 5. Phase visiting follows the current reference engines.
# =====================================================================================================

def test_decision_05_bookkeeping_moves_follow_the_reference_engines():
    # (a) Blocked player: line processing exits straight into forced_elimination (no no_territory_action).
    # A height-8 stack in the corner of square8 can never move or capture; P1 has nothing in hand.
    s = load(stacks={"0,0": [1] * 8, "5,5": [2]}, hands=[0, 5], phase="ring_placement")
    for t in ("no_placement_action", "no_movement_action", "no_line_action"):
        s = step(s, t)
    assert s.phase == "forced_elimination"
    assert history_types(s) == ["no_placement_action", "no_movement_action", "no_line_action"]
    assert only(s, "forced_elimination").to == (0, 0)

    # (b) No no_territory_action after the last territory self-elimination: the turn passes at once.
    t = jmove(square_territory_position(), {"type": "choose_territory_option", "player": 1, "to": P(0, 0)})
    t = jmove(t, {"type": "eliminate_rings_from_stack", "player": 1, "to": P(7, 0)})
    assert history_types(t) == ["choose_territory_option", "eliminate_rings_from_stack"]
    assert (t.current_player, t.phase) == (2, "ring_placement")

    # (c) After a line-reward elimination with no further line, no_line_action is required.
    u = step(exact_line_position(), "process_line")
    u = step(u, "eliminate_rings_from_stack")
    assert u.phase == "line_processing" and u.current_player == 1
    only(u, "no_line_action")
    u = step(u, "no_line_action")
    assert u.phase == "territory_processing"
    only(u, "no_territory_action")

    # (d) A line decision that leaves nothing owed and no further line exits line processing directly.
    v = exact_line_position(markers={f"{x},0": 1 for x in range(5)})
    window = ((0, 0), (1, 0), (2, 0), (3, 0))
    opt2 = [m for m in of_type(legal_moves(v), "choose_line_option") if tuple(sorted(m.collapsed)) == window]
    assert len(opt2) == 1
    v = apply_move(v, opt2[0])
    assert (v.phase, v.current_player) == ("territory_processing", 1)
    only(v, "no_territory_action")
    assert history_types(v) == ["choose_line_option"]


# =====================================================================================================
# 6. Victory is evaluated after every move, not only at the end of the turn.
# =====================================================================================================

def test_decision_06_victory_is_checked_after_every_move():
    s = step(exact_line_position(eliminated=[17, 0]), "process_line")
    assert s.status == "active"
    s = step(s, "eliminate_rings_from_stack")  # 18th ring: the 2p square8 threshold
    assert s.status == "completed"
    assert (s.winner, s.victory_reason) == (1, "ring_elimination")
    assert legal_moves(s) == []  # the owed no_line_action / no_territory_action are never played
    with pytest.raises(IllegalMoveError):
        jmove(s, {"type": "no_line_action", "player": 1})


# =====================================================================================================
# 7. Early last-player-standing: stacks exist, one player controls all, every other player owns no ring.
# =====================================================================================================

def test_decision_07_early_last_player_standing_only_when_enabled():
    # P1 processes the region {(0,0)} holding P2's last ring; P2 has nothing in hand.
    def position(**extra):
        return load(stacks={"0,0": [2], "5,5": [1, 1]}, markers={"1,0": 1, "0,1": 1}, hands=[5, 0],
                    phase="territory_processing", **extra)

    move = {"type": "choose_territory_option", "player": 1, "to": P(0, 0)}
    # Canonical (the default): no immediate win; the owed self-elimination is the only move.
    t = jmove(position(), move)
    assert t.status == "active"
    assert [(m.type, m.to) for m in legal_moves(t)] == [("eliminate_rings_from_stack", (5, 5))]

    # With the reference engines' shortcut switched on, P1 wins before paying.
    s = jmove(position(rulesOptions={"earlyLastPlayerStanding": True}), move)
    assert s.status == "completed"
    assert (s.winner, s.victory_reason) == (1, "last_player_standing")
    assert player(s, 1)["eliminatedRings"] == 1


# =====================================================================================================
# 8. Round-based LPS: "has a real action available", lpsRoundsRequired default 3.
# =====================================================================================================

def _lps_game(**extra):
    """P1's stack [1,2] (P2's only ring buried in it) wanders over square8; P2 has material (the
    buried ring) but no real action; nobody has anything in hand."""
    s = load(stacks={"1,1": [1, 2]}, hands=0, phase="ring_placement", **extra)
    path = [((1, 1), (3, 1)), ((3, 1), (3, 3)), ((3, 3), (5, 3)), ((5, 3), (5, 5))]
    starts = []  # state at the start of each P1 turn after the first
    for i, (frm, to) in enumerate(path):
        assert (s.current_player, s.phase, s.status) == (1, "ring_placement", "active"), i
        s = step(s, "no_placement_action")
        s = pick(s, "move_stack", from_=frm, to=to)
        s = step(s, "no_line_action")
        s = step(s, "no_territory_action")
        for t in ("no_placement_action", "no_movement_action", "no_line_action", "no_territory_action"):
            assert s.current_player == 2
            s = step(s, t)
        starts.append(s)
        if s.status == "completed":
            break
    return starts


def test_decision_08_round_based_last_player_standing():
    starts = _lps_game()
    # Rounds are tracked from P2's first turn (the loaded first turn is not): P1's 2nd, 3rd and 4th
    # turn starts see 0, 1 and 2 complete rounds; the 5th sees 3 and P1 wins there.
    assert [s.status for s in starts[:3]] == ["active"] * 3
    end = starts[3]
    assert end.status == "completed"
    assert (end.winner, end.victory_reason) == (1, "last_player_standing")
    assert state_to_json(end)["moveHistory"][-1]["type"] == "no_territory_action"
    assert state_to_json(end)["moveHistory"][-1]["player"] == 2  # declared at the turn boundary

    # The round count comes from rulesOptions.lpsRoundsRequired when the state gives it.
    quick = _lps_game(rulesOptions={"lpsRoundsRequired": 1})
    assert [s.status for s in quick] == ["active", "completed"]
    assert quick[1].winner == 1


# =====================================================================================================
# 9. Stalemate: lexicographic cascade over the tied players; ranking R175-R179 with shared ranks.
# =====================================================================================================

def _all_cells(n=8):
    return [f"{x},{y}" for y in range(n) for x in range(n)]


def test_decision_09_stalemate_cascade_and_ranking():
    # 4 players, square8. P1's last stack (0,0) is walled in by collapsed cells; every other cell is
    # collapsed or holds a marker, so after the forced elimination nobody can place: stalemate.
    markers = {"0,7": 1, "1,7": 1, "2,7": 1, "3,7": 2, "4,7": 2, "5,7": 3, "6,7": 3, "7,7": 4}
    rest = [k for k in _all_cells() if k != "0,0" and k not in markers]
    assert len(rest) == 55
    owners = [1] * 15 + [2] * 15 + [3] * 15 + [4] * 10  # territory 15 / 15 / 15 / 10
    collapsed = dict(zip(rest, owners))
    s = load(players=4, stacks={"0,0": [1]}, markers=markers, collapsed=collapsed, hands=[2, 1, 1, 0],
             eliminated=[3, 5, 5, 10], phase="forced_elimination")
    s = step(s, "forced_elimination")
    # eliminated incl. hands: P1 3+1+2 = 6, P2 6, P3 6, P4 10. Tier 1 keeps {1,2,3}; tier 2 ties
    # them (P4's 10 no longer counts); tier 3 markers 3/2/2 -> P1.
    assert s.status == "completed"
    assert (s.winner, s.victory_reason) == (1, "stalemate")
    # P2 and P3 tie on everything (never eliminated) -> shared rank 2; P4 territory 10 -> rank 4.
    assert s.ranking() == [1, 2, 2, 4]

    # 2 players tied on territory (29/29), eliminated incl. hands (5/5) and markers (2/2): the last
    # player to have acted wins, here seat 2 (not the lowest seat).
    markers2 = {"3,3": 1, "3,4": 1, "4,3": 2, "4,4": 2}
    rest2 = [k for k in _all_cells() if k not in ("0,0", "7,7") and k not in markers2]
    assert len(rest2) == 58
    collapsed2 = {k: 1 + i % 2 for i, k in enumerate(rest2)}
    t = load(stacks={"0,0": [2]}, markers=markers2, collapsed=collapsed2, hands=[1, 1], eliminated=[4, 3],
             phase="forced_elimination", current=2)
    t = step(t, "forced_elimination")
    assert t.status == "completed"
    assert (t.winner, t.victory_reason) == (2, "stalemate")
    assert t.ranking() == [2, 1]


# =====================================================================================================
# 10. Swap sides (pie rule).
# =====================================================================================================

def _first_turn(s):
    """Seat 1's opening turn: one ring on (3,3), moved to (3,4), bookkeeping."""
    s = pick(s, "place_ring", to=(3, 3), count=1)
    s = pick(s, "move_stack", from_=(3, 3), to=(3, 4))
    s = step(s, "no_line_action")
    return step(s, "no_territory_action")


def test_decision_10_swap_sides():
    g = new_game("square8", 2, swap_rule=True)
    assert not of_type(legal_moves(g), "swap_sides")  # never offered to seat 1
    g = _first_turn(g)
    assert (g.current_player, g.phase) == (2, "ring_placement")
    assert len(of_type(legal_moves(g), "swap_sides")) == 1
    before = state_to_json(g)
    h = apply_move(g, of_type(legal_moves(g), "swap_sides")[0])
    after = state_to_json(h)
    assert after["board"]["stacks"] == before["board"]["stacks"]
    assert after["board"]["markers"] == before["board"]["markers"]
    assert after["board"]["collapsedSpaces"] == before["board"]["collapsedSpaces"]
    assert after["players"] == before["players"]
    assert (h.current_player, h.phase) == (2, "ring_placement")
    assert not of_type(legal_moves(h), "swap_sides")  # once only
    assert of_type(legal_moves(h), "place_ring")

    # Declining by placing: gone for good (not in movement, not on seat 2's later turns).
    d = pick(g, "place_ring", to=(0, 0), count=1)
    assert not of_type(legal_moves(d), "swap_sides")

    # Not offered without the option, nor with 3 players.
    assert not of_type(legal_moves(_first_turn(new_game("square8", 2))), "swap_sides")
    three = _first_turn(new_game("square8", 3, swap_rule=True))
    assert three.current_player == 2 and not of_type(legal_moves(three), "swap_sides")


# =====================================================================================================
# 11. process_line only for exact-length lines; an overlength process_line on replay = Option 1.
# =====================================================================================================

def test_decision_11_process_line_only_for_exact_lines():
    exact = legal_moves(exact_line_position())
    assert [m.type for m in exact] == ["process_line"]

    five = [f"{x},0" for x in range(5)]
    s = exact_line_position(markers={k: 1 for k in five})
    moves = legal_moves(s)
    assert not of_type(moves, "process_line")
    opts = of_type(moves, "choose_line_option")
    assert sorted(len(m.collapsed) for m in opts) == [4, 4, 5]  # option 1 + the two 4-cell windows

    # Replay of an overlength process_line: accepted as Option 1 (collapse all 5, one ring owed).
    s = jmove(s, {"type": "process_line", "player": 1, "to": P(0, 0),
                  "formedLines": [{"positions": [P(x, 0) for x in range(5)], "player": 1, "length": 5}]})
    _, markers, collapsed = board_of(s)
    assert collapsed == {k: 1 for k in five} and markers == {}
    assert player(s, 1)["territorySpaces"] == 5
    assert [(m.type, m.to) for m in legal_moves(s)] == [("eliminate_rings_from_stack", (5, 5))]


# =====================================================================================================
# 12. Line reward waiver: a player controlling no stack owes nothing.
# =====================================================================================================

def test_decision_12_line_reward_waived_without_stacks():
    s = exact_line_position(stacks={"7,7": [2]})
    s = step(s, "process_line")
    assert state_to_json(s)["pendingLineRewardElimination"] in (False, None)
    assert (s.phase, s.current_player) == ("territory_processing", 1)
    only(s, "no_territory_action")
    _, _, collapsed = board_of(s)
    assert collapsed == {f"{x},0": 1 for x in range(4)}
    assert player(s, 1)["eliminatedRings"] == 0


# =====================================================================================================
# 13. Recovery line mode: the line through the destination (longest run), Option 1 / Option 2.
# =====================================================================================================

def test_decision_13_recovery_line_through_destination():
    # Row 0: P1 at 0,1,2 and 4,5; sliding (4,1) -> (3,0) makes a 6-run. The column through (3,0) only
    # reaches 3 ((3,1),(3,2)): not a line for 2 players (L = 4).
    markers = {"0,0": 1, "1,0": 1, "2,0": 1, "4,0": 1, "5,0": 1, "3,1": 1, "3,2": 1, "4,1": 1}
    s = load(stacks={"6,6": [2, 1], "7,7": [2]}, markers=markers, hands=[3, 5])
    slides = [m for m in of_type(legal_moves(s), "recovery_slide") if m.from_ == (4, 1) and m.to == (3, 0)]
    row = [(x, 0) for x in range(6)]
    assert {m.recovery_mode for m in slides} == {"line"}
    opt1 = [m for m in slides if m.recovery_option == 1]
    assert len(opt1) == 1 and sorted(opt1[0].collapsed) == row and opt1[0].extraction == (6, 6)
    opt2 = {tuple(sorted(m.collapsed)) for m in slides if m.recovery_option == 2}
    assert opt2 == {tuple(row[i:i + 4]) for i in range(3)}
    assert all(m.extraction is None for m in slides if m.recovery_option == 2)

    s = apply_move(s, opt1[0])
    stacks, markers_after, collapsed = board_of(s)
    assert collapsed == {f"{x},0": 1 for x in range(6)}
    assert markers_after == {"3,1": 1, "3,2": 1}
    assert stacks["6,6"] == [2]
    assert player(s, 1)["territorySpaces"] == 6
    assert s.phase == "line_processing"
    only(s, "no_line_action")


# =====================================================================================================
# 14. Recovery cost: one buried-ring extraction (line option 1, fallback, stack_strike), credited to the
#     recovering player in every counter.
# =====================================================================================================

def test_decision_14_recovery_cost_is_mandatory_and_credited():
    def position():
        return load(stacks={"1,1": [2], "5,5": [2, 1]}, markers={"0,0": 1}, hands=[3, 5])

    s = position()
    slides = of_type(legal_moves(s), "recovery_slide")
    assert {(m.to, m.recovery_mode) for m in slides} == {((1, 0), "fallback"), ((0, 1), "fallback"),
                                                         ((1, 1), "stack_strike")}
    assert all(m.extraction == (5, 5) for m in slides)

    # A fallback slide given without extractionStacks still pays.
    f = jmove(s, {"type": "recovery_slide", "player": 1, "from": P(0, 0), "to": P(1, 0), "recoveryMode": "fallback"})
    stacks, markers, _ = board_of(f)
    assert stacks == {"1,1": [2], "5,5": [2]}
    assert markers == {"1,0": 1}
    js = state_to_json(f)
    assert js["players"][0]["eliminatedRings"] == 1 and js["totalRingsEliminated"] == 1

    # Stack strike: the struck top ring and the extracted ring, both credited to P1.
    k = pick(position(), "recovery_slide", to=(1, 1))
    stacks, markers, _ = board_of(k)
    assert stacks == {"5,5": [2]}
    assert markers == {}
    js = state_to_json(k)
    assert js["players"][0]["eliminatedRings"] == 2 and js["totalRingsEliminated"] == 2
    assert js["players"][1]["eliminatedRings"] == 0


# =====================================================================================================
# 15. Placement: every count 1..min(3, hand) validated on its own (no-dead-placement).
# =====================================================================================================

def test_decision_15_each_placement_count_checked_individually():
    # (0,0): east is P2's cap-2 stack (1,0), then (2,0) empty, (3,0) collapsed; N and NE collapsed.
    # 1 ring: no move, cannot capture a cap of 2. 2 rings: captures, landing (2,0) at distance 2.
    # 3 rings: would need a landing at distance >= 3, (3,0) is collapsed.
    s = load(stacks={"1,0": [2, 2]}, collapsed={"0,1": 2, "1,1": 2, "3,0": 2}, hands=[5, 5], phase="ring_placement")
    counts = sorted(m.count for m in of_type(legal_moves(s), "place_ring") if m.to == (0, 0))
    assert counts == [2]
    for n in (1, 3):
        with pytest.raises(IllegalMoveError):
            jmove(s, {"type": "place_ring", "player": 1, "to": P(0, 0), "placementCount": n})
    s2 = jmove(s, {"type": "place_ring", "player": 1, "to": P(0, 0), "placementCount": 2})
    assert board_of(s2)[0]["0,0"] == [1, 1]


# =====================================================================================================
# 16. Territory: choose_territory_option must name a detected, processable region (cells or one cell).
# =====================================================================================================

def test_decision_16_territory_region_is_validated():
    s = square_territory_position()
    regions = of_type(legal_moves(s), "choose_territory_option")
    assert [sorted(m.region) for m in regions] == [[(0, 0)]]

    bad = [
        {"disconnectedRegions": [{"spaces": [P(0, 0), P(1, 0)], "controllingPlayer": 1}], "to": P(0, 0)},
        {"disconnectedRegions": [{"spaces": [P(5, 5)], "controllingPlayer": 1}], "to": P(5, 5)},
        {"to": P(5, 5)},
    ]
    for extra in bad:
        with pytest.raises(IllegalMoveError):
            jmove(s, {"type": "choose_territory_option", "player": 1, **extra})

    by_cells = jmove(s, {"type": "choose_territory_option", "player": 1, "to": P(0, 0),
                         "disconnectedRegions": [{"spaces": [P(0, 0)], "controllingPlayer": 1}]})
    by_cell = jmove(s, {"type": "choose_territory_option", "player": 1, "to": P(0, 0)})
    assert board_of(by_cells) == board_of(by_cell)
    assert board_of(by_cell)[2]["0,0"] == 1

    # Disconnected but not processable: P1 controls no stack, so it cannot pay the self-elimination.
    unpaid = load(stacks={"4,7": [2]}, markers={"1,0": 1, "0,1": 1}, phase="territory_processing")
    assert [m.type for m in legal_moves(unpaid)] == ["no_territory_action"]
    with pytest.raises(IllegalMoveError):
        jmove(unpaid, {"type": "choose_territory_option", "player": 1, "to": P(0, 0)})


# =====================================================================================================
# 17. Thresholds: the state's own values are honoured; new games use the canonical formulas.
# =====================================================================================================

def test_decision_17_victory_thresholds():
    ring = {"square8": (18, 24, 30), "hex8": (18, 24, 30), "square19": (72, 96, 120), "hexagonal": (96, 128, 160)}
    terr = {"square8": (33, 22, 17), "hex8": (31, 21, 16), "square19": (181, 121, 91),
            "hexagonal": (235, 157, 118)}
    for board in SIZES:
        games = [new_game(board, n) for n in (2, 3, 4)]
        assert tuple(g.victory_threshold for g in games) == ring[board], board
        assert tuple(g.territory_threshold for g in games) == terr[board], board

    both = load(victoryThreshold=7, territoryVictoryMinimum=9, territoryVictoryThreshold=40,
                stacks={"0,0": [1], "7,7": [2]})
    assert (both.victory_threshold, both.territory_threshold) == (7, 9)
    legacy = load(territoryVictoryThreshold=40, stacks={"0,0": [1], "7,7": [2]})
    assert legacy.territory_threshold == 40
    plain = load(players=3, stacks={"0,0": [1], "7,7": [2], "7,0": [3]})
    assert (plain.victory_threshold, plain.territory_threshold) == (24, 22)

    # A state's own threshold decides the game: 5 eliminations win when victoryThreshold is 5.
    s = step(exact_line_position(eliminated=[4, 0], victoryThreshold=5), "process_line")
    s = step(s, "eliminate_rings_from_stack")
    assert (s.status, s.winner, s.victory_reason) == ("completed", 1, "ring_elimination")


# =====================================================================================================
# 18. Hex board radius derived from board.size.
# =====================================================================================================

def _placement_cells(s) -> int:
    return len({m.to for m in of_type(legal_moves(s), "place_ring")})


def test_decision_18_hex_radius_from_board_size():
    assert _placement_cells(load(board="hexagonal", size=13, phase="ring_placement")) == 127  # radius 6
    assert _placement_cells(load(board="hexagonal", size=11, phase="ring_placement")) == 91  # radius 5
    assert _placement_cells(new_game("hexagonal", 2)) == 469  # radius 12
    assert _placement_cells(new_game("hex8", 2)) == 61  # radius 4
    assert state_to_json(new_game("hexagonal", 2))["board"]["size"] == 25

    ok = load(board="hexagonal", size=13, stacks={"6,0,-6": [1], "-6,0,6": [2]})
    assert state_to_json(ok)["board"]["size"] == 13
    with pytest.raises(StateFormatError):
        load(board="hexagonal", size=13, stacks={"7,0,-7": [1], "-6,0,6": [2]})


# =====================================================================================================
# 19. FAQ Q8 ("no ring to remove -> the turn ends") is superseded by the waiver + forced elimination.
# =====================================================================================================

def test_decision_19_faq_q8_superseded():
    # P1 controls no stack and has two exact lines: the first does not end the turn; both collapse free.
    lines = {**{f"{x},0": 1 for x in range(4)}, **{f"{x},7": 1 for x in range(4)}}
    s = load(stacks={"5,4": [2]}, markers=lines, phase="line_processing")
    assert len(of_type(legal_moves(s), "process_line")) == 2
    s = apply_move(s, of_type(legal_moves(s), "process_line")[0])
    assert (s.current_player, s.phase) == (1, "line_processing")
    s = step(s, "process_line")
    assert (s.current_player, s.phase) == (1, "territory_processing")
    _, markers, collapsed = board_of(s)
    assert markers == {} and len(collapsed) == 8
    assert player(s, 1)["eliminatedRings"] == 0 and player(s, 1)["territorySpaces"] == 8
    s = step(s, "no_territory_action")
    assert (s.current_player, s.phase) == (2, "ring_placement")


# =====================================================================================================
# 20. Hashing: a 64-bit Zobrist hash kept incrementally; not a rule.
# =====================================================================================================

def test_decision_20_zobrist_hash_is_incremental_and_stable():
    s = new_game("square8", 2)
    seen = {s.zobrist}
    for _ in range(24):
        assert 0 <= s.zobrist < 1 << 64
        # A state rebuilt from its JSON (hash computed from scratch) has the same hash.
        assert state_from_json(state_to_json(s)).zobrist == s.zobrist
        s = apply_move(s, legal_moves(s)[0])
        seen.add(s.zobrist)
    assert len(seen) == 25  # every position of this sequence is different, and so is every hash
