"""`ringrift ladder`: the strength ladder of one config: anchors, every champion and its raw policy,
Bradley-Terry Elo with 95% intervals (random = 0), CPU seconds per move; a table, a PNG and a JSON
line (last).

    ringrift ladder square8_2p                                  # the config's `ladder:` settings
    ringrift ladder square8_2p --players random,heuristic_v1,heuristic_v2,mcts --games 400
    ringrift ladder square8_2p --target-ci 30 --out reports/ladder.png --markdown

Games go to the match log (source ``ladder``) as each one ends; a rerun with the same settings
reads them back and only adds games (docs/EVALUATION.md, "Strength ladder"). Runs in this process
(no Prefect).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

PLAYER_WORDS = ("random, heuristic_v1, heuristic_v2, heuristic:PROFILE, mcts, mcts-N, champions (every champion "
                "at the loop's evaluation budget), policies (each champion's raw policy), a model id, policy:MODEL_ID")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config_key", nargs="?", default="square8_2p",
                        help="board and players, e.g. square8_2p or square8-2p (default square8_2p)")
    parser.add_argument("--players", default=None,
                        help=f"comma-separated players instead of the config's ladder: {PLAYER_WORDS}")
    parser.add_argument("--games", type=int, default=None, help="game cap of this run (ladder.max_games)")
    parser.add_argument("--target-ci", type=float, default=None,
                        help="wanted half-width (Elo) of the 95%% interval on the pairs that matter "
                             "(ladder.target_ci)")
    parser.add_argument("--seed", type=int, default=None,
                        help="ladder.seed (another seed: other openings, other games)")
    parser.add_argument("--out", default="ladder.png", help="the plot (PNG; default ./ladder.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the plot")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    parser.add_argument("--report", action="store_true",
                        help="play nothing: the table, plot and JSON of the ladder games already in the match log")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch CPU threads for the networks (0 = torch's default)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--config", metavar="PATH", default=None,
                        help="config file (default $RINGRIFT_CONFIG_PATH, else config/unified_loop.yaml)")


def champion_history(ctx, config_key: str) -> list[str]:
    """The model ids that have been the config's champion, in the order they first became it
    (the database's pointer history; a rollback does not repeat a model)."""
    from engine.db import champion_pointer, pointer_history

    with ctx.db.session(write=False) as s:
        moves = pointer_history(s, champion_pointer(config_key))
    out: list[str] = []
    for m in moves:
        if m.new_target not in out:
            out.append(m.new_target)
    return out


def build_roster(ctx, config_key: str, settings, words: list[str] | None):
    """The ladder players: the settings' anchors and (``champions`` / ``policy``) every champion and
    its raw policy, or the ``--players`` words."""
    from engine.db import get_model
    from engine.evaluation import PlayerSpec
    from engine.evaluation.ladder import LadderPlayer, anchor_players, anchor_spec, champion_players, unique_players
    from engine.loop.stages import search_spec  # the loop's evaluation budget for a model

    history = champion_history(ctx, config_key)
    gen = {m: g for g, m in enumerate(history, start=1)}

    def model(m: str) -> str:
        with ctx.db.session(write=False) as s:
            row = get_model(s, m)
        if row is None:
            raise ValueError(f"--players: {m!r} is neither a player word ({PLAYER_WORDS}) nor a registered model")
        if row.config_key != config_key:
            raise ValueError(f"--players: model {m[:12]} is for {row.config_key}, not {config_key}")
        return m

    def champs(with_search: bool, with_policy: bool) -> list[LadderPlayer]:
        specs = [search_spec(ctx, m, f"champion g{g}") for m, g in gen.items()] if with_search else []
        pols = [PlayerSpec("policy", model_id=m, label=f"policy g{g}") for m, g in gen.items()]
        if with_search:
            return champion_players(specs, pols if with_policy else [])
        return [LadderPlayer(p, "policy", g) for g, p in enumerate(pols, start=1)] if with_policy else []

    if words is None:
        return unique_players(anchor_players(settings) + champs(settings.champions, settings.policy))
    out: list[LadderPlayer] = []
    for w in (x.strip() for x in words):
        if not w:
            continue
        if w == "champions":
            out += champs(True, False)
        elif w == "policies":
            out += champs(False, True)
        elif w.startswith("policy:"):
            m = model(w.split(":", 1)[1])
            out.append(LadderPlayer(PlayerSpec("policy", model_id=m, label=f"policy g{gen[m]}" if m in gen
                                               else f"policy {m[:8]}"), "policy", gen.get(m)))
        elif w in ("random", "mcts") or w.startswith(("heuristic", "mcts-")):
            out.append(LadderPlayer(anchor_spec(w, settings)))
        else:
            model(w)
            label = f"champion g{gen[w]}" if w in gen else f"model {w[:8]}"
            out.append(LadderPlayer(search_spec(ctx, w, label), "champion", gen.get(w)))
    return unique_players(out)


def load_ladder_games(ctx, config_key: str):
    """The ladder games of the config in the match log: (records, timings by match id)."""
    from engine.db import matches_for
    from engine.evaluation import MatchRecord

    with ctx.db.session(write=False) as s:
        rows = matches_for(s, config_key, source="ladder")
    recs, timings = [], {}
    for row in rows:
        d = row.details or {}
        recs.append(MatchRecord(match_id=row.match_id, config_key=row.config_key,
                                seats=tuple((x.player_spec_id, x.rank) for x in row.seats), source=row.source,
                                run_id=row.run_id or "", game_index=int(d.get("game_index", 0)),
                                moves=int(d.get("moves", 0) or 0), victory_reason=d.get("victory_reason"),
                                created_at=row.created_at.isoformat() if row.created_at else "", seed=d.get("seed")))
        if "cpu_seconds" in d and "decisions" in d:
            timings[row.match_id] = (tuple(float(x) for x in d["cpu_seconds"]), tuple(int(x) for x in d["decisions"]))
    return recs, timings


def store_game(ctx, rec, timing) -> bool:
    """One ladder game into the match log (idempotent by match id), with its CPU timing."""
    from engine.db import MatchRow, MatchSeat, record_matches

    n = len(rec.seats)
    seats = []
    for i, (sid, rank) in enumerate(rec.seats):
        # the seat's mean pairwise score against the other seats: 1 per worse rank, 1/2 per equal
        pts = sum(1.0 if rank < q else 0.5 if rank == q else 0.0 for j, (_, q) in enumerate(rec.seats) if j != i)
        seats.append(MatchSeat(seat=i + 1, player_spec_id=sid, rank=rank, score=pts / (n - 1)))
    details = {"moves": rec.moves, "victory_reason": rec.victory_reason, "game_index": rec.game_index,
               "seed": rec.seed, "cpu_seconds": [round(x, 6) for x in timing[0]], "decisions": list(timing[1])}
    with ctx.db.session() as s:
        new, _ = record_matches(s, [MatchRow(match_id=rec.match_id, config_key=rec.config_key, source=rec.source,
                                             seats=tuple(seats), run_id=rec.run_id, details=details)])
    return new == 1


def register(ctx, roster) -> None:
    from engine.db import upsert_player_spec

    with ctx.db.session() as s:
        for p in roster:
            if upsert_player_spec(s, p.spec.identity(), label=p.name) != p.spec_id:
                raise RuntimeError("spec ids of engine.evaluation and engine.db disagree")


def plot_ladder(report, path: str | Path) -> Path:
    """Elo with 95% error bars: the anchors, then the champions and their raw policies by generation;
    when heuristic_v2 is on the ladder, a second panel with each player's difference to it and the
    interval of that difference (much narrower: the absolute intervals carry the link to random)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    anchors = sorted((r for r in report.rows if r.player.role == "anchor"), key=lambda r: r.elo)
    gens = sorted({r.player.generation for r in report.rows if r.player.generation is not None})
    labels = [r.player.name for r in anchors] + [f"gen {g}" for g in gens]
    relative = any(r.vs_ref is not None for r in report.rows)
    fig = Figure(figsize=(max(6.0, 0.6 * len(labels) + 2.5), 7.5 if relative else 4.5))
    axes = [fig.add_subplot(2 if relative else 1, 1, k + 1) for k in range(2 if relative else 1)]
    series = [("anchor", "0.4", "anchors")] + [("champion", "tab:blue", "champion (search)"),
                                               ("policy", "tab:orange", "raw policy")]

    def x_of(r) -> float:
        if r.player.role == "anchor":
            return float(anchors.index(r))
        return len(anchors) + gens.index(r.player.generation) + (0.12 if r.player.role == "policy" else 0.0)

    for k, ax in enumerate(axes):
        for role, colour, name in series:
            rows = [r for r in report.rows if r.player.role == role and (role == "anchor" or r.player.generation)]
            if k == 1:
                rows = [r for r in rows if r.vs_ref is not None]
            if not rows:
                continue
            ys = [r.elo if k == 0 else r.vs_ref[0] for r in rows]
            err = [1.96 * r.stderr if k == 0 else r.vs_ref[1] for r in rows]
            ax.errorbar([x_of(r) for r in rows], ys, yerr=err, fmt="o", capsize=4, color=colour, label=name)
        for r in anchors:
            if r.player.spec.kind == "heuristic" and r.player.spec.profile == "heuristic_v2":
                ax.axhline(r.elo if k == 0 else 0.0, color="0.7", lw=0.8, ls="--")
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=30, ha="right")
        ax.set_ylabel("Elo (random = 0), 95% interval" if k == 0 else "Elo minus heuristic_v2, 95% interval")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[0].set_title(f"Strength ladder {report.config_key} ({report.games} games)")
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p, dpi=110)
    return p


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import os

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.config:
        os.environ["RINGRIFT_CONFIG_PATH"] = os.path.abspath(args.config)
    from engine.analysis.common import normalize_config_key
    from engine.config import ConfigError, LadderSettings, load_config
    from engine.evaluation import EvaluatorCache, get_elo_service
    from engine.evaluation.ladder_play import run_ladder
    from engine.loop import open_context
    from engine.loop.stages import model_loader

    try:
        ck = normalize_config_key(args.config_key)
        cfg = load_config()
        over = {k: v for k, v in (("max_games", args.games), ("target_ci", args.target_ci), ("seed", args.seed))
                if v is not None}
        settings = dataclasses.replace(LadderSettings.from_config(cfg), **over)
        play = dataclasses.replace(settings, max_games=0) if args.report else settings
    except (ValueError, ConfigError) as e:
        print(f"ladder: {e}", file=sys.stderr)
        return 2
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    ctx = open_context(cfg)
    try:
        try:
            roster = build_roster(ctx, ck, settings, args.players.split(",") if args.players else None)
        except (ValueError, KeyError) as e:
            print(f"ladder: {e}", file=sys.stderr)
            return 2
        if len(roster) < 2:
            print(f"ladder: {ck} needs at least two players, got {[p.name for p in roster]}", file=sys.stderr)
            return 2
        register(ctx, roster)
        records, timings = load_ladder_games(ctx, ck)
        log = (lambda *a: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
        log(f"ladder {ck}: {len(roster)} players, {len(records)} ladder games in the match log")
        t0 = time.perf_counter()

        def on_round(k, plan, games):
            pairs = ", ".join(f"{p.a.name} v {p.b.name}" for p in plan)
            log(f"  round {k + 1}: {games} games ({pairs}) [{time.perf_counter() - t0:.0f} s]")

        try:
            res = run_ladder(ck, roster, play, records=records, timings=timings,
                             evaluators=EvaluatorCache(model_loader(ctx)),
                             on_game=lambda rec, tm: store_game(ctx, rec, tm), on_round=on_round,
                             elo=get_elo_service(cfg).settings)
        except LookupError as e:  # a champion whose checkpoint the store or registry cannot give
            print(f"ladder: {e}", file=sys.stderr)
            return 1
    finally:
        ctx.close()
    rep = res.report
    print(rep.to_markdown() if args.markdown else rep.format())
    out = rep.to_json()
    out["settings"] = dataclasses.asdict(settings)
    if not args.no_plot and rep.rows:
        out["png"] = str(plot_ladder(rep, args.out))
        print(f"plot: {out['png']}")
    print(json.dumps(out, sort_keys=True, default=str))
    return 0
