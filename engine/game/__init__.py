"""The RingRift rules engine: every board, 2-4 players, every phase and move type of the canonical
rules, with canonical move recording (bookkeeping moves included).

Public API::

    state = new_game("square8", 2)
    while not state.is_over:
        state = apply_move(state, random.choice(legal_moves(state)))
"""

from .api import apply_move, force_move, resolve_move
from .errors import IllegalMoveError, StateFormatError
from .geometry import BOARD_TYPES, Geometry, geometry, line_length
from .initial import new_game
from .moves import BOOKKEEPING_TYPES, MOVE_TYPES, Move
from .phases import apply_in_place, legal_moves
from .replay import GameConfig, replay
from .serialize import move_from_json, move_to_json, state_from_json, state_to_json
from .state import GameState
from .zobrist import compute_zobrist

__all__ = [
    "BOARD_TYPES", "BOOKKEEPING_TYPES", "MOVE_TYPES", "GameConfig", "GameState", "Geometry", "IllegalMoveError",
    "Move", "StateFormatError", "apply_in_place", "apply_move", "force_move", "compute_zobrist", "geometry",
    "legal_moves",
    "line_length", "move_from_json", "move_to_json", "new_game", "replay", "resolve_move", "state_from_json",
    "state_to_json",
]
