"""`ringrift tournament`: a round robin of players for one config; results into the match log and
an Elo table.

Players: model ids (Gumbel search with selfplay.simulations), or the words random, heuristic,
champion (the config's champion), the ladder's anchors (heuristic_v1, heuristic_v2,
heuristic:PROFILE, mcts, mcts-N: plain MCTS with the heuristic evaluator), policy (the champion's
raw policy network, no search) and policy:MODEL_ID.

    ringrift tournament square8_2p --players champion,random,heuristic,mcts-16 --games-per-pair 20
    ringrift tournament square8_2p --players champion,heuristic_v2 --games-per-pair 200
"""

from __future__ import annotations

import argparse
import sys

from . import _checks as checks
from ._pipeline import add_common, add_config_key, config_key, emit, setup


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_key(parser)
    parser.add_argument("--players", default="champion,heuristic,random",
                        help="comma-separated: model ids, random, heuristic, champion, heuristic_v1, "
                             "heuristic_v2, heuristic:PROFILE, mcts, mcts-N, policy (the champion's raw "
                             "policy), policy:MODEL_ID (default champion,heuristic,random)")
    parser.add_argument("--games-per-pair",
                        type=checks.count, default=10, help="games per pair (rounded up to whole blocks)")
    parser.add_argument("--seed", type=checks.seed, default=0)
    add_common(parser, deployment=False)


def _specs(ctx, ck: str, words: list[str]):
    from engine.evaluation import PlayerSpec
    from engine.evaluation.ladder import anchor_spec
    from engine.loop import champion
    from engine.loop.stages import search_spec

    def champion_id() -> str:
        ch = champion(ctx, ck)
        if ch is None:
            raise ValueError(f"{ck} has no champion")
        return ch[0]

    out = []
    for w in words:
        w = w.strip()
        if w in ("random", "heuristic"):
            out.append(PlayerSpec(w))
        elif w.startswith("mcts-"):
            out.append(PlayerSpec("mcts", simulations=int(w[5:])))
        elif w == "mcts" or w.startswith(("heuristic_", "heuristic:")):
            out.append(anchor_spec(w, ctx.cfg.ladder))
        elif w == "champion":
            m = champion_id()
            out.append(search_spec(ctx, m, f"champion-{m[:8]}"))
        elif w == "policy" or w.startswith("policy:"):
            m = champion_id() if w == "policy" else w.split(":", 1)[1]
            out.append(PlayerSpec("policy", model_id=m, label=f"policy-{m[:8]}"))
        else:
            out.append(search_spec(ctx, w, f"model-{w[:8]}"))
    return out


def _check_players(cfg, ck: str, text: str) -> None:
    """``--players`` before anything starts: known words, ``mcts-N`` with N >= 1, known model ids."""
    words = [w.strip() for w in text.split(",")]
    if len([w for w in words if w]) < 2 or not all(words):
        raise checks.UsageError(f"--players: expected at least two comma-separated players, got {text!r}")
    for w in words:
        if w in ("random", "heuristic", "champion", "policy", "mcts", "heuristic_v1", "heuristic_v2"):
            continue
        if w.startswith("mcts-"):
            if not w[5:].isdigit() or int(w[5:]) < 1:
                raise checks.UsageError(f"--players: {w!r}: mcts-N needs N >= 1 simulations")
            continue
        if w.startswith(("heuristic_", "heuristic:")):
            from engine.players import ProfileError, load_profile

            try:
                load_profile(w.split(":", 1)[1] if w.startswith("heuristic:") else w)
            except (ProfileError, OSError, ValueError) as e:
                raise checks.UsageError(f"--players: {w!r}: {e}") from None
            continue
        if w.startswith("policy:"):
            w = w.split(":", 1)[1]
        from engine.names import name_problem

        problem = name_problem(w)
        if problem:
            raise checks.UsageError(f"--players: invalid model id {w!r}: {problem}")
        checks.known_model(cfg, w, ck, option="--players")


def run(args: argparse.Namespace) -> int:
    cfg = setup(args)
    ck = config_key(args.config_key)
    _check_players(cfg, ck, args.players)
    from prefect import flow

    from tasks.common import forge_context, route_engine_logs

    @flow(name="tournament", log_prints=True)
    def tournament_flow(config_key: str, players: list[str], games_per_pair: int, seed: int) -> dict:
        # engine.loop has no tournament stage yet: the same helpers its gauntlet stage uses
        from engine.evaluation import EvaluatorCache, get_elo_service, tournament
        from engine.loop.stages import model_loader, register_specs, store_matches

        route_engine_logs()
        ctx = forge_context()
        specs = _specs(ctx, config_key, players)
        register_specs(ctx, specs)
        rep = tournament(specs, games_per_pair, config_key, settings=ctx.cfg.gauntlet,
                         evaluators=EvaluatorCache(model_loader(ctx)), seed=seed, elo=get_elo_service(ctx.cfg))
        new = store_matches(ctx, rep.records)
        table = [{"player": r.label, "elo": round(r.elo, 1), "stderr": round(r.stderr, 1), "games": r.games}
                 for r in rep.ratings]
        pairs = [{"a": p.a.name, "b": p.b.name, "games": p.games, "a_wins": p.a_wins, "b_wins": p.b_wins,
                  "draws": p.draws, "a_score": round(p.a_score, 3)} for p in rep.pairs]
        from tasks import artifacts

        artifacts.table("tournament", config_key, pairs, f"Tournament {config_key} ({rep.run_id})")
        return {"config_key": config_key, "run_id": rep.run_id, "games": len(rep.records), "new_matches": new,
                "pairs": pairs, "ratings": table, "seconds": round(rep.seconds, 1)}

    try:
        state = tournament_flow(ck, args.players.split(","), args.games_per_pair, args.seed, return_state=True)
    except ValueError as e:
        print(f"tournament: {e}", file=sys.stderr)
        return 2
    if not state.is_completed():
        print(f"tournament: {state.name}: {state.message}", file=sys.stderr)
        return 1
    res = state.result()
    lines = [f"tournament {ck} ({res['games']} games, {res['seconds']} s)"]
    lines += [f"  {p['a']:<28} vs {p['b']:<28} {p['games']:>4} games  {p['a_wins']}-{p['draws']}-{p['b_wins']}  "
              f"score {p['a_score']:.3f}" for p in res["pairs"]]
    lines += ["ratings:"] + [f"  {r['player']:<28} {r['elo']:>8.1f} +- {r['stderr']:.1f}  ({r['games']} games)"
                             for r in res["ratings"]]
    emit(args, res, "\n".join(lines))
    return 0
