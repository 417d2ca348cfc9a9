"""Game statistics per config and per generation: how long games are, how they end, whether the
first seat wins too often, draws and stalemates, which moves are played, what the search did.

    stats = analyze_game_statistics(records)                       # GameRecords (e.g. from shards)
    stats = analyze_game_statistics(db, store=store, configs=["square8_2p"], last=2000)
    print(stats.format())                                          # text tables
    create_markdown_artifact(stats.to_markdown())                  # the same as Markdown

Generations: a game belongs to the generation of the model that generated it (the first seat's
model; selfplay seats one engine everywhere). From the database, a model's generation is its
lineage depth (1 = trained from scratch, 2 = fine-tuned from a generation-1 model, ...) and a game
without a network (heuristic / random bootstrap) is generation 0. From bare records, pass
``generation_of`` (a function of the record, or a mapping model id -> generation); by default the
generating engine's identity is the label (``heuristic:heuristic-v1``, a model id, ...).

Definitions (per group of games):

* length: moves per game, bookkeeping moves included (the engine's move count), and decisions
  (positions with a real choice);
* endings: the victory reason (``ring_elimination``, ``territory_control``,
  ``last_player_standing``, ``stalemate``, ``move_cap`` for a game stopped by the safety cap);
* first-seat advantage: the share of decided games (with a winner) won by player 1, minus the
  fair share ``1/n``; the 95% Wilson interval is for the share;
* draws: games that ended without a winner (capped games are counted apart); stalemates: games
  ended by the stalemate rule (they still have a winner by the tiebreak);
* move mix: the share of every move type among all moves;
* search: over decisions that recorded statistics -- legal moves (the branching factor),
  positions evaluated per decision, policy entropy (nats) and top probability, how often the
  played move was the policy's argmax, the chooser's root value, and its mean squared error
  against the game's final result for the chooser (finished games only).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.data.records import GameRecord, outcome_values

from .tables import markdown_table, text_table

ALL = "all"  # the generation label of a config's total row


@dataclass(frozen=True)
class Distribution:
    count: int
    mean: float
    median: float
    p10: float
    p90: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        if not values:
            nan = float("nan")
            return cls(0, nan, nan, nan, nan, nan, nan)
        v = sorted(float(x) for x in values)
        return cls(len(v), statistics.fmean(v), statistics.median(v), _quantile(v, 0.1), _quantile(v, 0.9), v[0], v[-1])


def _quantile(v: Sequence[float], q: float) -> float:
    if len(v) == 1:
        return v[0]
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


@dataclass(frozen=True)
class SearchStats:
    decisions: int  # decisions of the group
    with_stats: int  # ... that recorded a policy
    legal_mean: float  # mean legal moves per decision (all decisions)
    evaluated_mean: float  # positions evaluated per decision with stats
    entropy_mean: float  # policy entropy, nats
    top_prob_mean: float  # probability of the policy's most likely move
    argmax_share: float  # share of decisions where the played move is the policy's argmax
    value_mean: float  # the chooser's root value
    value_mse: float  # (chooser's root value - the chooser's final result)^2, finished games


@dataclass(frozen=True)
class GroupStats:
    """The statistics of one config (``generation == "all"``) or of one generation of it."""

    config_key: str
    generation: str
    games: int
    num_players: int
    length: Distribution
    decisions: Distribution
    endings: tuple[tuple[str, int], ...]  # reason -> games, most frequent first
    seat_wins: tuple[int, ...]  # games won per seat (player 1 first)
    decided: int  # games with a winner
    draws: int  # no winner (capped games not counted)
    stalemates: int
    capped: int
    move_mix: tuple[tuple[str, int], ...]  # move type -> count, most frequent first
    search: SearchStats | None

    @property
    def first_seat_share(self) -> float:
        return self.seat_wins[0] / self.decided if self.decided else float("nan")

    @property
    def first_seat_advantage(self) -> float:
        """Player 1's share of the decided games minus the fair share 1/n."""
        return self.first_seat_share - 1.0 / self.num_players if self.decided else float("nan")

    @property
    def first_seat_ci95(self) -> tuple[float, float]:
        from engine.evaluation.stats import wilson_interval

        return wilson_interval(self.seat_wins[0], self.decided)

    def share(self, n: int) -> float:
        return n / self.games if self.games else float("nan")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["endings"] = dict(self.endings)
        d["move_mix"] = dict(self.move_mix)
        d["first_seat_share"] = self.first_seat_share
        d["first_seat_advantage"] = self.first_seat_advantage
        d["first_seat_ci95"] = list(self.first_seat_ci95)
        return _clean(d)


def _clean(obj: Any) -> Any:
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else round(obj, 6)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


@dataclass(frozen=True)
class GameStatistics:
    """Every group: per config its total (generation ``"all"``) first, then its generations in order."""

    groups: tuple[GroupStats, ...]
    skipped: int = 0  # records that could not be used (unreadable, or failed to load)
    notes: tuple[str, ...] = field(default_factory=tuple)

    def configs(self) -> list[str]:
        return sorted({g.config_key for g in self.groups})

    def group(self, config_key: str, generation: str = ALL) -> GroupStats | None:
        return next((g for g in self.groups if g.config_key == config_key and g.generation == str(generation)), None)

    def to_json(self) -> dict[str, Any]:
        return {"groups": [g.to_json() for g in self.groups], "skipped": self.skipped, "notes": list(self.notes)}

    # -- tables ------------------------------------------------------------------------------------
    def overview_rows(self) -> tuple[list[str], list[list[Any]]]:
        head = ["config", "gen", "games", "moves mean", "median", "p10-p90", "decisions", "p1 wins", "p1 adv",
                "p1 95% CI", "draw", "stalemate", "capped"]
        rows = []
        for g in self.groups:
            lo, hi = g.first_seat_ci95
            rows.append([g.config_key, g.generation, g.games, round(g.length.mean, 1), g.length.median,
                         f"{g.length.p10:.0f}-{g.length.p90:.0f}", round(g.decisions.mean, 1),
                         _pct(g.first_seat_share), _pct(g.first_seat_advantage, signed=True),
                         f"{lo * 100:.0f}-{hi * 100:.0f}%" if g.decided else "-", _pct(g.share(g.draws)),
                         _pct(g.share(g.stalemates)), _pct(g.share(g.capped))])
        return head, rows

    def endings_rows(self) -> tuple[list[str], list[list[Any]]]:
        reasons = sorted({r for g in self.groups for r, _ in g.endings})
        head = ["config", "gen", "games"] + reasons
        rows = [[g.config_key, g.generation, g.games] + [_pct(g.share(dict(g.endings).get(r, 0))) for r in reasons]
                for g in self.groups]
        return head, rows

    def move_mix_rows(self, top: int = 8) -> tuple[list[str], list[list[Any]]]:
        total = Counter()
        for g in self.groups:
            total.update(dict(g.move_mix))
        types = [t for t, _ in total.most_common(top)]
        head = ["config", "gen", "moves"] + types + ["other"]
        rows = []
        for g in self.groups:
            mix = dict(g.move_mix)
            n = sum(mix.values())
            other = n - sum(mix.get(t, 0) for t in types)
            rows.append([g.config_key, g.generation, n] + [_pct(mix.get(t, 0) / n if n else float("nan"))
                                                           for t in types] + [_pct(other / n if n else float("nan"))])
        return head, rows

    def search_rows(self) -> tuple[list[str], list[list[Any]]]:
        head = ["config", "gen", "decisions", "with stats", "legal", "evaluated", "entropy", "top p", "argmax",
                "value", "value mse"]
        rows = []
        for g in self.groups:
            s = g.search
            if s is None:
                continue
            rows.append([g.config_key, g.generation, s.decisions, s.with_stats, round(s.legal_mean, 1),
                         round(s.evaluated_mean, 1), round(s.entropy_mean, 3), round(s.top_prob_mean, 3),
                         _pct(s.argmax_share), round(s.value_mean, 3), round(s.value_mse, 3)])
        return head, rows

    def _tables(self):
        return [("Games", self.overview_rows()), ("How games end", self.endings_rows()),
                ("Move mix", self.move_mix_rows()), ("Search", self.search_rows())]

    def format(self) -> str:
        if not self.groups:
            return "no games"
        parts = []
        for title, (head, rows) in self._tables():
            if rows:
                parts.append(f"{title}\n{text_table(head, rows)}")
        parts += [f"note: {n}" for n in self.notes]
        if self.skipped:
            parts.append(f"{self.skipped} record(s) skipped")
        return "\n\n".join(parts)

    def to_markdown(self, title: str = "Game statistics") -> str:
        """Markdown for a Prefect artifact (``create_markdown_artifact``)."""
        if not self.groups:
            return f"## {title}\n\nno games"
        parts = [f"## {title}"]
        for t, (head, rows) in self._tables():
            if rows:
                parts.append(f"### {t}\n\n{markdown_table(head, rows)}")
        if self.notes or self.skipped:
            parts.append("\n".join([f"- {n}" for n in self.notes] +
                                   ([f"- {self.skipped} record(s) skipped"] if self.skipped else [])))
        parts.append("p1 adv: player 1's share of decided games minus 1/n; draw: no winner; "
                     "stalemate: ended by the stalemate rule; search columns: see `engine.analysis.stats`.")
        return "\n\n".join(parts)


def _pct(x: float, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x * 100:+.1f}%" if signed else f"{x * 100:.1f}%"


# -- the computation ---------------------------------------------------------------------------------

class _Acc:
    def __init__(self, n: int):
        self.n = n
        self.games = 0
        self.lengths: list[int] = []
        self.decisions: list[int] = []
        self.endings: Counter = Counter()
        self.seat_wins = [0] * n
        self.decided = self.draws = self.stalemates = self.capped = 0
        self.mix: Counter = Counter()
        self.dec = 0
        self.legal_sum = 0
        self.with_stats = 0
        self.eval_sum = 0
        self.entropy_sum = 0.0
        self.top_sum = 0.0
        self.argmax = 0
        self.values = 0
        self.value_sum = 0.0
        self.value_err = 0.0
        self.value_err_n = 0

    def add(self, rec: GameRecord) -> None:
        o = rec.outcome
        self.games += 1
        self.lengths.append(len(rec.moves))
        self.decisions.append(len(rec.decisions))
        self.endings["move_cap" if o.capped else (o.victory_reason or "unknown")] += 1
        if o.capped:
            self.capped += 1
        elif o.winner is None:
            self.draws += 1
        else:
            self.decided += 1
            if 1 <= o.winner <= self.n:
                self.seat_wins[o.winner - 1] += 1
        if o.victory_reason == "stalemate":
            self.stalemates += 1
        self.mix.update(m.type for m in rec.moves)
        final = None if o.capped else outcome_values(o, rec.num_players)
        for d in rec.decisions:
            self.dec += 1
            self.legal_sum += d.legal_count
            if d.policy is not None and d.policy:
                self.with_stats += 1
                self.eval_sum += d.evaluated
                self.entropy_sum += -sum(p * math.log(p) for p in d.policy if p > 0)
                top = max(range(len(d.policy)), key=lambda i: d.policy[i])
                self.top_sum += d.policy[top]
                self.argmax += d.policy_index[top] == d.chosen
            if d.values:
                v = d.values[0]
                self.values += 1
                self.value_sum += v
                if final is not None:
                    self.value_err += (v - final[d.player - 1]) ** 2
                    self.value_err_n += 1

    def result(self, config_key: str, generation: str) -> GroupStats:
        nan = float("nan")
        search = None
        if self.dec:
            ws = self.with_stats
            search = SearchStats(
                decisions=self.dec, with_stats=ws, legal_mean=self.legal_sum / self.dec,
                evaluated_mean=self.eval_sum / ws if ws else nan, entropy_mean=self.entropy_sum / ws if ws else nan,
                top_prob_mean=self.top_sum / ws if ws else nan, argmax_share=self.argmax / ws if ws else nan,
                value_mean=self.value_sum / self.values if self.values else nan,
                value_mse=self.value_err / self.value_err_n if self.value_err_n else nan)
        return GroupStats(config_key=config_key, generation=generation, games=self.games, num_players=self.n,
                          length=Distribution.of(self.lengths), decisions=Distribution.of(self.decisions),
                          endings=tuple(self.endings.most_common()), seat_wins=tuple(self.seat_wins),
                          decided=self.decided, draws=self.draws, stalemates=self.stalemates, capped=self.capped,
                          move_mix=tuple(self.mix.most_common()), search=search)


def generator_model(record: GameRecord) -> str:
    """The identity of the engine that generated a game (its first seat's model identity)."""
    models = record.player_models()
    return models[0] if models else "unknown"


GenerationOf = Callable[[GameRecord], Hashable] | Mapping[str, Hashable] | None


def _generation_fn(generation_of: GenerationOf) -> Callable[[GameRecord], Hashable]:
    if generation_of is None:
        return generator_model
    if callable(generation_of):
        return generation_of
    table = dict(generation_of)
    return lambda r: table.get(generator_model(r), 0)


def _gen_sort_key(g: Hashable):
    return (0, g, "") if isinstance(g, (int, float)) else (1, 0, str(g))


def analyze_game_statistics(source: Iterable[GameRecord] | Any, *, store=None, configs: Sequence[str] | None = None,
                            generation_of: GenerationOf = None, per_generation: bool = True,
                            last: int | None = None, fallbacks=()) -> GameStatistics:
    """Statistics per config and per generation (see the module doc).

    ``source``: game records, or an ``engine.db.Database`` (then ``store`` is required: the records
    are read from their shards; ``last`` limits each config to its newest N games; generations are
    lineage depths). ``configs`` keeps only those config keys.
    """
    notes: list[str] = []
    skipped = 0
    if hasattr(source, "session") and hasattr(source, "engine"):
        if store is None:
            raise ValueError("analyze_game_statistics(db): the artifact store is needed to read the records")
        records, generation_map, skipped, notes = records_from_database(source, store, configs=configs, last=last,
                                                                        fallbacks=fallbacks)
        if generation_of is None:
            generation_of = generation_map
    else:
        records = source
    gen = _generation_fn(generation_of)
    keep = set(configs) if configs else None
    totals: dict[str, _Acc] = {}
    by_gen: dict[str, dict[Hashable, _Acc]] = defaultdict(dict)
    for rec in records:
        ck = f"{rec.board}_{rec.num_players}p"
        if keep is not None and ck not in keep:
            continue
        n = rec.num_players
        totals.setdefault(ck, _Acc(n)).add(rec)
        if per_generation:
            g = gen(rec)
            by_gen[ck].setdefault(g, _Acc(n)).add(rec)
    groups = []
    for ck in sorted(totals):
        groups.append(totals[ck].result(ck, ALL))
        gens = by_gen.get(ck, {})
        if len(gens) == 1:  # the generation row would repeat the total
            notes.append(f"{ck}: every game is of generation {next(iter(gens))}")
        elif gens:
            for g in sorted(gens, key=_gen_sort_key):
                groups.append(gens[g].result(ck, str(g)))
    return GameStatistics(tuple(groups), skipped, tuple(notes))


def records_from_database(db, store, *, configs: Sequence[str] | None = None, last: int | None = None,
                          fallbacks=()) -> tuple[list[GameRecord], dict[str, int], int, list[str]]:
    """The records of the database's games (status ok) read from their shards, the generation of
    every generating model (lineage depth; 0 for games without a network), the number of games that
    could not be read, and notes (the first few reasons). ``last``: the newest N games per config."""
    from .sources import load_database_games, model_generations

    games = load_database_games(db, store, configs=configs, last=last, fallbacks=fallbacks)
    records = [g.record for g in games if g.record is not None]
    errors = [g.error for g in games if g.record is None]
    depth = model_generations(db, {getattr(g.row, "generator_model_id", None) for g in games} - {None})
    notes = [f"not read: {e}" for e in dict.fromkeys(errors)][:5]
    return records, depth, len(errors), notes
