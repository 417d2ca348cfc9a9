"""The raw policy player: the legal move the evaluator's policy ranks highest, no search.

    player = PolicyPlayer(NetworkEvaluator.from_checkpoint("ckpt/model"))
    move = player.choose(state)

It measures what the network has learned apart from what search adds on top: one evaluation per
decision, the move with the largest prior (for a ``NetworkEvaluator`` the priors are the softmax of
the logits restricted to the legal moves, so this is the legal move with the highest policy
logit). Ties go to the first move in ``legal_moves`` order, so the player is deterministic; the
ladder varies its games through shared random openings instead.

``search(state)`` yields the root once, so ``play_lockstep`` batches the positions of every game in
flight into one forward pass, exactly as it does for the search players.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.game import GameState, Move, legal_moves

from .base import Player, SearchStats
from .evaluator import Evaluator


@dataclass(frozen=True)
class _Root:
    """The one position a decision asks the evaluator about (what ``play_lockstep`` reads)."""

    state: GameState
    moves: Sequence[Move]


class PolicyPlayer(Player):
    """Arg-max of the evaluator's priors over the legal moves. Stats: the priors, the evaluator's
    seat values, one position evaluated."""

    kind = "policy"

    def __init__(self, evaluator: Evaluator, seed: int = 0, name: str | None = None) -> None:
        super().__init__(seed, name)
        if evaluator is None:
            raise ValueError("PolicyPlayer needs an evaluator (a network)")
        self.evaluator = evaluator

    def spec(self) -> dict:
        ev = getattr(self.evaluator, "spec", None)
        return {"kind": self.kind, "name": self.name, "seed": self.seed,
                "evaluator": ev() if callable(ev) else type(self.evaluator).__name__}

    def _pick(self, moves: list[Move], evaluation) -> Move:
        priors, values = evaluation
        if len(priors) != len(moves):
            raise ValueError(f"evaluator gave {len(priors)} priors for {len(moves)} legal moves")
        best = max(range(len(moves)), key=lambda i: (priors[i], -i))
        self.last_stats = SearchStats(moves=tuple(moves), policy=tuple(float(p) for p in priors),
                                      values=tuple(values), chosen=best, legal_count=len(moves), evaluated=1)
        return moves[best]

    def choose(self, state: GameState) -> Move:
        moves = legal_moves(state)
        if not moves:
            raise ValueError(f"no legal move in {state!r}")
        return self._pick(moves, self.evaluator.evaluate([state], [moves])[0])

    def search(self, state: GameState):
        moves = legal_moves(state)
        if not moves:
            raise ValueError(f"no legal move in {state!r}")
        reply = yield [_Root(state, moves)]
        return self._pick(moves, reply[0])
