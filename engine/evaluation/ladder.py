"""The strength ladder: who plays, which pairs still need games, and the table of ratings.

    roster = anchor_players(settings) + champion_players(champion_specs, policy_specs)
    plan = next_round(roster, records, settings)            # [] when done
    report = ladder_report(config_key, roster, records, timings, settings)
    print(report.format())

Pure functions over ``MatchRecord``s (``ladder_play.py`` plays the games, the command stores them).

**Players.** Fixed anchors (``anchors``: random, heuristic_v1, heuristic_v2 and PUCT search over the
heuristic evaluator at ``mcts_simulations``), then every champion of the config in generation order,
each followed (``policy``) by its raw policy network, which plays the legal move with the highest
policy logit: the gap between a champion and its own raw policy is what search adds; the rise of
the raw policies over the generations is what learning adds.

**Pairs that matter.** Players sorted by their current rating: each with the next one (adjacent in
strength order), and each champion against ``heuristic_v2`` (the bar the loop must clear). A pair
is *resolved* when the 95% interval of its rating difference (from the fit's covariance, so indirect
games count too) is at most ``target_ci`` Elo wide on each side, or when it lies wholly beyond
``separated_elo`` (the two are ordered beyond doubt; pinning a 600-Elo gap to +-50 would take
thousands of games and tells nothing; the Wilson interval of the pair's own score lying wholly beyond
the score of that gap counts too, since a perfect record leaves the fitted interval at the prior's
width however long it gets), or when the pair has had ``max_games_per_pair`` games.

**Schedule.** The first round plays ``initial_pairs`` colour-swapped blocks on a chain through every
player (the roster order, each champion against heuristic_v2, each raw policy against random), so
the fit is connected. Each later round refits, takes the ``pairs_per_round`` unresolved pairs with
the widest intervals and gives each ``round_pairs`` more blocks, until every pair is resolved or
``max_games`` games are in. A block is one game per seating of the pair (two players: the two colour
orders) from one shared random opening.

**Prior.** The fit is ``elo.py``'s with ``prior_draws`` virtual draws per pair that met (default
0.25 here, 1 in the Elo settings): a ladder is a chain of many lightly played, lopsided pairs, and a
whole virtual draw on each link pulls the chain together (on simulated ladders of 10 players the
absolute ratings came out low by 0.65 standard errors on average, RMS z 1.33; with 0.25: -0.24 and
1.17; the differences of the pairs that matter are unaffected: RMS z 1.12, 91% of their 95%
intervals cover the truth, the adaptive stopping costing a little coverage). It still keeps a player
that won every game finite.

**Match ids.** A pair's games form one run: ``run_id`` from the config, the two spec ids (sorted),
the seed and the opening settings; game ``k`` of it has ``make_match_id("ladder", run_id, k)``. A
rerun with the same settings finds the games already in the match log and continues with the next
block instead of replaying.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.config import ANCHOR_FORMS, EloSettings, LadderSettings
from engine.players.spec import PlayerSpec

from .elo import RatingTable, fit_ratings
from .play import default_run_id, rotations
from .records import MatchRecord
from .settings import parse_config_key
from .stats import Z95, expected_score, wilson_interval

SOURCE = "ladder"
ROLES = ("anchor", "champion", "policy")


@dataclass(frozen=True)
class LadderPlayer:
    """One rung: its spec, ``role`` (anchor / champion / policy) and, for the last two, the
    champion's generation (1 = the first champion)."""

    spec: PlayerSpec
    role: str = "anchor"
    generation: int | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"ladder role {self.role!r} is not one of {ROLES}")

    @property
    def spec_id(self) -> str:
        return self.spec.spec_id

    @property
    def name(self) -> str:
        return self.spec.name


def anchor_spec(word: str, settings: LadderSettings | None = None) -> PlayerSpec:
    """``random``, ``heuristic_v1`` / ``heuristic_v2`` / ``heuristic:PROFILE``, ``mcts`` (the
    settings' budget and profile) or ``mcts-N``."""
    st = settings if settings is not None else LadderSettings()
    sims, prof = st.mcts_simulations, st.mcts_profile
    w = str(word).strip()
    if w == "random":
        return PlayerSpec("random", label="random")
    if w.startswith("heuristic_"):
        return PlayerSpec("heuristic", profile=w, label=w)
    if w.startswith("heuristic:") and len(w) > len("heuristic:"):
        p = w.split(":", 1)[1]
        return PlayerSpec("heuristic", profile=p, label=p)
    if w == "mcts" or (w.startswith("mcts-") and w[5:].isdigit() and int(w[5:]) >= 1):
        n = sims if w == "mcts" else int(w[5:])
        return PlayerSpec("mcts", simulations=n, profile=prof, label=f"mcts-{n}+{prof}")
    raise ValueError(f"unknown ladder anchor {w!r} (known: {ANCHOR_FORMS})")


def anchor_players(settings: LadderSettings, words: Iterable[str] | None = None) -> list[LadderPlayer]:
    return [LadderPlayer(anchor_spec(w, settings)) for w in (settings.anchors if words is None else words)]


def champion_players(champions: Sequence[PlayerSpec], policies: Sequence[PlayerSpec | None] = ()) -> list[LadderPlayer]:
    """Champion ``g`` (1-based, in the order given) and then its raw policy ``policies[g-1]`` if any."""
    out = []
    for g, spec in enumerate(champions, start=1):
        out.append(LadderPlayer(spec, "champion", g))
        pol = policies[g - 1] if g - 1 < len(policies) else None
        if pol is not None:
            out.append(LadderPlayer(pol, "policy", g))
    return out


def unique_players(players: Iterable[LadderPlayer]) -> list[LadderPlayer]:
    seen: set[str] = set()
    out = []
    for p in players:
        if p.spec_id not in seen:
            seen.add(p.spec_id)
            out.append(p)
    return out


# -- pairs and their games ---------------------------------------------------------------------------

def pair_key(a: str | PlayerSpec | LadderPlayer, b: str | PlayerSpec | LadderPlayer) -> tuple[str, str]:
    """The two spec ids, sorted: the same pair either way round."""
    ids = sorted(x if isinstance(x, str) else x.spec_id for x in (a, b))
    return ids[0], ids[1]


def pair_run_id(config_key: str, a: PlayerSpec | LadderPlayer, b: PlayerSpec | LadderPlayer,
                settings: LadderSettings) -> str:
    """The run id of the pair's games (the match ids follow from it and the game index)."""
    return default_run_id(SOURCE, config_key, list(pair_key(a, b)), settings.seed, settings.opening_moves,
                          settings.max_moves)


def block_seatings(first: PlayerSpec, second: PlayerSpec, num_players: int) -> list[tuple[PlayerSpec, ...]]:
    """The seatings of one block, ``first`` being the pair's lower spec id: two players ``(a, b),
    (b, a)``; ``n`` players each one rotated through the seats against a field of the other."""
    if num_players == 2:
        return [(first, second), (second, first)]
    return rotations(first, second, num_players) + rotations(second, first, num_players)


def block_size(num_players: int) -> int:
    return 2 if num_players == 2 else 2 * num_players


def games_by_pair(records: Iterable[MatchRecord]) -> dict[tuple[str, str], int]:
    """Games per pair of distinct specs (a game of two specs only)."""
    return {k: g for k, (g, _) in scores_by_pair(records).items()}


def scores_by_pair(records: Iterable[MatchRecord]) -> dict[tuple[str, str], tuple[int, float]]:
    """Per pair of distinct specs: (games, total score of the pair's first spec id against the other)."""
    out: dict[tuple[str, str], tuple[int, float]] = {}
    for r in records:
        ids = set(r.spec_ids)
        if len(ids) == 2:
            k = pair_key(*ids)
            g, tot = out.get(k, (0, 0.0))
            out[k] = (g + 1, tot + (r.score(k[0], k[1]) or 0.0))
    return out


@dataclass(frozen=True)
class PairState:
    """A pair that matters: ``why`` (``adjacent`` / ``vs heuristic_v2``), its direct games, the
    rating difference ``a - b`` and the half-width of its 95% interval, and ``status``
    (``open``, ``resolved``, ``separated``, ``capped``)."""

    a: LadderPlayer
    b: LadderPlayer
    why: str
    games: int
    diff: float
    half: float
    status: str

    def to_json(self) -> dict[str, Any]:
        return {"a": self.a.name, "b": self.b.name, "why": self.why, "games": self.games,
                "diff": _r(self.diff), "ci95": _r(self.half), "status": self.status}


def _r(x: float | None, nd: int = 1) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def pairs_that_matter(roster: Sequence[LadderPlayer],
                      table: RatingTable) -> list[tuple[LadderPlayer, LadderPlayer, str]]:
    """Adjacent players in the table's strength order (stronger first), then each champion against
    heuristic_v2 (when both are on the ladder and not already adjacent)."""
    rated = sorted((p for p in roster if p.spec_id in table), key=lambda p: -table[p.spec_id].elo)
    out = [(rated[i], rated[i + 1], "adjacent") for i in range(len(rated) - 1)]
    seen = {pair_key(a, b) for a, b, _ in out}
    h2 = next((p for p in roster if p.spec.kind == "heuristic" and p.spec.profile == "heuristic_v2"), None)
    if h2 is not None and h2.spec_id in table:
        for p in rated:
            if p.role == "champion" and pair_key(p, h2) not in seen:
                seen.add(pair_key(p, h2))
                out.append((p, h2, "vs heuristic_v2"))
    return out


def pair_states(roster: Sequence[LadderPlayer], table: RatingTable, records: Iterable[MatchRecord],
                settings: LadderSettings) -> list[PairState]:
    scores = scores_by_pair(records)
    far = expected_score(settings.separated_elo)
    out = []
    for a, b, why in pairs_that_matter(roster, table):
        d, se = table.difference(a.spec_id, b.spec_id)
        half = Z95 * se
        k = pair_key(a, b)
        g, tot = scores.get(k, (0, 0.0))
        lo, hi = wilson_interval(tot, g) if g else (0.0, 1.0)
        if half <= settings.target_ci:
            status = "resolved"
        elif abs(d) - half >= settings.separated_elo or lo >= far or hi <= 1.0 - far:
            # the direct games alone settle the order too: a perfect record never narrows the
            # fitted interval (it is the prior's), but its Wilson interval does
            status = "separated"
        elif g >= settings.max_games_per_pair:
            status = "capped"
        else:
            status = "open"
        out.append(PairState(a, b, why, g, d, half, status))
    return out


def initial_chain(roster: Sequence[LadderPlayer]) -> list[tuple[LadderPlayer, LadderPlayer]]:
    """The first round's pairs: the roster in order, each champion against heuristic_v2 and each
    raw policy against random (duplicates dropped)."""
    out: list[tuple[LadderPlayer, LadderPlayer]] = []
    seen: set[tuple[str, str]] = set()

    def add(a: LadderPlayer | None, b: LadderPlayer | None) -> None:
        if a is not None and b is not None and a.spec_id != b.spec_id and pair_key(a, b) not in seen:
            seen.add(pair_key(a, b))
            out.append((a, b))

    for i in range(len(roster) - 1):
        add(roster[i], roster[i + 1])
    h2 = next((p for p in roster if p.spec.kind == "heuristic" and p.spec.profile == "heuristic_v2"), None)
    rnd = next((p for p in roster if p.spec.kind == "random"), None)
    for p in roster:
        if p.role == "champion":
            add(p, h2)
        elif p.role == "policy":
            add(p, rnd)
    return out


def fit(config_key: str, roster: Sequence[LadderPlayer], records: Iterable[MatchRecord],
        elo: EloSettings | None = None, prior_draws: float | None = None) -> RatingTable:
    """Ratings of the roster from the records among its players (random pinned at 0), with
    ``prior_draws`` (the ladder's) in place of the Elo settings' own when given."""
    ids = {p.spec_id for p in roster}
    recs = [r for r in records if r.config_key == config_key and set(r.spec_ids) <= ids]
    st = elo or EloSettings()
    if prior_draws is not None:
        st = dataclasses.replace(st, prior_draws=float(prior_draws))
    return fit_ratings(recs, config_key=config_key, labels=[p.spec for p in roster], settings=st)


@dataclass(frozen=True)
class PlannedPair:
    """Blocks ``first_block`` .. ``first_block + blocks - 1`` of a pair to play (``a`` is the pair's
    lower spec id, so the seatings of a block do not depend on how the pair was found)."""

    a: PlayerSpec
    b: PlayerSpec
    first_block: int
    blocks: int


def _planned(a: LadderPlayer, b: LadderPlayer, done_blocks: int, blocks: int) -> PlannedPair:
    x, y = (a.spec, b.spec) if a.spec_id <= b.spec_id else (b.spec, a.spec)
    return PlannedPair(x, y, done_blocks, blocks)


def next_round(config_key: str, roster: Sequence[LadderPlayer], records: Sequence[MatchRecord],
               settings: LadderSettings, *, played: int = 0, elo: EloSettings | None = None) -> list[PlannedPair]:
    """What to play next (empty: done). ``records``: the ladder's games so far (this run's and
    earlier ones); ``played``: games this run has played already (counted against ``max_games``)."""
    _, n = parse_config_key(config_key)
    size = block_size(n)
    room = (settings.max_games - played) // size
    if room <= 0 or len(roster) < 2:
        return []
    games = games_by_pair(records)
    chain = initial_chain(roster)
    # first round: every chain pair up to ``initial_pairs`` blocks (also a new player joining later)
    todo = [(a, b, settings.initial_pairs - games.get(pair_key(a, b), 0) // size) for a, b in chain]
    todo = [(a, b, k) for a, b, k in todo if k > 0]
    if todo:
        # a small game cap spreads over the whole chain first (at least one block each), so every
        # player gets rated before any pair gets its full first round
        share = max(1, room // len(todo))
        out = []
        for a, b, k in todo:
            k = min(k, share, room)
            if k <= 0:
                break
            out.append(_planned(a, b, games.get(pair_key(a, b), 0) // size, k))
            room -= k
        return out
    table = fit(config_key, roster, records, elo, settings.prior_draws)
    open_ = [p for p in pair_states(roster, table, records, settings) if p.status == "open"]
    open_.sort(key=lambda p: -p.half)
    out = []
    for p in open_[:settings.pairs_per_round]:
        g = games.get(pair_key(p.a, p.b), 0)
        k = min(settings.round_pairs, room, max(1, (settings.max_games_per_pair - g) // size))
        if k <= 0:
            break
        out.append(_planned(p.a, p.b, g // size, k))
        room -= k
    return out


# -- the report --------------------------------------------------------------------------------------

Timing = tuple[tuple[float, ...], tuple[int, ...]]  # per seat: CPU seconds, decisions


def seconds_per_move(records: Iterable[MatchRecord], timings: Mapping[str, Timing]) -> dict[str, tuple[float, int]]:
    """Per spec id: (CPU seconds per decision, decisions) over the records that have a timing."""
    cpu: dict[str, float] = {}
    dec: dict[str, int] = {}
    for r in records:
        t = timings.get(r.match_id)
        if t is None:
            continue
        for sid, c, d in zip(r.spec_ids, t[0], t[1]):
            cpu[sid] = cpu.get(sid, 0.0) + float(c)
            dec[sid] = dec.get(sid, 0) + int(d)
    return {s: (cpu[s] / dec[s] if dec[s] else float("nan"), dec[s]) for s in cpu}


@dataclass(frozen=True)
class LadderRow:
    player: LadderPlayer
    elo: float
    stderr: float
    games: int
    score: float
    sec_per_move: float | None
    decisions: int
    vs_ref: tuple[float, float] | None = None  # (Elo minus heuristic_v2's, half-width of its 95% interval)

    @property
    def ci95(self) -> tuple[float, float]:
        return self.elo - Z95 * self.stderr, self.elo + Z95 * self.stderr

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.ci95
        p = self.player
        return {"player": p.name, "spec_id": p.spec_id, "role": p.role, "generation": p.generation,
                "kind": p.spec.kind, "model_id": p.spec.model_id, "simulations": p.spec.simulations,
                "elo": _r(self.elo), "stderr": _r(self.stderr), "ci_low": _r(lo), "ci_high": _r(hi),
                "games": self.games, "score": _r(self.score, 3),
                "sec_per_move": None if self.sec_per_move is None else _r(self.sec_per_move, 5),
                "decisions": self.decisions,
                "vs_heuristic_v2": None if self.vs_ref is None else _r(self.vs_ref[0]),
                "vs_heuristic_v2_ci95": None if self.vs_ref is None else _r(self.vs_ref[1])}


@dataclass(frozen=True)
class LadderReport:
    config_key: str
    rows: tuple[LadderRow, ...]  # best first
    pairs: tuple[PairState, ...]
    table: RatingTable = field(repr=False)
    games: int  # ladder games of the roster in the fit
    new_games: int  # played by this run
    seconds: float
    target_ci: float

    @property
    def done(self) -> bool:
        """Every pair that matters resolved or separated (none open, none stopped by the pair cap)."""
        return all(p.status in ("resolved", "separated") for p in self.pairs)

    def row(self, x: str | PlayerSpec | LadderPlayer) -> LadderRow:
        sid = x if isinstance(x, str) else x.spec_id
        for r in self.rows:
            if r.player.spec_id == sid:
                return r
        raise KeyError(sid)

    def _cells(self) -> list[list[str]]:
        out = []
        for r in self.rows:
            lo, hi = r.ci95
            p = r.player
            ci = "anchor" if r.stderr == 0 else f"{lo:.0f} .. {hi:.0f}"
            spm = "-" if r.sec_per_move is None or not math.isfinite(r.sec_per_move) else _fmt_sec(r.sec_per_move)
            ref = "-" if r.vs_ref is None else ("0" if r.vs_ref[1] == 0 else f"{r.vs_ref[0]:+.0f} +- {r.vs_ref[1]:.0f}")
            out.append([p.name, p.role + (f" {p.generation}" if p.generation else ""), f"{r.elo:.0f}", ci, ref,
                        str(r.games), f"{r.score:.3f}" if math.isfinite(r.score) else "-", spm])
        return out

    HEAD = ("player", "role", "Elo", "95% CI", "vs heuristic_v2", "games", "score", "s/move (CPU)")
    PAIR_HEAD = ("pair", "why", "games", "diff", "95% CI +-", "status")

    def _pair_cells(self) -> list[list[str]]:
        return [[f"{p.a.name} - {p.b.name}", p.why, str(p.games), f"{p.diff:+.0f}", f"{p.half:.0f}", p.status]
                for p in self.pairs]

    def format(self) -> str:
        """Plain fixed-width text: the ratings, then the pairs that matter."""
        head = (f"ladder {self.config_key}: {self.games} games ({self.new_games} new, {self.seconds:.0f} s), "
                f"random = 0, seat-1 advantage {self.table.first_player_advantage:+.0f} Elo, "
                f"target +-{self.target_ci:g} Elo: {'met' if self.done else 'not met'}")
        return "\n".join([head, _plain(self.HEAD, self._cells()), "", _plain(self.PAIR_HEAD, self._pair_cells())])

    def to_markdown(self) -> str:
        return "\n".join([_md(self.HEAD, self._cells()), "", _md(self.PAIR_HEAD, self._pair_cells())])

    def to_json(self) -> dict[str, Any]:
        return {"config_key": self.config_key, "games": self.games, "new_games": self.new_games,
                "seconds": _r(self.seconds), "target_ci": self.target_ci, "done": self.done,
                "first_player_advantage": _r(self.table.first_player_advantage),
                "players": [r.to_json() for r in self.rows], "pairs": [p.to_json() for p in self.pairs]}


def _fmt_sec(s: float) -> str:
    return f"{s * 1000:.2f} ms" if s < 1 else f"{s:.2f} s"


def _plain(head: Sequence[str], rows: list[list[str]]) -> str:
    w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    line = lambda cells: "  ".join(c.ljust(w[i]) if i < 2 else c.rjust(w[i]) for i, c in enumerate(cells))  # noqa: E731
    return "\n".join([line(list(head))] + [line(r) for r in rows])


def _md(head: Sequence[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def ladder_report(config_key: str, roster: Sequence[LadderPlayer], records: Sequence[MatchRecord],
                  timings: Mapping[str, Timing], settings: LadderSettings, *, new_games: int = 0,
                  seconds: float = 0.0, elo: EloSettings | None = None) -> LadderReport:
    """Fit the roster's ladder games and build the table (players without games are left out)."""
    ids = {p.spec_id for p in roster}
    recs = [r for r in records if r.config_key == config_key and set(r.spec_ids) <= ids]
    table = fit(config_key, roster, recs, elo, settings.prior_draws)
    spm = seconds_per_move(recs, timings)
    # the scale relative to heuristic_v2: its differences are measured far more tightly than the
    # absolute ratings, whose intervals all carry the (lopsided, thinly informative) link to random
    ref = next((p.spec_id for p in roster if p.spec.kind == "heuristic" and p.spec.profile == "heuristic_v2"
                and p.spec_id in table), None)
    rows = []
    for p in roster:
        if p.spec_id not in table:
            continue
        t = table[p.spec_id]
        s, d = spm.get(p.spec_id, (None, 0))
        vs = None
        if ref is not None:
            dd, se = table.difference(p.spec_id, ref)
            vs = (dd, Z95 * se)
        rows.append(LadderRow(p, t.elo, t.stderr, t.games, t.score, s, d, vs))
    rows.sort(key=lambda r: -r.elo)
    return LadderReport(config_key, tuple(rows), tuple(pair_states(roster, table, recs, settings)), table,
                        table.games, new_games, seconds, settings.target_ci)
