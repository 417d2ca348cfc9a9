"""New games: the empty board, hands full, thresholds per board and player count (RR-CANON-R061/R062)."""

from __future__ import annotations

from .geometry import RINGS_PER_PLAYER, Geometry, geometry, line_length
from .state import ACTIVE, RING_PLACEMENT, GameState

LPS_ROUNDS_REQUIRED = 3


def ring_elimination_threshold(rings_per_player: int, num_players: int) -> int:
    """round(ringsPerPlayer * (2/3 + (N-1)/3)) = round(ringsPerPlayer * (N+1) / 3), half up."""
    return (rings_per_player * (num_players + 1) * 2 + 3) // 6


def territory_threshold(num_cells: int, num_players: int) -> int:
    """floor(cells / N) + 1 (v2 territoryVictoryMinimum)."""
    return num_cells // num_players + 1


def empty_state(geom: Geometry, num_players: int, rings_per_player: int) -> GameState:
    """A state with an empty board and every counter at zero; callers fill in hands and thresholds."""
    n, np1 = geom.num_cells, num_players + 1
    s = GameState.__new__(GameState)
    s.geom = geom
    s.num_players = num_players
    s.stacks = [None] * n
    s.occ = [0] * n
    s.markers = [0] * n
    s.collapsed = [0] * n
    s.rings_in_hand = [0] * np1
    s.eliminated = [0] * np1
    s.territory = [0] * np1
    s.lost = [0] * np1
    s.board_rings = [0] * np1
    s.coll_count = [0] * np1
    s.sbb = 0
    s.cbb = 0
    s.kbb = [0] * np1
    s.mbb = [0] * np1
    s._regions = None
    s.current_player = 1
    s.phase = RING_PLACEMENT
    s.status = ACTIVE
    s.winner = None
    s.victory_reason = None
    s.rings_per_player = rings_per_player
    s.victory_threshold = ring_elimination_threshold(rings_per_player, num_players)
    s.territory_threshold = territory_threshold(n, num_players)
    s.line_length = line_length(geom.board_type, num_players)
    s.lps_rounds_required = LPS_ROUNDS_REQUIRED
    s.early_lps = False
    s.swap_rule = False
    s.total_eliminated = 0
    s.reset_turn()
    s.swap_offered = False
    s.history = None
    s.move_count = 0
    s.gone_at = [-1] * np1
    s.lps_first = 0
    s.lps_mask = [None] * np1
    s.lps_candidate = 0
    s.lps_count = 0
    s.zboard = 0
    s.stalemate_scores = None
    s.game_id = ""
    s._legal = None
    return s


def new_game(board: str, num_players: int, *, swap_rule: bool = False, rings_per_player: int | None = None,
             lps_rounds_required: int = LPS_ROUNDS_REQUIRED, early_lps: bool = False,
             game_id: str = "") -> GameState:
    """The initial state of a game: empty board, seat 1 to place, every hand full."""
    if num_players not in (2, 3, 4):
        raise ValueError(f"num_players must be 2, 3 or 4, got {num_players!r}")
    geom = geometry(board)
    rpp = RINGS_PER_PLAYER[board] if rings_per_player is None else int(rings_per_player)
    s = empty_state(geom, num_players, rpp)
    for p in range(1, num_players + 1):
        s.rings_in_hand[p] = rpp
    s.swap_rule = bool(swap_rule) and num_players == 2
    s.swap_offered = s.swap_rule
    s.lps_rounds_required = lps_rounds_required
    s.early_lps = bool(early_lps)
    s.game_id = game_id
    return s
