"""Replaying a recorded game move by move."""

from __future__ import annotations

from dataclasses import dataclass

from .api import apply_move
from .errors import IllegalMoveError
from .initial import new_game
from .moves import Move
from .state import GameState


@dataclass(frozen=True, slots=True)
class GameConfig:
    """What a recorded game starts from: the standard empty setup of a board and player count."""

    board: str
    num_players: int
    swap_rule: bool = False

    def initial_state(self) -> GameState:
        return new_game(self.board, self.num_players, swap_rule=self.swap_rule)


def replay(initial: GameConfig | GameState, moves: list[Move]) -> list[GameState]:
    """Every state of a game: the initial one, then the state after each move.

    Each move is validated; an illegal one raises IllegalMoveError naming its index.
    """
    state = initial.initial_state() if isinstance(initial, GameConfig) else initial
    states = [state]
    for i, move in enumerate(moves):
        try:
            state = apply_move(state, move)
        except IllegalMoveError as e:
            raise IllegalMoveError(f"move {i} ({move}): {e}") from None
        states.append(state)
    return states
