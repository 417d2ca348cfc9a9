"""The heuristic player: one-ply lookahead over a linear evaluator of hand-made features.

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
still to act (e.g. the movement after a placement); measured slower (~2,000 moves/s) and no stronger. ``last_stats``
then lists only the moves looked ahead on (``legal_count`` keeps the full count).

Stats: the policy is a softmax of the scores (temperature ``params.temperature``); the root value
per seat is ``tanh(relative score / params.value_scale)`` of the chosen move's position (seat 0 =
the player to act, then turn order; see ``base.py``).

Profiles: ``engine/players/profiles/<name>.json`` = ``{"version": ..., "weights": {feature: w},
"params": {...}}``; every weight must name a feature of ``features.FEATURES`` (missing ones are 0),
every param one of ``DEFAULT_PARAMS``; anything else is a ``ProfileError`` naming the file and key.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from engine.game import GameState, Move, apply_in_place, legal_moves
from engine.game.moves import PLACE_RING
from engine.game.state import COMPLETED

from .base import Player, SearchStats, seat_players
from .features import FEATURES, WIN_SCORE, player_scores

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "heuristic_v1"
DEFAULT_PARAMS = {"placement_top_k": 8, "turn_depth": 0, "temperature": 1.0, "value_scale": 10.0,
                  "place_on_enemy": 1.0, "place_on_own": 0.3, "place_count": 0.2, "place_centre": 0.1}


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
        self._centre: dict = {}

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


def _centre_distance(geom) -> list[float]:
    coords = geom.coords
    if geom.is_hex:
        return [max(abs(v) for v in c) for c in coords]
    mid = (geom.size - 1) / 2
    return [max(abs(c[0] - mid), abs(c[1] - mid)) for c in coords]
