"""Player benchmark: heuristic vs random win rate and heuristic-vs-heuristic speed (square8 2p).

    python bench/players.py                          # 200 win-rate games, 20 speed games
    python bench/players.py --games 20 --speed-games 2 --seed 3
    python bench/players.py --profile heuristic_v1 --board square8 --players 2

Win rate: ``--games`` colour-balanced games (seats swapped every game, so half with each colour)
of the heuristic against the uniform random player; a game without a winner (stalemate without
winner, or the ``--max-moves`` safety cap) counts as not a win. Speed: ``--speed-games``
heuristic-vs-heuristic games; moves/s counts every move, bookkeeping included, over the wall time
of the games (the reference heuristic AI plays 21 moves/s, REFERENCE_FIGURES.md).
Targets: win rate >= 0.95, moves/s >= 2,100. Prints a table, then ONE JSON object on the last line.
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
import platform  # noqa: E402
import time  # noqa: E402

from engine.players import HeuristicPlayer, RandomPlayer, play_series  # noqa: E402

REFERENCE_HEURISTIC_MOVES_PER_S = 21  # heuristic vs heuristic, square8 2p (REFERENCE_FIGURES.md)
TARGET_WIN_RATE = 0.95
TARGET_MOVES_PER_S = 2100


def _reasons(results) -> dict:
    out: dict = {}
    for r in results:
        out[str(r.victory_reason)] = out.get(str(r.victory_reason), 0) + 1
    return dict(sorted(out.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/players.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=200, help="heuristic-vs-random games (default 200, even)")
    ap.add_argument("--speed-games", type=int, default=20, help="heuristic-vs-heuristic games (default 20)")
    ap.add_argument("--seed", type=int, default=0, help="base seed (players and matches)")
    ap.add_argument("--profile", default="heuristic_v1", help="heuristic profile name or path")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--max-moves", type=int, default=5000, help="safety cap per game (a capped game is no win)")
    args = ap.parse_args(argv)

    n = args.players
    print(f"players benchmark: {args.board} {n}p, profile {args.profile}, seed {args.seed}", flush=True)

    # -- win rate: heuristic vs random, seats rotated every game --------------------------------
    h = HeuristicPlayer(seed=args.seed, profile=args.profile, name="heuristic")
    others = [RandomPlayer(seed=args.seed + 1 + i, name=f"random{i + 1}") for i in range(n - 1)]
    t0 = time.perf_counter()
    ws = play_series(args.board, n, [h, *others], args.games, seed=args.seed, max_moves=args.max_moves)
    wall = time.perf_counter() - t0
    wins = ws.wins[0]
    win_rate = wins / ws.games if ws.games else None
    winrate = {
        "games": ws.games, "heuristic_wins": wins, "random_wins": sum(ws.wins[1:]), "draws": ws.draws,
        "win_rate": round(win_rate, 4) if win_rate is not None else None,
        "heuristic_wins_by_seat": list(ws.colour_wins[0]), "heuristic_games_by_seat": list(ws.colour_games[0]),
        "moves": ws.moves, "seconds": round(wall, 3),
        "moves_per_s": round(ws.moves / wall, 1) if wall else None, "end_reasons": _reasons(ws.results),
    }
    print(f"win rate: heuristic {wins}/{ws.games} = {winrate['win_rate']} vs random "
          f"(by seat {winrate['heuristic_wins_by_seat']} of {winrate['heuristic_games_by_seat']}, draws {ws.draws}), "
          f"{wall:.1f} s", flush=True)

    # -- speed: heuristic vs heuristic ------------------------------------------------------------
    hs = [HeuristicPlayer(seed=args.seed + 100 + i, profile=args.profile, name=f"heuristic{i + 1}") for i in range(n)]
    t0 = time.perf_counter()
    sp = play_series(args.board, n, hs, args.speed_games, seed=args.seed + 10_000, max_moves=args.max_moves)
    wall = time.perf_counter() - t0
    mps = sp.moves / wall if wall and sp.moves else None
    ref = REFERENCE_HEURISTIC_MOVES_PER_S if (args.board, n) == ("square8", 2) else None
    speed = {
        "games": sp.games, "moves": sp.moves, "decisions": sp.decisions, "seconds": round(wall, 3),
        "moves_per_s": round(mps, 1) if mps else None,
        "decisions_per_s": round(sp.decisions / wall, 1) if wall and sp.decisions else None,
        "mean_moves_per_game": round(sp.moves / sp.games, 1) if sp.games else None,
        "reference_moves_per_s": ref, "ratio_to_reference": round(mps / ref, 1) if mps and ref else None,
        "end_reasons": _reasons(sp.results),
    }
    print(f"speed: heuristic vs heuristic {sp.games} games, {sp.moves} moves in {wall:.2f} s = "
          f"{speed['moves_per_s']} moves/s ({speed['ratio_to_reference']}x the reference 21 moves/s)", flush=True)

    out = {
        "bench": "players",
        "board": args.board,
        "num_players": n,
        "profile": h.version,
        "seed": args.seed,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "winrate": winrate,
        "speed": speed,
        "targets": {"win_rate": TARGET_WIN_RATE, "moves_per_s": TARGET_MOVES_PER_S},
        "met": {"win_rate": win_rate is not None and win_rate >= TARGET_WIN_RATE,
                "moves_per_s": mps is not None and mps >= TARGET_MOVES_PER_S},
    }
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
