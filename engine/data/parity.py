"""The parity gate: a record must be reproduced exactly by replaying it through the engine.

``check_parity(record)`` replays the moves from ``record.config.initial_state()`` with
``apply_in_place`` after checking each move's membership in ``legal_moves`` (the engine's single
source of legality; a move that is not a member verbatim goes through ``resolve_move``, which
accepts omitted inferable fields). It checks:

* every move is legal at its ply, and the game is not over before the last move;
* the decision entries sit exactly on the decision plies (every ply whose legal moves are not a
  lone bookkeeping move has one, in order, and no other ply has one);
* each decision is consistent with the legal moves at its ply: the player to act, the legal move
  count, the chosen index names the move played, policy indices are distinct, ascending and in
  range with finite non-negative probabilities summing to 1 (within ``POLICY_SUM_TOL``), one value
  per seat, finite and within [-1, 1];
* the final state gives the recorded outcome (winner, ranking, victory reason), or, for a
  move-capped record, the game is not over (and the move count is the cap when it is recorded).

The first problem found is returned as ``ParityResult(ok=False, reason, first_bad_ply)``; the
reason names the ply, the move or the field and what differs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from engine.game import GameState, IllegalMoveError, Move, apply_in_place, legal_moves, resolve_move

from .records import Decision, GameRecord

POLICY_SUM_TOL = 1e-3
VALUE_TOL = 1e-6


@dataclass(frozen=True, slots=True)
class ParityResult:
    ok: bool
    reason: str | None = None
    first_bad_ply: int | None = None

    def __bool__(self) -> bool:
        return self.ok


class _Bad(Exception):
    def __init__(self, ply: int | None, reason: str):
        super().__init__(reason)
        self.ply = ply
        self.reason = reason


DecisionHook = Callable[[GameState, Decision, list], None]


def check_parity(record: GameRecord, on_decision: DecisionHook | None = None) -> ParityResult:
    """Replay ``record`` and compare; ``on_decision(state, decision, legal)`` (optional) is called at
    each decision position before its move is applied (``state`` is live: do not modify it)."""
    try:
        _replay(record, on_decision)
    except _Bad as e:
        return ParityResult(False, e.reason, e.ply)
    return ParityResult(True)


def _replay(record: GameRecord, hook: DecisionHook | None) -> None:
    cfg = record.config
    try:
        s = cfg.initial_state()
    except (ValueError, KeyError) as e:
        raise _Bad(None, f"config: cannot start a game: {e}") from None
    n = cfg.num_players
    decisions = record.decisions
    nd = len(decisions)
    k = 0
    moves = record.moves
    for ply, move in enumerate(moves):
        if s.is_over:
            raise _Bad(ply, f"ply {ply}: the game is already over ({s.victory_reason}, winner {s.winner}) "
                            f"but the record has {len(moves) - ply} more move(s)")
        legal = legal_moves(s)
        try:
            pos = legal.index(move)
        except ValueError:
            try:
                pos = legal.index(resolve_move(s, move))
            except IllegalMoveError as e:
                raise _Bad(ply, f"ply {ply}: illegal move {move}: {e}") from None
        is_decision = not (len(legal) == 1 and legal[0].is_bookkeeping)
        if is_decision:
            if k >= nd:
                raise _Bad(ply, f"ply {ply}: a decision position ({len(legal)} legal moves) but the record's "
                                f"{nd} decision entries have run out")
            d = decisions[k]
            if d.ply != ply:
                raise _Bad(ply, f"ply {ply}: a decision position but decisions[{k}] is for ply {d.ply}")
            _check_decision(d, k, s, legal, pos, n)
            if hook is not None:
                hook(s, d, legal)
            k += 1
        elif k < nd and decisions[k].ply == ply:
            raise _Bad(ply, f"ply {ply}: decisions[{k}] is recorded at a bookkeeping move ({legal[0].type}), "
                            f"which is no decision")
        apply_in_place(s, legal[pos])
    end = len(moves)
    if k < nd:
        raise _Bad(decisions[k].ply, f"decisions[{k}] (ply {decisions[k].ply}) does not match a decision position "
                                     f"(plies must increase and lie within the {end} moves)")
    out = record.outcome
    if out.capped:
        if s.is_over:
            raise _Bad(end, f"outcome: the record says move-capped but the game ended at ply {end} "
                            f"({s.victory_reason}, winner {s.winner})")
        if cfg.max_moves is not None and end != cfg.max_moves:
            raise _Bad(end, f"outcome: capped at {end} moves but config.max_moves is {cfg.max_moves}")
        return
    if not s.is_over:
        raise _Bad(end, f"outcome: the record ends after {end} moves but the game is not over "
                        f"(player {s.current_player} to act in {s.phase}) and it is not marked capped")
    diffs = []
    if out.winner != s.winner:
        diffs.append(f"winner: record {out.winner}, replay {s.winner}")
    ranking = tuple(s.ranking())
    if tuple(out.ranking) != ranking:
        diffs.append(f"ranking: record {list(out.ranking)}, replay {list(ranking)}")
    if out.victory_reason != s.victory_reason:
        diffs.append(f"victory_reason: record {out.victory_reason!r}, replay {s.victory_reason!r}")
    if diffs:
        raise _Bad(end, "outcome differs: " + "; ".join(diffs))


def _check_decision(d: Decision, k: int, s: GameState, legal: list[Move], pos: int, n: int) -> None:
    ply = d.ply
    where = f"ply {ply}: decisions[{k}]"
    if d.player != s.current_player:
        raise _Bad(ply, f"{where}.player is {d.player} but player {s.current_player} is to act")
    if d.legal_count != len(legal):
        raise _Bad(ply, f"{where}.legal is {d.legal_count} but the position has {len(legal)} legal moves")
    if d.chosen != pos:
        raise _Bad(ply, f"{where}.chosen is {d.chosen} but the move played ({legal[pos]}) is legal move {pos}")
    if d.policy_index is not None:
        idx, probs = d.policy_index, d.policy
        if len(idx) != len(probs) or not idx:
            raise _Bad(ply, f"{where}.policy is empty or malformed")
        prev = -1
        total = 0.0
        for i, p in zip(idx, probs):
            if i <= prev or i >= len(legal):
                raise _Bad(ply, f"{where}.policy: move index {i} is out of range 0..{len(legal) - 1}, repeated "
                                f"or out of order")
            if not (p >= 0.0 and math.isfinite(p)):
                raise _Bad(ply, f"{where}.policy: probability {p!r} of move {i} is not a finite non-negative number")
            prev = i
            total += p
        if abs(total - 1.0) > POLICY_SUM_TOL:
            raise _Bad(ply, f"{where}.policy sums to {total:.6f}, not 1")
    if d.values is not None:
        if len(d.values) != n:
            raise _Bad(ply, f"{where}.values has {len(d.values)} entries for {n} seats")
        for v in d.values:
            if not (math.isfinite(v) and -1.0 - VALUE_TOL <= v <= 1.0 + VALUE_TOL):
                raise _Bad(ply, f"{where}.values: {v!r} is not within [-1, 1]")
