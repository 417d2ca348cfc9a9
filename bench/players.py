"""Player benchmark: heuristic vs random win rate and heuristic-vs-heuristic speed (square8 2p).

    python bench/players.py                          # 5 seeds x 200 win-rate games, 20 speed games
    python bench/players.py --seeds 0,1,2 --games 100 --speed-games 40 --clock cpu
    python bench/players.py --seed 3 --games 20      # one seed
    python bench/players.py --profile heuristic_v1 --board square8 --players 2

The profile defaults to heuristic_v2 (engine/players/heuristic.py), the one the targets are met with.

Win rate: for each seed of ``--seeds``, ``--games`` colour-balanced games (seats swapped every game, so
half with each colour) of the heuristic against the uniform random player, the seed giving the players'
seeds (heuristic ``seed``, random ``seed + 1``...) and the first match seed (game g uses ``seed + g``),
as ``play_series`` does. A game without a winner (stalemate without winner, or the ``--max-moves``
safety cap) counts as not a win. Each seed's series and the pooled games get a Wilson 95% score
interval. The target (the issue's "beat random in >= 95% of 200 colour-balanced games") is met when
every seed's series reaches it.

Speed: ``--speed-games`` heuristic-vs-heuristic games (match seeds from ``first seed + 10000``);
moves/s counts every move, bookkeeping included, over the time of the games on ``--clock``: ``wall``
(perf_counter, default) or ``cpu`` (this process's CPU time, which other processes on a busy machine do
not inflate); both figures are reported, the chosen one is the headline and decides the target. The
reference heuristic AI plays 21 moves/s (REFERENCE_FIGURES.md); target >= 2,100 moves/s (100x).
Prints a table, then ONE JSON object on the last line.
"""

from __future__ import annotations

import os
import sys

# ``python bench/players.py`` puts bench/ first on sys.path (bench/engine.py would shadow the
# ``engine`` package): drop it and make sure the repository root is importable.
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

from engine.players import HeuristicPlayer, RandomPlayer, play_series  # noqa: E402

REFERENCE_HEURISTIC_MOVES_PER_S = 21  # heuristic vs heuristic, square8 2p (REFERENCE_FIGURES.md)
TARGET_WIN_RATE = 0.95
TARGET_MOVES_PER_S = 2100
DEFAULT_SEEDS = "0,1,2,3,4"
BENCH_PROFILE = "heuristic_v2"  # the strongest profile (engine/players/heuristic.py), not DEFAULT_PROFILE


def wilson(wins: int, games: int, z: float = 1.959964) -> tuple[float, float] | None:
    """Wilson score interval of a binomial proportion (95% for the default z); None without games."""
    if games <= 0:
        return None
    p = wins / games
    denom = 1 + z * z / games
    centre = (p + z * z / (2 * games)) / denom
    half = z * math.sqrt(p * (1 - p) / games + z * z / (4 * games * games)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(wins: int, games: int) -> list[float] | None:
    w = wilson(wins, games)
    return [round(w[0], 4), round(w[1], 4)] if w else None


def _reasons(results) -> dict:
    out: dict = {}
    for r in results:
        out[str(r.victory_reason)] = out.get(str(r.victory_reason), 0) + 1
    return dict(sorted(out.items()))


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes comma-separated integers, got {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("--seeds needs at least one seed")
    return seeds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/players.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=200, help="heuristic-vs-random games per seed (default 200, even)")
    ap.add_argument("--speed-games", type=int, default=20, help="heuristic-vs-heuristic games (default 20)")
    seeds = ap.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", type=_seeds, default=None, help=f"comma-separated seeds (default {DEFAULT_SEEDS})")
    seeds.add_argument("--seed", type=int, default=None, help="a single seed (same as --seeds S)")
    ap.add_argument("--profile", default=BENCH_PROFILE,
                    help=f"heuristic profile name or path (default {BENCH_PROFILE})")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--max-moves", type=int, default=5000, help="safety cap per game (a capped game is no win)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="clock of the headline moves/s: wall (perf_counter, default) or cpu (time.process_time)")
    args = ap.parse_args(argv)

    seed_list = [args.seed] if args.seed is not None else (args.seeds or _seeds(DEFAULT_SEEDS))
    n = args.players
    print(f"players benchmark: {args.board} {n}p, profile {args.profile}, seeds {seed_list}, "
          f"{args.games} games per seed, clock {args.clock}", flush=True)

    # -- win rate: heuristic vs random, seats rotated every game, one series per seed -------------
    per_seed = []
    results = []
    version = None
    tot_wins = tot_games = tot_draws = tot_moves = 0
    by_seat_wins = [0] * n
    by_seat_games = [0] * n
    wall = cpu = 0.0
    print(f"{'seed':>6} {'wins':>9} {'rate':>7} {'wilson 95%':>17} {'draws':>6} {'by seat':>12} {'s':>7}", flush=True)
    for seed in seed_list:
        h = HeuristicPlayer(seed=seed, profile=args.profile, name="heuristic")
        version = h.version
        others = [RandomPlayer(seed=seed + 1 + i, name=f"random{i + 1}") for i in range(n - 1)]
        t0, c0 = time.perf_counter(), time.process_time()
        ws = play_series(args.board, n, [h, *others], args.games, seed=seed, max_moves=args.max_moves)
        w_s, c_s = time.perf_counter() - t0, time.process_time() - c0
        wall += w_s
        cpu += c_s
        wins = ws.wins[0]
        rate = wins / ws.games if ws.games else None
        ci = _interval(wins, ws.games)
        per_seed.append({
            "seed": seed, "games": ws.games, "heuristic_wins": wins, "random_wins": sum(ws.wins[1:]),
            "draws": ws.draws, "win_rate": round(rate, 4) if rate is not None else None, "wilson95": ci,
            "heuristic_wins_by_seat": list(ws.colour_wins[0]), "heuristic_games_by_seat": list(ws.colour_games[0]),
            "moves": ws.moves, "mean_moves_per_game": round(ws.moves / ws.games, 1) if ws.games else None,
            "end_reasons": _reasons(ws.results),
        })
        results.extend(ws.results)
        tot_wins += wins
        tot_games += ws.games
        tot_draws += ws.draws
        tot_moves += ws.moves
        for i in range(n):
            by_seat_wins[i] += ws.colour_wins[0][i]
            by_seat_games[i] += ws.colour_games[0][i]
        ci_txt = f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "-"
        rate_txt = f"{rate:.3f}" if rate is not None else "-"
        print(f"{seed:>6} {f'{wins}/{ws.games}':>9} {rate_txt:>7} {ci_txt:>17} {ws.draws:>6} "
              f"{str(list(ws.colour_wins[0])):>12} {w_s:>7.1f}", flush=True)
    overall = tot_wins / tot_games if tot_games else None
    rates = [s["win_rate"] for s in per_seed if s["win_rate"] is not None]
    clock_s = cpu if args.clock == "cpu" else wall
    winrate = {
        "seeds": seed_list, "games_per_seed": args.games,
        "games": tot_games, "heuristic_wins": tot_wins, "random_wins": tot_games - tot_wins - tot_draws,
        "draws": tot_draws, "win_rate": round(overall, 4) if overall is not None else None,
        "wilson95": _interval(tot_wins, tot_games), "min_seed_win_rate": min(rates) if rates else None,
        "heuristic_wins_by_seat": by_seat_wins, "heuristic_games_by_seat": by_seat_games,
        "moves": tot_moves, "seconds": round(clock_s, 3), "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
        "moves_per_s": round(tot_moves / clock_s, 1) if clock_s else None, "end_reasons": _reasons(results),
        "per_seed": per_seed,
    }
    ci = winrate["wilson95"]
    print(f"win rate: heuristic {tot_wins}/{tot_games} = {winrate['win_rate']} vs random "
          f"(Wilson 95% {ci}, lowest seed {winrate['min_seed_win_rate']}, by seat {by_seat_wins} of {by_seat_games}, "
          f"draws {tot_draws}), {wall:.1f} s wall / {cpu:.1f} s cpu", flush=True)

    # -- speed: heuristic vs heuristic ------------------------------------------------------------
    hs = [HeuristicPlayer(seed=seed_list[0] + 100 + i, profile=args.profile, name=f"heuristic{i + 1}")
          for i in range(n)]
    t0, c0 = time.perf_counter(), time.process_time()
    sp = play_series(args.board, n, hs, args.speed_games, seed=seed_list[0] + 10_000, max_moves=args.max_moves)
    s_wall, s_cpu = time.perf_counter() - t0, time.process_time() - c0
    s_clock = s_cpu if args.clock == "cpu" else s_wall
    mps = sp.moves / s_clock if s_clock and sp.moves else None
    ref = REFERENCE_HEURISTIC_MOVES_PER_S if (args.board, n) == ("square8", 2) else None
    speed = {
        "games": sp.games, "moves": sp.moves, "decisions": sp.decisions, "clock": args.clock,
        "seconds": round(s_clock, 3), "wall_seconds": round(s_wall, 3), "cpu_seconds": round(s_cpu, 3),
        "moves_per_s": round(mps, 1) if mps else None,
        "moves_per_s_wall": round(sp.moves / s_wall, 1) if s_wall and sp.moves else None,
        "moves_per_s_cpu": round(sp.moves / s_cpu, 1) if s_cpu and sp.moves else None,
        "decisions_per_s": round(sp.decisions / s_clock, 1) if s_clock and sp.decisions else None,
        "mean_moves_per_game": round(sp.moves / sp.games, 1) if sp.games else None,
        "reference_moves_per_s": ref, "ratio_to_reference": round(mps / ref, 1) if mps and ref else None,
        "end_reasons": _reasons(sp.results),
    }
    print(f"speed: heuristic vs heuristic {sp.games} games, {sp.moves} moves in {s_clock:.2f} s ({args.clock}) = "
          f"{speed['moves_per_s']} moves/s ({speed['ratio_to_reference']}x the reference 21 moves/s; "
          f"wall {speed['moves_per_s_wall']}, cpu {speed['moves_per_s_cpu']})", flush=True)

    out = {
        "bench": "players",
        "board": args.board,
        "num_players": n,
        "profile": version,
        "seeds": seed_list,
        "clock": args.clock,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "winrate": winrate,
        "speed": speed,
        "targets": {"win_rate": TARGET_WIN_RATE, "moves_per_s": TARGET_MOVES_PER_S},
        "met": {"win_rate": bool(rates) and min(rates) >= TARGET_WIN_RATE,
                "moves_per_s": mps is not None and mps >= TARGET_MOVES_PER_S},
    }
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
