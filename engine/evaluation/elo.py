"""Elo ratings from match records: Bradley-Terry by maximum a posteriori, with a seat-1 advantage.

    from engine.evaluation import get_elo_service
    elo = get_elo_service()
    table = elo.ratings("square8_2p", records)        # RatingTable, random pinned at 0 Elo
    for r in table: print(r.label, round(r.elo), "+-", round(r.stderr))
    elo.expected_score(table[a].elo, table[b].elo)

The model (docs/EVALUATION.md has the derivation):

* Every game is cut into pairwise comparisons: for each pair of seats held by *different* specs,
  the better competition rank scores 1, an equal rank 1/2 (a draw counts as half a win; a move-capped
  game ranks everyone 1, so it is a draw between all), the worse 0. Each comparison of an
  ``n``-player game has weight ``1 / (n - 1)``, so every player's comparisons in one game weigh 1 in
  total, as a two-player game does: a 4-player game is not six games, and a player meeting three
  opponents in it is not counted three times.
* ``P(i scores against j) = 1 / (1 + 10^(-(R_i - R_j + h [i in seat 1] - h [j in seat 1]) / 400))``
  with one first-player (seat 1) advantage ``h`` estimated jointly (only comparisons involving seat
  1 carry it).
* Log posterior = weighted Bernoulli log-likelihood of the comparisons (fractional scores allowed)
  + ``prior_draws`` virtual draws (no seat advantage) between every two players that met (so a
  player that won every game gets a finite rating, pulled towards its opponents, not towards 0)
  + a Gaussian N(0, ``prior_sd``^2) on ``h`` and on the ratings of players in a part of the game
  graph without an anchor (which centres such a part at 0 mean; elsewhere it is not used).
* Anchors: ``{spec_id: elo}`` pinned (default: the uniform random player at 0); every other rating
  and its standard error is relative to them.
* Newton's method with a backtracking line search on the concave log posterior; standard errors
  are the square roots of the diagonal of the inverse of the negative Hessian (the observed
  Fisher information plus the prior terms) at the maximum.

Records are scoped by ``config_key``: ``fit_ratings`` and ``EloService.ratings`` refuse records of
another config (a ``ValueError``), ``ratings_by_config`` groups them. Records with an already seen
``match_id`` are dropped (a conflicting duplicate is an error).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.config import EloSettings
from engine.players.spec import RANDOM_SPEC_ID, PlayerSpec

from .records import MatchRecord
from .stats import ELO_SCALE, Z95
from .stats import elo_from_score as _elo_from_score
from .stats import expected_score as _expected_score

if TYPE_CHECKING:
    from .trend import TrendPoint

DEFAULT_ANCHORS: Mapping[str, float] = {RANDOM_SPEC_ID: 0.0}


@dataclass(frozen=True)
class Rating:
    """One player's rating in one config.

    elo/stderr: the estimate and its standard error (0 for an anchor), in Elo relative to the
    anchors. games/wins/losses/draws: games played; a win is rank 1 with no other spec at rank 1,
    a draw rank 1 shared with another spec (move cap included), else a loss. score: the weighted
    mean pairwise score over its real comparisons (nan without any).
    """

    spec_id: str
    label: str
    elo: float
    stderr: float
    games: int
    wins: int
    losses: int
    draws: int
    score: float
    anchored: bool = False

    @property
    def ci95(self) -> tuple[float, float]:
        return (self.elo - Z95 * self.stderr, self.elo + Z95 * self.stderr)


@dataclass(frozen=True)
class RatingTable:
    """The ratings of one config, best first, with the seat-1 advantage and the fit's covariance."""

    config_key: str
    ratings: tuple[Rating, ...]
    first_player_advantage: float
    first_player_stderr: float
    games: int
    anchors: tuple[tuple[str, float], ...]
    iterations: int
    converged: bool
    covariance: Any = field(default=None, repr=False, compare=False)  # Elo^2, rows/cols in `ratings` order

    def __iter__(self):
        return iter(self.ratings)

    def __len__(self) -> int:
        return len(self.ratings)

    def __contains__(self, spec_id: object) -> bool:
        return any(r.spec_id == spec_id for r in self.ratings)

    def _pos(self, spec_id: str | PlayerSpec) -> int:
        sid = spec_id.spec_id if isinstance(spec_id, PlayerSpec) else spec_id
        for k, r in enumerate(self.ratings):
            if r.spec_id == sid:
                return k
        raise KeyError(sid)

    def __getitem__(self, spec_id: str | PlayerSpec) -> Rating:
        return self.ratings[self._pos(spec_id)]

    def get(self, spec_id: str | PlayerSpec, default: Rating | None = None) -> Rating | None:
        try:
            return self[spec_id]
        except KeyError:
            return default

    def difference(self, a: str | PlayerSpec, b: str | PlayerSpec) -> tuple[float, float]:
        """``(elo_a - elo_b, its standard error)`` using the covariance of the fit."""
        i, j = self._pos(a), self._pos(b)
        d = self.ratings[i].elo - self.ratings[j].elo
        if self.covariance is None:
            return d, math.hypot(self.ratings[i].stderr, self.ratings[j].stderr)
        c = self.covariance
        var = c[i][i] + c[j][j] - 2 * c[i][j]
        return d, math.sqrt(max(var, 0.0))

    def expected_score(self, a: str | PlayerSpec, b: str | PlayerSpec, a_seat1: bool = False,
                       b_seat1: bool = False) -> float:
        """Expected score of ``a`` against ``b`` (seat-1 advantage added to whoever is seat 1)."""
        h = self.first_player_advantage
        return _expected_score(self[a].elo - self[b].elo + h * (a_seat1 - b_seat1))

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per rating (for printing, plotting and persistence)."""
        return [{"config_key": self.config_key, "spec_id": r.spec_id, "label": r.label, "elo": r.elo,
                 "stderr": r.stderr, "games": r.games, "wins": r.wins, "losses": r.losses, "draws": r.draws,
                 "score": r.score, "anchored": r.anchored} for r in self.ratings]

    def format(self) -> str:
        """A fixed-width text table."""
        lines = [f"{self.config_key}: {self.games} games, seat-1 advantage "
                 f"{self.first_player_advantage:+.0f} +- {self.first_player_stderr:.0f} Elo",
                 f"{'player':<28} {'elo':>7} {'+-':>5} {'games':>6} {'W':>5} {'D':>4} {'L':>5}"]
        for r in self.ratings:
            se = "-" if r.anchored else f"{r.stderr:.0f}"
            lines.append(f"{r.label[:28]:<28} {r.elo:>7.0f} {se:>5} {r.games:>6} {r.wins:>5} {r.draws:>4} "
                         f"{r.losses:>5}")
        return "\n".join(lines)


# -- the fit ----------------------------------------------------------------------------------------

def dedupe_records(records: Iterable[MatchRecord]) -> list[MatchRecord]:
    """Records in order with repeated ``match_id``s dropped; a repeat with other content is a ValueError."""
    seen: dict[str, MatchRecord] = {}
    for r in records:
        prev = seen.get(r.match_id)
        if prev is None:
            seen[r.match_id] = r
        elif prev.seats != r.seats or prev.config_key != r.config_key:
            raise ValueError(f"match {r.match_id} recorded twice with different content")
    return list(seen.values())


def _labels(labels: Mapping[str, str] | Iterable[PlayerSpec] | None) -> dict[str, str]:
    out = {RANDOM_SPEC_ID: "random"}
    if labels is None:
        return out
    if isinstance(labels, Mapping):
        out.update({str(k): str(v) for k, v in labels.items()})
    else:
        for s in labels:
            out[s.spec_id] = s.name
    return out


def _log_sigmoid(x: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(_log_sigmoid(x))


def fit_ratings(records: Iterable[MatchRecord], *, config_key: str | None = None,
                anchors: Mapping[str | PlayerSpec, float] | None = None,
                labels: Mapping[str, str] | Iterable[PlayerSpec] | None = None,
                settings: EloSettings | None = None) -> RatingTable:
    """The ``RatingTable`` of one config's records (see the module doc). ``config_key`` None: the
    records' own (all must share it); given: every record must have it."""
    st = settings or EloSettings()
    recs = dedupe_records(records)
    keys = {r.config_key for r in recs}
    if config_key is None:
        if len(keys) > 1:
            raise ValueError(f"records of several configs {sorted(keys)}: use ratings_by_config")
        config_key = next(iter(keys)) if keys else ""
    elif keys - {config_key}:
        raise ValueError(f"records of {sorted(keys - {config_key})} given for config {config_key}")
    anchor_map = {(k.spec_id if isinstance(k, PlayerSpec) else str(k)): float(v)
                  for k, v in (DEFAULT_ANCHORS if anchors is None else anchors).items()}
    names = _labels(labels)

    players = sorted({s for r in recs for s in r.spec_ids})
    P = len(players)
    idx = {p: k for k, p in enumerate(players)}
    games = np.zeros(P, dtype=np.int64)
    wins = np.zeros(P, dtype=np.int64)
    draws = np.zeros(P, dtype=np.int64)
    pw = np.zeros(P)  # comparison weight per player (real games)
    ps = np.zeros(P)  # comparison score per player
    agg: dict[tuple[int, int, int], list[float]] = {}
    for r in recs:
        n = r.num_players
        w = 1.0 / (n - 1)
        seats = r.seats
        for a in range(n):
            sa, ra = seats[a]
            for b in range(a + 1, n):
                sb, rb = seats[b]
                if sa == sb:
                    continue
                y = 1.0 if ra < rb else 0.5 if ra == rb else 0.0
                i, j = idx[sa], idx[sb]
                adv = 1 if a == 0 else 0  # a < b, so only a can be seat 1
                pw[i] += w
                pw[j] += w
                ps[i] += w * y
                ps[j] += w * (1.0 - y)
                if i > j:
                    i, j, adv, y = j, i, -adv, 1.0 - y
                cell = agg.setdefault((i, j, adv), [0.0, 0.0])
                cell[0] += w
                cell[1] += w * y
        winners = r.winners
        for s in set(r.spec_ids):
            k = idx[s]
            games[k] += 1
            if s in winners:
                if len(winners) == 1:
                    wins[k] += 1
                else:
                    draws[k] += 1

    rows = [(i, j, a, w, s) for (i, j, a), (w, s) in agg.items()]
    pairs = sorted({(i, j) for i, j, _ in agg})
    if st.prior_draws > 0:
        rows += [(i, j, 0, st.prior_draws, st.prior_draws / 2) for i, j in pairs]
    I = np.array([x[0] for x in rows], dtype=np.int64)  # noqa: E741 - I, J: the formulas' index arrays
    J = np.array([x[1] for x in rows], dtype=np.int64)
    A = np.array([x[2] for x in rows], dtype=float)
    W = np.array([x[3] for x in rows], dtype=float)
    S = np.array([x[4] for x in rows], dtype=float)

    # connected parts of the game graph; a part without an anchor gets the Gaussian prior
    parent = list(range(P))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for i, j in pairs:
        parent[find(i)] = find(j)
    anchored = np.array([p in anchor_map for p in players], dtype=bool)
    part_anchored = {find(k) for k in range(P) if anchored[k]}
    gauss = np.array([find(k) not in part_anchored for k in range(P)], dtype=bool)

    use_h = bool(st.first_player_advantage) and bool(np.any(A != 0))
    free = np.flatnonzero(~anchored)
    m = len(free) + (1 if use_h else 0)
    base = np.array([anchor_map.get(p, 0.0) for p in players], dtype=float)
    c = 1.0 / ELO_SCALE
    inv_var = 1.0 / (st.prior_sd ** 2)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, float]:
        R = base.copy()
        R[free] = theta[:len(free)]
        return R, (float(theta[-1]) if use_h else 0.0)

    def objective(theta: np.ndarray) -> float:
        R, h = unpack(theta)
        x = c * (R[I] - R[J] + A * h)
        ll = float(np.sum(S * _log_sigmoid(x) + (W - S) * _log_sigmoid(-x)))
        return ll - 0.5 * inv_var * (float(np.sum(R[gauss] ** 2)) + h * h)

    def derivatives(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        R, h = unpack(theta)
        x = c * (R[I] - R[J] + A * h)
        p = _sigmoid(x)
        res = c * (S - W * p)
        d = c * c * W * p * (1.0 - p)
        g = np.bincount(I, res, P) - np.bincount(J, res, P) - inv_var * np.where(gauss, R, 0.0)
        info = np.zeros((P + 1, P + 1))
        np.add.at(info, (I, I), d)
        np.add.at(info, (J, J), d)
        np.add.at(info, (I, J), -d)
        np.add.at(info, (J, I), -d)
        info[np.arange(P), np.arange(P)] += inv_var * gauss
        gh = float(np.sum(A * res)) - inv_var * h
        hd = A * d
        np.add.at(info, (I, P), hd)
        np.add.at(info, (J, P), -hd)
        np.add.at(info, (P, I), hd)
        np.add.at(info, (P, J), -hd)
        info[P, P] = float(np.sum(A * A * d)) + inv_var
        sel = list(free) + ([P] if use_h else [])
        grad = np.concatenate([g, [gh]])[sel]
        return grad, info[np.ix_(sel, sel)]

    theta = np.zeros(m)
    converged = m == 0
    it = 0
    if m:
        f = objective(theta)
        for it in range(1, st.max_iter + 1):  # noqa: B007 - `it` is reported after the loop
            grad, info = derivatives(theta)
            try:
                step = np.linalg.solve(info, grad)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(info, grad, rcond=None)[0]
            t = 1.0
            while True:
                cand = theta + t * step
                fc = objective(cand)
                if fc >= f - 1e-12 or t < 1e-6:
                    break
                t *= 0.5
            theta, f = cand, fc
            if float(np.max(np.abs(t * step))) < st.tol:
                converged = True
                break
    cov_full = np.zeros((P + 1, P + 1))
    if m:
        _, info = derivatives(theta)
        try:
            cov = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            cov = np.linalg.pinv(info)
        sel = list(free) + ([P] if use_h else [])
        cov_full[np.ix_(sel, sel)] = cov
    R, h = unpack(theta)
    se = np.sqrt(np.clip(np.diag(cov_full), 0.0, None))

    order = sorted(range(P), key=lambda k: (-R[k], players[k]))
    ratings = tuple(Rating(spec_id=players[k], label=names.get(players[k], players[k][:12]), elo=float(R[k]),
                           stderr=float(se[k]), games=int(games[k]), wins=int(wins[k]),
                           losses=int(games[k] - wins[k] - draws[k]), draws=int(draws[k]),
                           score=float(ps[k] / pw[k]) if pw[k] > 0 else float("nan"), anchored=bool(anchored[k]))
                    for k in order)
    cov_sorted = cov_full[np.ix_(order, order)] if P else np.zeros((0, 0))
    used_anchors = tuple(sorted((p, anchor_map[p]) for p in players if p in anchor_map))
    return RatingTable(config_key=config_key, ratings=ratings, first_player_advantage=float(h),
                       first_player_stderr=float(se[P]) if use_h else 0.0, games=len(recs), anchors=used_anchors,
                       iterations=it, converged=converged, covariance=cov_sorted)


def ratings_by_config(records: Iterable[MatchRecord], **kwargs: Any) -> dict[str, RatingTable]:
    """``fit_ratings`` per config key (sorted), never mixing configs."""
    groups: dict[str, list[MatchRecord]] = {}
    for r in records:
        groups.setdefault(r.config_key, []).append(r)
    return {k: fit_ratings(groups[k], config_key=k, **kwargs) for k in sorted(groups)}


# -- the service ------------------------------------------------------------------------------------

class EloService:
    """The rating interface the pipeline uses: ratings per config, expected scores, trends.

    Stateless apart from its settings and default anchors; the records come from the caller (the
    match log), so the service is safe to share.
    """

    def __init__(self, settings: EloSettings | None = None, anchors: Mapping[str, float] | None = None) -> None:
        self.settings = settings or EloSettings()
        self.anchors: Mapping[str, float] = dict(DEFAULT_ANCHORS if anchors is None else anchors)

    def ratings(self, config_key: str, records: Iterable[MatchRecord], *,
                anchors: Mapping[str | PlayerSpec, float] | None = None,
                labels: Mapping[str, str] | Iterable[PlayerSpec] | None = None) -> RatingTable:
        """Ratings of ``config_key`` (a record of another config is a ValueError)."""
        return fit_ratings(records, config_key=config_key, anchors=self.anchors if anchors is None else anchors,
                           labels=labels, settings=self.settings)

    def ratings_by_config(self, records: Iterable[MatchRecord], *,
                          anchors: Mapping[str | PlayerSpec, float] | None = None,
                          labels: Mapping[str, str] | Iterable[PlayerSpec] | None = None) -> dict[str, RatingTable]:
        return ratings_by_config(records, anchors=self.anchors if anchors is None else anchors, labels=labels,
                                 settings=self.settings)

    @staticmethod
    def expected_score(a: float | Rating, b: float | Rating, advantage: float = 0.0) -> float:
        """Expected score of a player rated ``a`` against one rated ``b`` (Elo or ``Rating``s);
        ``advantage`` is added to ``a`` (e.g. the seat-1 advantage when ``a`` moves first)."""
        ea = a.elo if isinstance(a, Rating) else float(a)
        eb = b.elo if isinstance(b, Rating) else float(b)
        return _expected_score(ea - eb + advantage)

    @staticmethod
    def elo_difference(score: float) -> float:
        """The Elo difference whose expected score is ``score`` (inverse of ``expected_score``)."""
        return _elo_from_score(score)

    def trend(self, config_key: str, records_by_generation: Mapping[Any, Sequence[MatchRecord]], *,
              cumulative: bool = True, anchors: Mapping[str | PlayerSpec, float] | None = None,
              labels: Mapping[str, str] | Iterable[PlayerSpec] | None = None,
              track: Iterable[str | PlayerSpec] | None = None) -> list[TrendPoint]:
        """``elo_trend`` with this service's settings and anchors: one ``TrendPoint`` per generation
        and player."""
        from .trend import elo_trend

        return elo_trend(config_key, records_by_generation, cumulative=cumulative,
                         anchors=self.anchors if anchors is None else anchors, labels=labels, track=track,
                         settings=self.settings)


_SERVICE: EloService | None = None


def get_elo_service(config: Any = None) -> EloService:
    """The Elo service. Without arguments the shared default instance; with a ``ForgeConfig`` (or
    an ``evaluation`` section / ``EloSettings``) a service with those settings."""
    global _SERVICE
    if config is None:
        if _SERVICE is None:
            _SERVICE = EloService()
        return _SERVICE
    return EloService(EloSettings.from_config(config))
