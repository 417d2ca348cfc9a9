"""Ratings per config over generations, with error bars: a table and a PNG plot.

    rep = track_elo_improvement(db, configs=["square8_2p"], out="elo.png")
    print(rep.format())                     # one row per generation and player
    rep.to_markdown()                       # the headline series as a Markdown table (artifact)

From the database: every match of the config's match log (gauntlets, promotions, tournaments)
is a ``MatchRecord``; a player's generation is the lineage depth of the model it plays (0 for
players without a model: random, heuristic); a match belongs to the highest generation among its
players (when its evidence appeared). Ratings are fitted with ``engine.evaluation.elo_trend``:
at generation ``g`` on every match of generations ``<= g`` (``cumulative=True``, the default) or
on generation ``g``'s matches alone. The anchors are the Elo service's (random = 0 Elo).

The headline series of a config has one point per generation: the champion among that
generation's models (the model the champion pointer ever pointed to), else its best-rated model,
with a 95% interval of ``+-1.96`` standard errors as the error bar.

From plain records: pass ``{config_key: {generation: [MatchRecord, ...]}}`` and, for the headline,
``generation_of_spec`` (spec id -> generation) and ``champions`` (spec ids); without them the
headline is the best-rated player that first appears at that generation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .tables import markdown_table, text_table

Z95 = 1.959963984540054


@dataclass(frozen=True)
class EloPoint:
    config_key: str
    generation: int
    spec_id: str
    label: str
    elo: float
    stderr: float
    games: int
    anchored: bool = False
    model_id: str | None = None
    player_generation: int | None = None  # the generation the player belongs to (None: unknown)
    champion: bool = False  # the player's model was a champion of the config

    @property
    def ci95(self) -> tuple[float, float]:
        return (self.elo - Z95 * self.stderr, self.elo + Z95 * self.stderr)


@dataclass(frozen=True)
class EloTrendReport:
    points: tuple[EloPoint, ...]  # every (generation, player) rating
    series: Mapping[str, tuple[EloPoint, ...]]  # config -> the headline point per generation
    cumulative: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)
    plot_path: Path | None = None

    def configs(self) -> list[str]:
        return sorted(self.series)

    def to_json(self) -> dict[str, Any]:
        return {"cumulative": self.cumulative, "notes": list(self.notes),
                "plot": str(self.plot_path) if self.plot_path else None,
                "series": {k: [_row(p) for p in v] for k, v in sorted(self.series.items())},
                "points": [_row(p) for p in self.points]}

    def _series_rows(self):
        head = ["config", "gen", "player", "elo", "+-95%", "games", "champion", "gain"]
        rows = []
        for ck in self.configs():
            prev = None
            for p in self.series[ck]:
                gain = None if prev is None else round(p.elo - prev.elo, 1)
                rows.append([ck, p.generation, p.label[:32], round(p.elo, 1), round(Z95 * p.stderr, 1), p.games,
                             p.champion, gain])
                prev = p
        return head, rows

    def format(self, all_points: bool = False) -> str:
        if not self.points:
            return "no rated matches" + "".join(f"\nnote: {n}" for n in self.notes)
        head, rows = self._series_rows()
        parts = ["Elo per generation (headline: the generation's champion, else its best model; "
                 f"{'cumulative' if self.cumulative else 'per-generation'} fit, 95% interval)\n"
                 + text_table(head, rows)]
        if all_points:
            h = ["config", "gen", "player", "player gen", "elo", "+-95%", "games"]
            r = [[p.config_key, p.generation, p.label[:32], p.player_generation, round(p.elo, 1),
                  round(Z95 * p.stderr, 1), p.games] for p in self.points]
            parts.append("Every rating\n" + text_table(h, r))
        parts += [f"note: {n}" for n in self.notes]
        if self.plot_path:
            parts.append(f"plot: {self.plot_path}")
        return "\n\n".join(parts)

    def to_markdown(self, title: str = "Elo per generation", *, embed_plot: bool = False) -> str:
        """Markdown for a Prefect artifact; ``embed_plot``: the PNG inline as a data URI."""
        if not self.points:
            return f"## {title}\n\nno rated matches"
        head, rows = self._series_rows()
        out = [f"## {title}", markdown_table(head, rows),
               "Headline per generation: the champion of that generation, else its best-rated model; "
               "ratings relative to the random player (0 Elo); +-95% = 1.96 standard errors."]
        if embed_plot and self.plot_path is not None and Path(self.plot_path).is_file():
            import base64

            data = base64.b64encode(Path(self.plot_path).read_bytes()).decode()
            out.append(f"![Elo per generation](data:image/png;base64,{data})")
        out += [f"- {n}" for n in self.notes]
        return "\n\n".join(out)

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        return plot_elo_trend(self, path, title=title)


def _row(p: EloPoint) -> dict[str, Any]:
    d = asdict(p)
    for k in ("elo", "stderr"):
        d[k] = None if math.isnan(d[k]) else round(d[k], 3)
    lo, hi = p.ci95
    d["ci95"] = [round(lo, 3), round(hi, 3)]
    return d


# -- computing -----------------------------------------------------------------------------------------

def _headline(points: Sequence[EloPoint]) -> tuple[EloPoint, ...]:
    by_gen: dict[int, list[EloPoint]] = {}
    known = any(p.player_generation is not None for p in points)
    first_seen: dict[str, int] = {}
    for p in sorted(points, key=lambda q: q.generation):
        first_seen.setdefault(p.spec_id, p.generation)
    for p in points:
        own = p.player_generation if known else first_seen[p.spec_id]
        if own == p.generation and not p.anchored and (not known or p.player_generation and p.player_generation > 0):
            by_gen.setdefault(p.generation, []).append(p)
    out = []
    for g in sorted(by_gen):
        cands = by_gen[g]
        champs = [p for p in cands if p.champion]
        pick = max(champs or cands, key=lambda p: (p.elo, p.games))
        out.append(pick)
    return tuple(out)


def elo_trend_from_records(records_by_config: Mapping[str, Mapping[int, Sequence[Any]]], *,
                           labels: Mapping[str, str] | None = None,
                           generation_of_spec: Mapping[str, int] | None = None,
                           model_of_spec: Mapping[str, str | None] | None = None,
                           champions: Iterable[str] = (), cumulative: bool = True, settings=None,
                           anchors: Mapping[str, float] | None = None) -> EloTrendReport:
    """The report of ``{config: {generation: [MatchRecord]}}`` (see the module doc)."""
    from engine.evaluation import get_elo_service

    service = get_elo_service(settings) if settings is not None else get_elo_service()
    champs = set(champions)
    gens = dict(generation_of_spec or {})
    models = dict(model_of_spec or {})
    points: list[EloPoint] = []
    series: dict[str, tuple[EloPoint, ...]] = {}
    notes: list[str] = []
    for ck in sorted(records_by_config):
        by_gen = {int(g): list(v) for g, v in records_by_config[ck].items() if v}
        if not by_gen:
            continue
        trend = service.trend(ck, by_gen, cumulative=cumulative, labels=labels, anchors=anchors)
        pts = [EloPoint(ck, int(t.generation), t.spec_id, t.label, float(t.elo), float(t.stderr), int(t.games),
                        bool(t.anchored), models.get(t.spec_id), gens.get(t.spec_id) if gens else None,
                        t.spec_id in champs or (models.get(t.spec_id) in champs if models.get(t.spec_id) else False))
               for t in trend]
        points.extend(pts)
        series[ck] = _headline(pts)
        if not series[ck]:
            notes.append(f"{ck}: no model was rated yet (only players without a network)")
    return EloTrendReport(tuple(points), series, cumulative, tuple(notes))


def match_record_of(row) -> Any:
    """An ``engine.db.MatchRow`` as the ``MatchRecord`` the rating fit reads."""
    from engine.evaluation import MatchRecord

    details = row.details or {}
    return MatchRecord(match_id=row.match_id, config_key=row.config_key,
                       seats=tuple((s.player_spec_id, s.rank) for s in row.seats), source=row.source,
                       run_id=row.run_id or "", game_index=0, moves=int(details.get("moves", 0) or 0),
                       victory_reason=details.get("victory_reason"),
                       created_at=row.created_at.isoformat() if row.created_at else "")


def spec_model(row) -> str | None:
    """The model a registered player spec plays: the row's ``model_id``, else the spec's own
    ``model_id`` field (``engine.evaluation.PlayerSpec.identity()`` names it so)."""
    if row.model_id:
        return row.model_id
    spec = row.spec or {}
    m = spec.get("model_id") or spec.get("model")
    if isinstance(m, dict):
        m = m.get("id") or m.get("model_id")
    return str(m) if m else None


def elo_inputs_from_database(db, configs: Sequence[str] | None = None):
    """``(records_by_config, labels, generation_of_spec, model_of_spec, champions)`` from the match
    log, the player specs, the model lineage and the champion pointer history."""
    from engine.db import champion_pointer, lineage, list_player_specs, matches_for, pointer_history

    from .common import known_configs

    records: dict[str, dict[int, list]] = {}
    labels: dict[str, str] = {}
    gen_of: dict[str, int] = {}
    model_of: dict[str, str | None] = {}
    champions: set[str] = set()
    depth: dict[str, int] = {}
    with db.session(write=False) as s:
        for ck in configs or known_configs():
            rows = matches_for(s, ck)
            if not rows:
                continue
            spec_ids = {seat.player_spec_id for r in rows for seat in r.seats}
            for sp in list_player_specs(s, spec_ids=spec_ids):
                mid = spec_model(sp)
                labels[sp.spec_id] = sp.label
                model_of[sp.spec_id] = mid
                if mid and mid not in depth:
                    depth[mid] = len(lineage(s, mid))
                gen_of[sp.spec_id] = depth.get(mid, 0) if mid else 0
            champions.update(m.new_target for m in pointer_history(s, champion_pointer(ck)))
            per: dict[int, list] = {}
            for r in rows:
                g = max(gen_of.get(seat.player_spec_id, 0) for seat in r.seats)
                per.setdefault(g, []).append(match_record_of(r))
            records[ck] = per
    return records, labels, gen_of, model_of, champions


def track_elo_improvement(source, *, configs: Sequence[str] | None = None, out: str | Path | None = None,
                          cumulative: bool = True, settings=None, title: str | None = None) -> EloTrendReport:
    """Ratings per config over generations (see the module doc). ``source``: an
    ``engine.db.Database`` or ``{config: {generation: [MatchRecord]}}``; ``out``: write the plot
    there (PNG). ``settings``: a ``ForgeConfig`` / ``EloSettings`` for the fit (default: the
    service's defaults)."""
    if hasattr(source, "session") and hasattr(source, "engine"):
        records, labels, gen_of, model_of, champs = elo_inputs_from_database(source, configs)
        rep = elo_trend_from_records(records, labels=labels, generation_of_spec=gen_of, model_of_spec=model_of,
                                     champions=champs, cumulative=cumulative, settings=settings)
    else:
        data = {k: v for k, v in dict(source).items() if not configs or k in configs}
        rep = elo_trend_from_records(data, cumulative=cumulative, settings=settings)
    if out is not None:
        path = plot_elo_trend(rep, out, title=title)
        rep = EloTrendReport(rep.points, rep.series, rep.cumulative, rep.notes, path)
    return rep


# -- the plot ------------------------------------------------------------------------------------------------

def plot_elo_trend(report: EloTrendReport, path: str | Path, *, title: str | None = None) -> Path:
    """One line per config: the headline rating per generation with 95% error bars; champions are
    filled markers, other models hollow. Written with matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.5, 5.0), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
               "#bcbd22", "#7f7f7f", "#393b79", "#637939"]
    plotted = 0
    for i, ck in enumerate(report.configs()):
        pts = report.series[ck]
        if not pts:
            continue
        col = colours[i % len(colours)]
        xs = [p.generation for p in pts]
        ys = [p.elo for p in pts]
        err = [Z95 * p.stderr for p in pts]
        ax.errorbar(xs, ys, yerr=err, color=col, marker="none", capsize=4, linewidth=1.6, label=ck)
        for p in pts:
            ax.plot([p.generation], [p.elo], marker="o", markersize=7, color=col,
                    markerfacecolor=col if p.champion else "white", markeredgewidth=1.6)
        plotted += 1
    ax.axhline(0.0, color="#999999", linewidth=0.8, linestyle="--")
    ax.set_xlabel("generation (model lineage depth)")
    ax.set_ylabel("Elo (random = 0)")
    ax.set_title(title or "Elo per generation, 95% intervals (filled: champion)")
    ax.grid(True, alpha=0.3)
    gens = sorted({p.generation for v in report.series.values() for p in v})
    if gens:
        ax.set_xticks(gens)
    if plotted:
        ax.legend(loc="best", fontsize=9)
    else:
        ax.text(0.5, 0.5, "no rated models yet", ha="center", va="center", transform=ax.transAxes, color="#777777")
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p)
    return p
