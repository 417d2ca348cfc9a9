"""Evaluation benchmark: Elo fit speed and accuracy, SPRT error rates, gauntlet throughput.

    python bench/evaluation.py                         # defaults below
    python bench/evaluation.py --players 40 --games 20000 --sprt-runs 2000 --gauntlet-games 8

Elo: ``--games`` synthetic two-player Bradley-Terry games between ``--players`` players with known
ratings (seat-1 advantage 50 Elo); reports fit seconds, RMS error and RMS z-score (calibrated
standard errors give ~1). SPRT: ``--sprt-runs`` simulated tests at H0 (0 Elo) and at H1 (elo1 =
40) of independent drawless games: false accept / false reject rates (nominal 5%) and mean
games. Gauntlet: the heuristic player against random and mcts-16 (heuristic evaluator),
``--gauntlet-games`` per opponent on square8 2p: games/s and positions per evaluator call.
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
import math  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402

from engine.evaluation import (  # noqa: E402
    GauntletSettings,
    MatchRecord,
    PlayerSpec,
    SPRTState,
    expected_score,
    fit_ratings,
    make_match_id,
    run_gauntlet,
)


def bench_elo(players: int, games: int, seed: int) -> dict:
    rng = random.Random(seed)
    true = {f"p{k}": (0.0 if k == 0 else rng.uniform(-300, 900)) for k in range(players)}
    ids = list(true)
    recs = []
    for g in range(games):
        a, b = rng.sample(ids, 2)
        ranks = (1, 2) if rng.random() < expected_score(true[a] - true[b] + 50.0) else (2, 1)
        recs.append(MatchRecord(make_match_id("bench", "elo", g), "square8_2p", ((a, ranks[0]), (b, ranks[1])),
                                "bench", "elo", g, 0, None, "bench"))
    t0 = time.perf_counter()
    table = fit_ratings(recs, anchors={"p0": 0.0})
    secs = time.perf_counter() - t0
    errs = [table[s].elo - e for s, e in true.items() if s != "p0"]
    zs = [(table[s].elo - e) / table[s].stderr for s, e in true.items() if s != "p0"]
    return {"players": players, "games": games, "seconds": secs, "iterations": table.iterations,
            "rms_error": math.sqrt(sum(e * e for e in errs) / len(errs)),
            "rms_z": math.sqrt(sum(z * z for z in zs) / len(zs)),
            "advantage": table.first_player_advantage, "advantage_true": 50.0}


def bench_sprt(runs: int, seed: int) -> dict:
    def run(elo: float, s: int) -> SPRTState:
        rng = random.Random(s)
        p = expected_score(elo)
        st = SPRTState(0.0, 40.0)
        while st.decision == "continue":
            st.update([1.0 if rng.random() < p else 0.0 for _ in range(2)])
        return st

    t0 = time.perf_counter()
    h0 = [run(0.0, seed * 1_000_003 + k) for k in range(runs)]
    h1 = [run(40.0, seed * 1_000_003 + runs + k) for k in range(runs)]
    secs = time.perf_counter() - t0
    return {"runs": runs, "false_accept": sum(s.decision == "accept" for s in h0) / runs,
            "false_reject": sum(s.decision == "reject" for s in h1) / runs,
            "mean_games_h0": sum(s.games for s in h0) / runs, "mean_games_h1": sum(s.games for s in h1) / runs,
            "updates_per_s": sum(s.pairs for s in h0 + h1) / secs}


def bench_gauntlet(games: int, seed: int) -> dict:
    ladder = [PlayerSpec("random"), PlayerSpec("mcts", simulations=16)]
    rep = run_gauntlet(PlayerSpec("heuristic"), "square8_2p", ladder, games_per_opponent=games,
                       settings=GauntletSettings(), seed=seed)
    n = len(rep.records)
    return {"games": n, "seconds": rep.seconds, "games_per_s": n / rep.seconds,
            "mean_batch": rep.positions / rep.evaluator_calls if rep.evaluator_calls else 0.0,
            "rows": [{"opponent": r.label, "score": r.score, "win_rate": r.win_rate, "win_ci": list(r.win_ci)}
                     for r in rep.rows]}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", type=int, default=20)
    ap.add_argument("--games", type=int, default=10000)
    ap.add_argument("--sprt-runs", type=int, default=500)
    ap.add_argument("--gauntlet-games", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    elo = bench_elo(a.players, a.games, a.seed)
    print(f"elo: {elo['players']} players, {elo['games']} games: {elo['seconds']:.3f}s, "
          f"{elo['iterations']} Newton steps, rms error {elo['rms_error']:.1f} Elo, rms z {elo['rms_z']:.2f}, "
          f"seat-1 advantage {elo['advantage']:.1f} (true 50)")
    sprt = bench_sprt(a.sprt_runs, a.seed)
    print(f"sprt: {sprt['runs']} runs per hypothesis: false accept {sprt['false_accept']:.3f}, false reject "
          f"{sprt['false_reject']:.3f} (nominal 0.05), mean games {sprt['mean_games_h0']:.0f} / "
          f"{sprt['mean_games_h1']:.0f}")
    gauntlet = bench_gauntlet(a.gauntlet_games, a.seed)
    print(f"gauntlet: {gauntlet['games']} games in {gauntlet['seconds']:.2f}s ({gauntlet['games_per_s']:.1f} games/s), "
          f"mean batch {gauntlet['mean_batch']:.1f}")
    for r in gauntlet["rows"]:
        print(f"  heuristic vs {r['opponent']:<10} score {r['score']:.3f} win rate {r['win_rate']:.3f} "
              f"({r['win_ci'][0]:.3f}-{r['win_ci'][1]:.3f})")
    out = {"bench": "evaluation", "python": platform.python_version(), "elo": elo, "sprt": sprt, "gauntlet": gauntlet}
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
