"""Victory (RR-CANON-R170-R179): evaluation after every move, last-player-standing rounds,
global stalemate and the ranking of all players."""

from __future__ import annotations

from .board import has_material
from .capture import can_capture
from .movement import can_move
from .placement import has_placement
from .state import COMPLETED, GAME_OVER, LAST_PLAYER_STANDING, RING_ELIMINATION, STALEMATE, TERRITORY_CONTROL


def any_stack_action(s, player: int) -> bool:
    """Some stack ``player`` controls has a non-capture move or a capture (must-move ignored)."""
    stacks, occ = s.stacks, s.occ
    for c in s.controlled_cells(player):
        h = len(stacks[c])
        if can_move(s, c, h) or can_capture(s, c, h, occ[c]):
            return True
    return False


def has_real_action(s, player: int) -> bool:
    """A legal placement, non-capture move or capture (recovery, skips and decisions do not count)."""
    return any_stack_action(s, player) or has_placement(s, player)


def end_game(s, winner: int | None, reason: str) -> None:
    s.status = COMPLETED
    s.phase = GAME_OVER
    s.winner = winner
    s.victory_reason = reason
    s._legal = None


def check_victory(s) -> bool:
    """Apply the R170 evaluation order; ends the game and returns True when someone has won."""
    n = s.num_players
    players = range(1, n + 1)
    if max(s.eliminated) >= s.victory_threshold:
        for p in players:
            if s.eliminated[p] >= s.victory_threshold:
                end_game(s, p, RING_ELIMINATION)
                return True
    coll = s.coll_count
    if max(coll) >= s.territory_threshold:
        total = sum(coll)
        for p in players:
            t = coll[p]
            if t >= s.territory_threshold and t > total - t:
                end_game(s, p, TERRITORY_CONTROL)
                return True
    kbb = s.kbb
    controllers = [p for p in players if kbb[p]]
    if controllers:
        # The spec's LPS needs three full rounds (R172); the immediate win when every opponent has
        # no ring left is the reference engines' shortcut, off unless the game enables it.
        if s.early_lps and len(controllers) == 1:
            c = controllers[0]
            if not any(has_material(s, q) for q in players if q != c):
                end_game(s, c, LAST_PLAYER_STANDING)
                return True
        return False
    for p in players:
        if s.rings_in_hand[p] > 0 and has_placement(s, p):
            return False
    _stalemate(s)
    return True


def _stalemate(s) -> None:
    """Global stalemate (R173): hands count as eliminated rings; lexicographic winner ladder."""
    n = s.num_players
    scores = [0] + [s.eliminated[p] + s.rings_in_hand[p] for p in range(1, n + 1)]
    s.stalemate_scores = scores
    tied = list(range(1, n + 1))
    for key in (lambda p: s.coll_count[p], lambda p: scores[p], lambda p: s.mbb[p].bit_count()):
        best = max(key(p) for p in tied)
        tied = [p for p in tied if key(p) == best]
        if len(tied) == 1:
            end_game(s, tied[0], STALEMATE)
            return
    node = s.history
    while node is not None:
        if node[0].player in tied:
            end_game(s, node[0].player, STALEMATE)
            return
        node = node[1]
    end_game(s, min(tied), STALEMATE)


def ranking(s) -> list[int]:
    """Competition ranks per seat (index 0 = seat 1). Winner first, then territory, eliminated rings
    (hands converted at a stalemate), markers, and time of permanent elimination (later is better)."""
    n = s.num_players
    scores = s.stalemate_scores or [0] + [s.eliminated[p] for p in range(1, n + 1)]
    never = float("inf")

    def key(p):
        return (1 if p == s.winner else 0, s.coll_count[p], scores[p], s.mbb[p].bit_count(),
                never if s.gone_at[p] < 0 else s.gone_at[p])

    keys = {p: key(p) for p in range(1, n + 1)}
    return [1 + sum(1 for q in keys if keys[q] > keys[p]) for p in range(1, n + 1)]


def lps_turn_start(s) -> bool:
    """Round-based last-player-standing tracking at the start of a turn; True if the game ended."""
    c = s.current_player
    n = s.num_players
    active = [p for p in range(1, n + 1) if has_material(s, p)]
    if not active or c not in active:
        return False
    mask = s.lps_mask
    first = s.lps_first
    if first == 0 or first not in active:
        s.lps_first = c
        for p in range(n + 1):
            mask[p] = None
        if s.lps_candidate == 0 or s.lps_candidate not in active:
            s.lps_candidate = 0
            s.lps_count = 0
    elif c == first and any(m is not None for m in mask):
        holders = [p for p in active if mask[p]]
        if len(holders) == 1:
            if holders[0] == s.lps_candidate:
                s.lps_count += 1
            else:
                s.lps_candidate = holders[0]
                s.lps_count = 1
        else:
            s.lps_candidate = 0
            s.lps_count = 0
        for p in range(n + 1):
            mask[p] = None
        s.lps_first = c
    real = has_real_action(s, c)
    mask[c] = real
    if s.lps_count >= s.lps_rounds_required and s.lps_candidate == c and real:
        if not any(has_real_action(s, q) for q in active if q != c):
            end_game(s, c, LAST_PLAYER_STANDING)
            return True
    return False
