"""Search benchmark: MCTS / Gumbel simulations per second and win rates against the heuristic (square8 2p).

    python bench/search.py                            # 10 games per match, 200 simulations each
    python bench/search.py --games 100 --seed 3
    python bench/search.py --games 2 --mcts-sims 16 --gumbel-sims 8 --speed-positions 2

Speed: both players search ``--speed-positions`` positions sampled from heuristic-vs-heuristic
play (fixed seed) with the heuristic evaluator; simulations/s = simulations done / wall time of the
``choose`` calls (root evaluation included). Win rate: ``--games`` colour-balanced games (seats
swapped every game) of ``mcts`` (``--mcts-sims``, default 200) against ``heuristic`` and of
``gumbel`` (``--gumbel-sims``, default 200; ``--gumbel-nonroot``) against ``heuristic``; a game
without a winner (stalemate without winner, or the ``--max-moves`` safety cap) counts as not a win.
Prints a table, then ONE JSON object on the last line.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from engine.game import apply_in_place, legal_moves, new_game  # noqa: E402
from engine.players import GumbelPlayer, HeuristicEvaluator, HeuristicPlayer, MCTSPlayer, play_series  # noqa: E402


def _positions(board: str, n_players: int, count: int, seed: int) -> list:
    """``count`` decision positions spread over heuristic-vs-heuristic games."""
    rng = random.Random(seed)
    hs = [HeuristicPlayer(seed=seed + i) for i in range(n_players)]
    out: list = []
    g = 0
    while len(out) < count and g < 50:
        s = new_game(board, n_players)
        for i, h in enumerate(hs):
            h.start_game(i + 1, seed + g)
        while not s.is_over and len(out) < count:
            legal = legal_moves(s)
            if len(legal) == 1 and legal[0].is_bookkeeping:
                apply_in_place(s, legal[0])
                continue
            if len(legal) > 1 and rng.random() < 0.15:
                out.append(s.clone())
            apply_in_place(s, hs[s.current_player - 1].choose(s))
        g += 1
    return out


def _speed(player, positions) -> dict:
    sims = evals = 0
    t0 = time.perf_counter()
    for s in positions:
        player.choose(s)
        sims += player.last_simulations
        evals += player.last_stats.evaluated
    wall = time.perf_counter() - t0
    return {"positions": len(positions), "simulations": sims, "evaluated": evals, "seconds": round(wall, 3),
            "simulations_per_s": round(sims / wall, 1) if wall and sims else None,
            "decisions_per_s": round(len(positions) / wall, 2) if wall and positions else None}


def _match(player, args) -> dict:
    h = HeuristicPlayer(seed=args.seed + 1, profile=args.profile, name="heuristic")
    t0 = time.perf_counter()
    r = play_series(args.board, 2, [player, h], args.games, seed=args.seed, max_moves=args.max_moves)
    wall = time.perf_counter() - t0
    reasons: dict = {}
    for m in r.results:
        reasons[str(m.victory_reason)] = reasons.get(str(m.victory_reason), 0) + 1
    return {"games": r.games, "wins": r.wins[0], "heuristic_wins": r.wins[1], "draws": r.draws,
            "win_rate": round(r.win_rate(0), 4) if r.games else None,
            "wins_by_seat": list(r.colour_wins[0]), "games_by_seat": list(r.colour_games[0]),
            "moves": r.moves, "decisions": r.decisions, "seconds": round(wall, 3),
            "end_reasons": dict(sorted(reasons.items()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/search.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=10, help="games per match vs heuristic (default 10, even)")
    ap.add_argument("--mcts-sims", type=int, default=200)
    ap.add_argument("--gumbel-sims", type=int, default=200)
    ap.add_argument("--gumbel-nonroot", choices=("puct", "gumbel"), default="gumbel",
                    help="selection below the Gumbel root: PUCT or Gumbel MuZero's deterministic rule")
    ap.add_argument("--max-considered", type=int, default=16)
    ap.add_argument("--speed-positions", type=int, default=20, help="positions searched for simulations/s")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", default="heuristic_v1", help="heuristic profile (evaluator and opponent)")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--max-moves", type=int, default=5000, help="safety cap per game (a capped game is no win)")
    args = ap.parse_args(argv)

    print(f"search benchmark: {args.board} 2p, profile {args.profile}, seed {args.seed}", flush=True)
    ev = HeuristicEvaluator(args.profile)
    mk_mcts = lambda: MCTSPlayer(ev, simulations=args.mcts_sims, seed=args.seed, name="mcts")  # noqa: E731
    mk_gumbel = lambda: GumbelPlayer(ev, simulations=args.gumbel_sims,  # noqa: E731
                                     max_considered=args.max_considered, nonroot=args.gumbel_nonroot,
                                     seed=args.seed, name="gumbel")

    positions = _positions(args.board, 2, args.speed_positions, args.seed)
    speed = {"mcts": _speed(mk_mcts(), positions), "gumbel": _speed(mk_gumbel(), positions)}
    for k, v in speed.items():
        print(f"speed {k}: {v['simulations']} simulations over {v['positions']} positions in {v['seconds']} s = "
              f"{v['simulations_per_s']} simulations/s", flush=True)

    winrate = {}
    for k, mk in (("mcts", mk_mcts), ("gumbel", mk_gumbel)):
        w = winrate[k] = _match(mk(), args)
        print(f"win rate {k} vs heuristic: {w['wins']}/{w['games']} = {w['win_rate']} (by seat "
              f"{w['wins_by_seat']} of {w['games_by_seat']}, draws {w['draws']}), {w['seconds']} s", flush=True)

    out = {
        "bench": "search", "board": args.board, "num_players": 2, "profile": ev.version, "seed": args.seed,
        "games": args.games, "mcts_simulations": args.mcts_sims, "gumbel_simulations": args.gumbel_sims,
        "max_considered": args.max_considered, "gumbel_nonroot": args.gumbel_nonroot,
        "python": platform.python_version(), "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "speed": speed, "winrate": winrate,
    }
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
