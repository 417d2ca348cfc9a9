"""The heuristic player: one-ply lookahead over a linear evaluator of hand-made features, plus (profile
heuristic_v2) a short search for region grabs that win the game this turn.

For each candidate move the player applies it to a clone (``apply_in_place``) and scores the
resulting position with ``features.player_scores`` from its own point of view: its score minus the
best opponent's (the plain difference with 2 players). A move that wins the game on the spot
scores ``WIN_SCORE`` and is taken at once. The best score wins; exact ties are broken by the
player's seeded ``random.Random``, so a game is deterministic given the seeds.

Placement pruning (speed): the placement phase offers up to ~190 moves on square8. Placements are
first ranked by a cheap static score (no clone, no lookahead: see ``_placement_static``; ties by
the rng), and only the best ``placement_top_k`` (profile ``params``, default 8) are looked ahead;
the other moves of the phase (skip_placement, swap_sides) are always looked ahead. Optional
``params.turn_depth`` (default 0) also looks that many decisions further while the same player is
still to act (e.g. the movement after a placement); measured with v1's weights slower (~2,000 moves/s)
and no stronger, with v2's about one point of win rate stronger but under 2,000 moves/s, so both leave
it at 0. ``last_stats`` then lists only the moves looked ahead on (``legal_count`` keeps the full count).

Region grabs (``params.grab_nodes`` > 0; profile heuristic_v2). Processing a disconnected region
removes every ring inside it (credited to the processor) and collapses its cells to the processor,
so one move that walls all of a player's stacks off from a big part of the board usually wins the
game on the spot; these grabs decide most games against ``random`` (heuristic_v1 lost 5% of its
games to grabs that ``random`` stumbled on). At the first decision of its turn the player therefore
searches the rest of its turn (a 1-ring placement or none, one move, at most ``grab_chain`` further
capture segments) for a sequence after which it can process a region that wins at once; if it finds
one it plays it out move by move (each later step only while the position is the one it planned
for). The search is depth-first over real engine moves, tries at most ``grab_nodes`` of them
(cloned and applied), and stays on sequences that can end walled in: a placement on or next to a
"pocket" cell (at most two territory neighbours that are not its own walls), a final landing on a
pocket cell, intermediate landings only where a capture can follow. It only adds moves that win;
everything else is the one-ply choice above. Deterministic (no randomness), like the rest.

Stats: the policy is a softmax of the scores (temperature ``params.temperature``); the root value
per seat is ``tanh(relative score / params.value_scale)`` of the chosen move's position (seat 0 =
the player to act, then turn order; see ``base.py``). A move of a found grab reports only itself
(policy 1, values +1 for the player and -1 for the others, ``evaluated`` = positions searched).

Profiles: ``engine/players/profiles/<name>.json`` = ``{"version": ..., "weights": {feature: w},
"params": {...}}``; every weight must name a feature of ``features.FEATURES`` (missing ones are 0),
every param one of ``DEFAULT_PARAMS``; anything else is a ``ProfileError`` naming the file and key.
``heuristic_v1`` (``DEFAULT_PROFILE``: what ``HeuristicPlayer()``, ``make_player(PlayerSpec("heuristic"))`` and
``HeuristicEvaluator()`` get) has no region weights and no grab search; ``heuristic_v2`` adds both
and is the profile ``bench/players.py`` measures (square8 2p against random: 98% of 2,000 games over
10 seeds against v1's 94%, at about 3,300 instead of 11,000 moves/s heuristic vs heuristic). Its
heuristic-vs-heuristic games are also much shorter (about 34 moves instead of 114), which is why it
is not yet the default: self-play bootstrap sizes and recorded profile names elsewhere assume v1.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from engine.game import GameState, Move, apply_in_place, legal_moves
from engine.game.moves import (
    CONTINUE_CAPTURE_SEGMENT,
    MOVE_STACK,
    OVERTAKING_CAPTURE,
    PLACE_RING,
    RECOVERY_SLIDE,
    SKIP_CAPTURE,
    SKIP_PLACEMENT,
)
from engine.game.state import CAPTURE, CHAIN_CAPTURE, COMPLETED, MOVEMENT, RING_PLACEMENT
from engine.game.territory import components, processable_regions

from .base import Player, SearchStats, seat_players
from .features import FEATURES, WIN_SCORE, player_scores

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "heuristic_v1"  # heuristic_v2 is stronger; see "Profiles" above
DEFAULT_PARAMS = {"placement_top_k": 8, "turn_depth": 0, "temperature": 1.0, "value_scale": 10.0,
                  "place_on_enemy": 1.0, "place_on_own": 0.3, "place_count": 0.2, "place_centre": 0.1,
                  "grab_nodes": 0, "grab_chain": 2}
GRAB_STARTS = 11  # first moves of the grab search (1-ring placements near pocket cells, skip_placement)
_GRAB_MOVES = (MOVE_STACK, OVERTAKING_CAPTURE, CONTINUE_CAPTURE_SEGMENT, RECOVERY_SLIDE)


class ProfileError(ValueError):
    """A heuristic profile that cannot be used (unknown file, bad JSON, unknown key, bad value)."""


def load_profile(name_or_path: str | Path = DEFAULT_PROFILE) -> dict:
    """Load a profile by name (``profiles/<name>.json``) or by path. Returns
    ``{"version", "weights" (full dict over FEATURES), "params" (full dict), "path"}``."""
    p = Path(name_or_path)
    if p.suffix != ".json":
        p = PROFILE_DIR / f"{name_or_path}.json"
    if not p.is_file():
        known = sorted(f.stem for f in PROFILE_DIR.glob("*.json"))
        raise ProfileError(f"heuristic profile {str(name_or_path)!r} not found ({p}); known: {known}")
    try:
        data = json.loads(p.read_text())
    except json.JSONDecodeError as e:
        raise ProfileError(f"{p}: invalid JSON: {e}") from e
    if not isinstance(data, dict):
        raise ProfileError(f"{p}: expected a JSON object")
    for key in data:
        if key not in ("version", "weights", "params", "description"):
            raise ProfileError(f"{p}: unknown top-level key {key!r}")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise ProfileError(f"{p}: missing or empty 'version'")
    raw = data.get("weights")
    if not isinstance(raw, dict):
        raise ProfileError(f"{p}: 'weights' must be an object of feature -> number")
    weights = dict.fromkeys(FEATURES, 0.0)
    for key, value in raw.items():
        if key not in weights:
            raise ProfileError(f"{p}: unknown feature {key!r} in 'weights' (known: {', '.join(FEATURES)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(f"{p}: weight {key!r} must be a number, got {value!r}")
        weights[key] = float(value)
    params = dict(DEFAULT_PARAMS)
    for key, value in (data.get("params") or {}).items():
        if key not in params:
            raise ProfileError(f"{p}: unknown param {key!r} in 'params' (known: {', '.join(DEFAULT_PARAMS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProfileError(f"{p}: param {key!r} must be a number, got {value!r}")
        params[key] = value
    if int(params["placement_top_k"]) < 1 or params["temperature"] <= 0 or params["value_scale"] <= 0:
        raise ProfileError(f"{p}: params need placement_top_k >= 1, temperature > 0, value_scale > 0")
    if params["grab_nodes"] < 0 or params["grab_chain"] < 0:
        raise ProfileError(f"{p}: params need grab_nodes >= 0, grab_chain >= 0")
    return {"version": version, "weights": weights, "params": params, "path": str(p)}


class HeuristicPlayer(Player):
    kind = "heuristic"

    def __init__(self, seed: int = 0, profile: str | Path | dict = DEFAULT_PROFILE, name: str | None = None) -> None:
        super().__init__(seed, name)
        prof = profile if isinstance(profile, dict) else load_profile(profile)
        self.profile = prof
        self.version = prof["version"]
        self.weights = tuple(prof["weights"][f] for f in FEATURES)
        params = prof["params"]
        self.top_k = int(params["placement_top_k"])
        self.turn_depth = int(params["turn_depth"])
        self.temperature = float(params["temperature"])
        self.value_scale = float(params["value_scale"])
        self._place = (params["place_on_enemy"], params["place_on_own"], params["place_count"], params["place_centre"])
        self.grab_nodes = int(params["grab_nodes"])
        self.grab_chain = int(params["grab_chain"])
        self._centre: dict = {}
        self._plan: list[tuple[int, Move]] = []  # rest of a found grab: (zobrist of the position, move)

    def start_game(self, seat: int, seed: int) -> None:
        super().start_game(seat, seed)
        self._plan = []

    def spec(self) -> dict:
        return {"kind": self.kind, "name": self.name, "profile": self.version, "seed": self.seed}

    # -- evaluation -----------------------------------------------------------------------------
    def scores(self, state: GameState) -> list[float]:
        """``v[q]`` per player (index 0 unused) of ``state``."""
        return player_scores(state, self.weights)

    def evaluate(self, state: GameState, player: int | None = None) -> float:
        """``player``'s score minus the best opponent's (default: the player to act)."""
        v = player_scores(state, self.weights)
        p = state.current_player if player is None else player
        return v[p] - max(v[q] for q in range(1, len(v)) if q != p)

    # -- choosing -------------------------------------------------------------------------------
    def choose(self, state: GameState) -> Move:
        p = state.current_player
        legal = legal_moves(state)
        if not legal:
            raise ValueError(f"no legal move in {state!r}")
        if self._plan:
            z, m = self._plan[0]
            if state.zobrist == z and m in legal:
                del self._plan[0]
                return self._planned(state, m, len(legal), 1)
            self._plan = []
        phase = state.phase
        if self.grab_nodes and (phase == RING_PLACEMENT or (phase == MOVEMENT and state.must_move_from < 0)):
            plan, searched = self._find_grab(state, p, legal)
            if plan:
                steps = []
                s = state.clone()
                for m in plan:
                    steps.append((s.zobrist, m))
                    apply_in_place(s, m)
                self._plan = steps[1:]
                return self._planned(state, plan[0], len(legal), searched)
        cands = legal
        if len(legal) > self.top_k and legal[0].type == PLACE_RING:
            cands = self._prune_placements(state, p, legal)
        weights = self.weights
        rng_random = self.rng.random
        scores = []
        best = -math.inf
        best_i: list[int] = []
        best_v = None
        evaluated = 0
        for i, m in enumerate(cands):
            child = state.clone()
            apply_in_place(child, m)
            if self.turn_depth > 0:
                sc, v, e = self._turn_value(child, p, self.turn_depth)
                evaluated += e
            else:
                v = player_scores(child, weights)
                evaluated += 1
                sc = v[p] - max(v[q] for q in range(1, len(v)) if q != p)
            scores.append(sc)
            if sc > best:
                best, best_i, best_v = sc, [i], v
            elif sc == best:
                best_i.append(i)
            if sc >= WIN_SCORE:
                cands = cands[:i + 1]  # an immediate win: no need to look further
                break
        chosen = best_i[0] if len(best_i) == 1 else best_i[int(rng_random() * len(best_i))]
        self.last_stats = SearchStats(moves=tuple(cands), policy=self._softmax(scores),
                                      values=self._seat_values(best_v, p, state.num_players), chosen=chosen,
                                      legal_count=len(legal), evaluated=evaluated)
        return cands[chosen]

    def _turn_value(self, s: GameState, p: int, depth: int) -> tuple[float, list[float], int]:
        """Score of ``s`` for ``p``, looking ``depth`` more decisions ahead while ``p`` is still to act
        (the rest of its own turn: the movement after a placement, a capture after a move...).
        Bookkeeping moves of ``p`` are applied on the way. ``s`` is consumed (modified)."""
        while s.status != COMPLETED and s.current_player == p:
            legal = legal_moves(s)
            if len(legal) == 1 and legal[0].is_bookkeeping:
                apply_in_place(s, legal[0])
                continue
            if depth <= 0:
                break
            if len(legal) > self.top_k and legal[0].type == PLACE_RING:
                legal = self._prune_placements(s, p, legal)
            best = None
            total = 0
            for m in legal:
                child = s.clone()
                apply_in_place(child, m)
                sc, v, e = self._turn_value(child, p, depth - 1)
                total += e
                if best is None or sc > best[0]:
                    best = (sc, v)
                    if sc >= WIN_SCORE:
                        break
            return best[0], best[1], total
        v = player_scores(s, self.weights)
        return v[p] - max(v[q] for q in range(1, len(v)) if q != p), v, 1

    # -- region grabs -----------------------------------------------------------------------------
    def _planned(self, state: GameState, m: Move, legal_count: int, evaluated: int) -> Move:
        n = state.num_players
        self.last_stats = SearchStats(moves=(m,), policy=(1.0,), values=(1.0,) + (-1.0,) * (n - 1), chosen=0,
                                      legal_count=legal_count, evaluated=max(1, evaluated))
        return m

    def _find_grab(self, state: GameState, p: int, legal: list[Move]) -> tuple[list[Move] | None, int]:
        """A sequence of ``p``'s moves for the rest of this turn after which ``p`` can process a region
        that wins the game (see the module docstring), or None; and the number of positions tried."""
        pockets = _pocket_cells(state, p)
        if not pockets:
            return None, 0
        budget = [self.grab_nodes]
        if state.phase == RING_PLACEMENT:
            nbrs = state.geom.territory_nbrs
            index = state.geom.index
            near = set(pockets)
            for q in pockets:
                near.update(nbrs[q])
            starts = [m for m in legal
                      if m.type == SKIP_PLACEMENT or (m.type == PLACE_RING and m.count == 1 and index[m.to] in near)]
            for m in starts[:GRAB_STARTS]:
                if budget[0] <= 0:
                    break
                a = state.clone()
                apply_in_place(a, m)
                if a.status == COMPLETED or a.current_player != p or a.phase != MOVEMENT:
                    continue
                plan = self._grab_dfs(a, p, self.grab_chain, pockets, [m], budget)
                if plan:
                    return plan, self.grab_nodes - budget[0]
        else:
            plan = self._grab_dfs(state, p, self.grab_chain, pockets, [], budget)
            if plan:
                return plan, self.grab_nodes - budget[0]
        return None, self.grab_nodes - budget[0]

    def _grab_dfs(self, s: GameState, p: int, depth: int, pockets: set, path: list, budget: list) -> list | None:
        index = s.geom.index
        for r in legal_moves(s):
            if r.type not in _GRAB_MOVES:
                continue
            land = index[r.to]
            final = land in pockets
            if not final:
                if depth <= 0 or r.type == RECOVERY_SLIDE:
                    continue
                f = index[r.from_]
                height = len(s.stacks[f]) + (0 if r.type == MOVE_STACK else 1)
                if not _can_capture_after(s, f, land, height, s.occ[f]):
                    continue  # a landing that can neither end walled in nor go on capturing
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            c = s.clone()
            apply_in_place(c, r)
            if c.status == COMPLETED:
                if c.winner == p:
                    return path + [r]
                continue
            if final and c.phase != CHAIN_CAPTURE and _region_win(c, p):
                return path + [r] + ([Move(SKIP_CAPTURE, p)] if c.phase == CAPTURE else [])
            if depth > 0 and c.current_player == p and c.phase in (CAPTURE, CHAIN_CAPTURE):
                plan = self._grab_dfs(c, p, depth - 1, pockets, path + [r], budget)
                if plan:
                    return plan
        return None

    def _softmax(self, scores: list[float]) -> tuple[float, ...]:
        t = self.temperature
        top = max(scores)
        ex = [math.exp((s - top) / t) for s in scores]
        z = sum(ex)
        return tuple(e / z for e in ex)

    def _seat_values(self, v: list[float], p: int, n: int) -> tuple[float, ...]:
        out = []
        scale = self.value_scale
        for q in seat_players(p, n):
            rel = v[q] - max(v[r] for r in range(1, n + 1) if r != q)
            out.append(1.0 if rel >= WIN_SCORE else -1.0 if rel <= -WIN_SCORE else math.tanh(rel / scale))
        return tuple(out)

    # -- placement pruning ----------------------------------------------------------------------
    def _centrality(self, state: GameState) -> list[float]:
        geom = state.geom
        table = self._centre.get(geom)
        if table is None:
            dist = _centre_distance(geom)
            far = max(dist) or 1
            table = self._centre[geom] = [1.0 - d / far for d in dist]
        return table

    def _placement_static(self, state: GameState, p: int, m: Move, centre: list[float]) -> float:
        on_enemy, on_own, per_ring, w_centre = self._place
        c = state.geom.index[m.to]
        rings = state.stacks[c]
        score = w_centre * centre[c]
        if rings is None:
            return score + per_ring * m.count
        if rings[-1] == p:
            return score + on_own
        return score + on_enemy * len(rings)

    def _prune_placements(self, state: GameState, p: int, legal: list[Move]) -> list[Move]:
        centre = self._centrality(state)
        rnd = self.rng.random
        ranked = []
        others = []
        for m in legal:
            if m.type == PLACE_RING:
                ranked.append((self._placement_static(state, p, m, centre) + 1e-6 * rnd(), m))
            else:
                others.append(m)
        ranked.sort(key=lambda t: -t[0])
        return [m for _, m in ranked[:self.top_k]] + others


def _can_capture_after(s: GameState, frm: int, at: int, height: int, cap: int) -> bool:
    """``capture.can_capture`` for a stack of ``height`` / ``cap`` that has moved from ``frm`` to ``at``:
    the same ray walk on the current board with ``frm`` taken as empty (its own old cell is no target)."""
    occ = s.occ
    for ray in s.geom.rays[at]:
        i = 0
        for c in ray:
            i += 1
            o = occ[c] if c != frm else 0
            if o:
                if 0 < o <= cap:
                    for c2 in ray[i:]:
                        if c2 != frm and occ[c2]:
                            break
                        i += 1
                        if i >= height:
                            return True
                break
    return False


def _pocket_cells(s: GameState, p: int) -> set[int]:
    """Cells not collapsed with at most two territory neighbours that are not ``p``'s walls (collapsed
    cells, ``p``'s markers; the board edge has no neighbour): where a grab's last landing can end."""
    walls = s.cbb | s.mbb[p]
    bit = s.geom.bit
    occ = s.occ
    out = set()
    for q, ns in enumerate(s.geom.territory_nbrs):
        if occ[q] < 0:
            continue
        free = 0
        for x in ns:
            if not walls & bit[x]:
                free += 1
        if free <= 2:
            out.add(q)
    return out


def _region_win(s: GameState, p: int) -> bool:
    """Whether ``p`` can now process a region that wins at once (ring-elimination or territory threshold).

    Same regions as ``territory.find_regions`` (components of the board with collapsed cells and one
    colour's markers as walls, or with collapsed cells only and one controller), walked without building
    them, stopping at the first winning one; the border markers a region also collapses are not counted."""
    if s.turn_recovery:  # recovery context: paid from buried rings, leave it to the engine's test
        regions = processable_regions(s, p)
        return any(_wins_with(s, p, r.bb) for r in regions)
    kp = s.kbb[p]
    if not kp:
        return False
    n = s.num_players
    n_active = sum(1 for q in range(1, n + 1) if s.board_rings[q] > 0)
    holders = [s.kbb[q] for q in range(1, n + 1) if s.kbb[q]]
    geom = s.geom
    open_all = geom.valid_bb & ~s.cbb
    for colour in range(1, n + 1):
        mb = s.mbb[colour]
        if mb:
            for comp in components(geom, open_all & ~mb):
                if kp & ~comp and sum(1 for k in holders if comp & k) < n_active and _wins_with(s, p, comp):
                    return True
    if n_active > 1:
        for comp in components(geom, open_all):
            if kp & ~comp and sum(1 for k in holders if comp & k) == 1 and _wins_with(s, p, comp):
                return True
    return False


def _wins_with(s: GameState, p: int, region: int) -> bool:
    """Whether processing the cells ``region`` (a bitboard) would lift ``p`` over a victory threshold."""
    cells = s.coll_count[p] + region.bit_count()
    if cells >= s.territory_threshold and cells > sum(s.coll_count[q] for q in range(1, s.num_players + 1) if q != p):
        return True
    need = s.victory_threshold - s.eliminated[p]
    stacks, pos_cell = s.stacks, s.geom.pos_cell
    inside = region & s.sbb
    while inside and need > 0:
        low = inside & -inside
        inside ^= low
        need -= len(stacks[pos_cell[low.bit_length() - 1]])
    return need <= 0


def _centre_distance(geom) -> list[float]:
    coords = geom.coords
    if geom.is_hex:
        return [max(abs(v) for v in c) for c in coords]
    mid = (geom.size - 1) / 2
    return [max(abs(c[0] - mid), abs(c[1] - mid)) for c in coords]
