"""The game state: flat per-cell arrays indexed by cell id, plus per-player counters.

A ``GameState`` is treated as immutable by the public API (``apply_move`` returns a new one);
the engine mutates a private clone in place, which is also the fast path for search.

Layout (all lists indexed by cell id unless said otherwise):
  stacks[c]      None, or a tuple of ring owners *bottom-first* (``rings[-1]`` is the top ring).
  occ[c]         occupancy, the one lookup the ray walks need: -1 collapsed, 0 free (empty or a
                 marker), k > 0 a stack whose cap height is k.
  markers[c]     0, or the marker's owner.
  collapsed[c]   0, or the owner of the collapsed (territory) cell.
  rings_in_hand[p], eliminated[p] (rings credited to p as the eliminator), territory[p]
  (territorySpaces counter), lost[p] (rings *of colour* p eliminated by anyone), board_rings[p]
  (rings of colour p on the board), coll_count[p] (collapsed cells owned by p):
                 lists indexed by player number, entry 0 unused.
  sbb, cbb       bitboards (see Geometry.bit) of the cells holding a stack / collapsed;
  kbb[p], mbb[p] bitboards of p's controlled stacks / p's markers.
The counters, the bitboards and ``zboard`` (the board part of the Zobrist hash) are kept in step
by the mutation primitives in ``board.py``; nothing else writes the per-cell lists.
"""

from __future__ import annotations

from .geometry import Geometry, bit_cells
from .moves import Move

# Phases (canonical wire names).
RING_PLACEMENT = "ring_placement"
MOVEMENT = "movement"
CAPTURE = "capture"
CHAIN_CAPTURE = "chain_capture"
LINE_PROCESSING = "line_processing"
TERRITORY_PROCESSING = "territory_processing"
FORCED_ELIMINATION = "forced_elimination"
GAME_OVER = "game_over"
PHASES = (RING_PLACEMENT, MOVEMENT, CAPTURE, CHAIN_CAPTURE, LINE_PROCESSING, TERRITORY_PROCESSING,
          FORCED_ELIMINATION, GAME_OVER)

ACTIVE = "active"
COMPLETED = "completed"

# How a game ended (victory reasons).
RING_ELIMINATION = "ring_elimination"
TERRITORY_CONTROL = "territory_control"
LAST_PLAYER_STANDING = "last_player_standing"
STALEMATE = "stalemate"


class GameState:
    __slots__ = (
        "geom", "num_players", "stacks", "occ", "markers", "collapsed",
        "rings_in_hand", "eliminated", "territory", "lost", "board_rings", "coll_count",
        "sbb", "cbb", "kbb", "mbb", "_regions",
        "current_player", "phase", "status", "winner", "victory_reason",
        "rings_per_player", "victory_threshold", "territory_threshold", "line_length",
        "lps_rounds_required", "early_lps", "swap_rule",
        "total_eliminated", "must_move_from", "chain_pos", "pending_line_reward",
        "pending_region", "pending_context",
        "turn_changed", "turn_recovery", "turn_moves", "swap_offered",
        "history", "move_count", "gone_at",
        "lps_first", "lps_mask", "lps_candidate", "lps_count",
        "zboard", "stalemate_scores", "game_id", "_legal",
    )

    geom: Geometry
    num_players: int
    stacks: list
    occ: list  # -1 collapsed, 0 free, k > 0 a stack with cap height k
    markers: list
    collapsed: list
    rings_in_hand: list
    eliminated: list
    territory: list
    lost: list
    board_rings: list
    coll_count: list
    sbb: int
    cbb: int
    kbb: list
    mbb: list
    _regions: tuple | None  # (zboard, find_regions result) cache
    current_player: int
    phase: str
    status: str
    winner: int | None
    victory_reason: str | None
    rings_per_player: int
    victory_threshold: int
    territory_threshold: int
    line_length: int
    lps_rounds_required: int
    early_lps: bool  # the reference engines' immediate last-player-standing shortcut (docs/RULES.md)
    swap_rule: bool
    total_eliminated: int
    must_move_from: int  # cell id, -1 = none
    chain_pos: int  # capturing stack's cell in capture / chain_capture phases, -1 = none
    pending_line_reward: bool
    pending_region: frozenset | None  # cells of the region just processed: self-elimination owed outside it
    pending_context: str | None  # "territory" or "recovery" while pending_region is set
    turn_changed: bool  # the current player has changed the board this turn
    turn_recovery: bool  # a recovery_slide was made this turn
    turn_moves: int  # moves the current player has made this turn
    swap_offered: bool  # swap_sides is still available (2p, rule enabled, not yet used or declined)
    history: tuple | None  # persistent list: (move, previous) or None
    move_count: int
    gone_at: list  # per player: move_count at which the player lost its last ring, -1 = never
    lps_first: int  # first tracked player of the current LPS round, 0 = none
    lps_mask: list  # per player: had a real action at its last tracked turn start (None = not seen)
    lps_candidate: int  # player with the running exclusive-round streak, 0 = none
    lps_count: int  # consecutive exclusive rounds of lps_candidate
    zboard: int  # Zobrist hash of the board contents, updated incrementally
    stalemate_scores: list | None  # eliminated counts including converted hands, set at stalemate
    game_id: str
    _legal: list | None  # cache of legal_moves(self)

    # -- public read API -------------------------------------------------------------------
    @property
    def board_type(self) -> str:
        return self.geom.board_type

    @property
    def is_over(self) -> bool:
        return self.status == COMPLETED

    @property
    def moves(self) -> list[Move]:
        """The move history, oldest first."""
        out = []
        node = self.history
        while node is not None:
            out.append(node[0])
            node = node[1]
        out.reverse()
        return out

    @property
    def last_move(self) -> Move | None:
        return None if self.history is None else self.history[0]

    @property
    def zobrist(self) -> int:
        """64-bit position hash: the incremental board hash mixed with the turn context."""
        from .zobrist import context_hash
        return self.zboard ^ context_hash(self)

    def stack_at(self, cell: int) -> tuple[int, ...] | None:
        return self.stacks[cell]

    def s_invariant(self) -> int:
        """S = markers + collapsed cells + total eliminated rings (RR-CANON-R191)."""
        return sum(b.bit_count() for b in self.mbb) + sum(self.coll_count) + self.total_eliminated

    def controlled_cells(self, player: int) -> list[int]:
        """Cells of the stacks ``player`` controls, in cell order."""
        return bit_cells(self.kbb[player], self.geom.pos_cell)

    def marker_cells(self, player: int) -> list[int]:
        """Cells holding ``player``'s markers, in cell order."""
        return bit_cells(self.mbb[player], self.geom.pos_cell)

    def ranking(self) -> list[int]:
        """Competition rank per seat (index 0 = seat 1): winner 1, then R175-R179 order."""
        from .victory import ranking
        return ranking(self)

    def reset_turn(self) -> None:
        """Clear what belongs to one turn (must-move cell, chain, owed decisions, turn flags)."""
        self.must_move_from = -1
        self.chain_pos = -1
        self.pending_line_reward = False
        self.pending_region = None
        self.pending_context = None
        self.turn_changed = False
        self.turn_recovery = False
        self.turn_moves = 0

    # -- copying -----------------------------------------------------------------------------
    def clone(self) -> GameState:
        """An independent copy (cells and counters copied; immutable parts shared)."""
        new = GameState.__new__(GameState)
        new.geom = self.geom
        new.num_players = self.num_players
        new.current_player = self.current_player
        new.phase = self.phase
        new.status = self.status
        new.winner = self.winner
        new.victory_reason = self.victory_reason
        new.rings_per_player = self.rings_per_player
        new.victory_threshold = self.victory_threshold
        new.territory_threshold = self.territory_threshold
        new.line_length = self.line_length
        new.lps_rounds_required = self.lps_rounds_required
        new.early_lps = self.early_lps
        new.swap_rule = self.swap_rule
        new.total_eliminated = self.total_eliminated
        new.must_move_from = self.must_move_from
        new.chain_pos = self.chain_pos
        new.pending_line_reward = self.pending_line_reward
        new.pending_region = self.pending_region
        new.pending_context = self.pending_context
        new.turn_changed = self.turn_changed
        new.turn_recovery = self.turn_recovery
        new.turn_moves = self.turn_moves
        new.swap_offered = self.swap_offered
        new.history = self.history
        new.move_count = self.move_count
        new.lps_first = self.lps_first
        new.lps_candidate = self.lps_candidate
        new.lps_count = self.lps_count
        new.zboard = self.zboard
        new.game_id = self.game_id
        new.sbb = self.sbb
        new.cbb = self.cbb
        new._regions = self._regions
        new.stacks = self.stacks[:]
        new.occ = self.occ[:]
        new.markers = self.markers[:]
        new.collapsed = self.collapsed[:]
        new.rings_in_hand = self.rings_in_hand[:]
        new.eliminated = self.eliminated[:]
        new.territory = self.territory[:]
        new.lost = self.lost[:]
        new.board_rings = self.board_rings[:]
        new.coll_count = self.coll_count[:]
        new.gone_at = self.gone_at[:]
        new.lps_mask = self.lps_mask[:]
        new.kbb = self.kbb[:]
        new.mbb = self.mbb[:]
        new.stalemate_scores = None if self.stalemate_scores is None else self.stalemate_scores[:]
        new._legal = None
        return new

    def __repr__(self) -> str:
        return (f"<GameState {self.geom.board_type} {self.num_players}p move {self.move_count} "
                f"p{self.current_player} {self.phase} {self.status}>")

