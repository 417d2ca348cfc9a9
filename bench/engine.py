"""Engine benchmark: uniformly random games per config, timing move generation and application.

    python bench/engine.py                         # all 12 configs, ~10 s each
    python bench/engine.py --configs square8_2p,hex8_2p --seconds 5
    python bench/engine.py --games 20 --seed 3

For each config it plays random games (``random.Random(seed).choice(legal_moves(s))`` at every step,
bookkeeping moves included, as the reference figures count them) through the public API and
accumulates ``time.perf_counter`` around ``legal_moves`` and ``apply_move`` separately. Reported:
games/s, moves/s (every move counted; wall time of the game loop), legal-move calls/s and apply
calls/s (calls divided by the time spent inside that function), and the ratio of moves/s to the
reference engine (REFERENCE_FIGURES.md; same machine class, but timings there vary 10-25% from run
to run). If the engine exposes an in-place fast path (``engine.game.apply_in_place`` or
``apply_move_inplace``), the same measurement is repeated with it.

Prints a human table, then ONE JSON object on the last line (bench/README.md).
"""

from __future__ import annotations

import os
import sys

# Running ``python bench/engine.py`` puts bench/ first on sys.path, where this file would shadow the
# ``engine`` package: drop that entry and make sure the repository root is importable.
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
from time import perf_counter  # noqa: E402

import engine.game as eg  # noqa: E402
from engine.game.moves import BOOKKEEPING_TYPES  # noqa: E402

BOARDS = ("square8", "square19", "hex8", "hexagonal")
ALL_CONFIGS = tuple(f"{b}_{n}p" for b in BOARDS for n in (2, 3, 4))

# Reference engine moves/s and games/s, random vs random on a 2-core machine
# (/work/shared/rules/REFERENCE_FIGURES.md, 2026-11-23). Configs not listed there have no reference.
REFERENCE_MOVES_PER_S = {"square8_2p": 442, "square8_3p": 440, "square8_4p": 392, "hex8_2p": 567,
                         "square19_2p": 118, "hexagonal_2p": 61}
REFERENCE_GAMES_PER_S = {"square8_2p": 3.46, "square8_3p": 3.05, "square8_4p": 2.30, "hex8_2p": 3.49,
                         "square19_2p": 0.21, "hexagonal_2p": 0.06}
# Per-call reference costs (square8 2p): legal-move generation ~850 calls/s, application ~2,200 calls/s.
REFERENCE_CALLS_PER_S = {"square8_2p": {"legal": 850, "apply": 2200}}


def _inplace_fn():
    for name in ("apply_in_place", "apply_move_inplace", "apply_inplace"):
        fn = getattr(eg, name, None)
        if callable(fn):
            return name, fn
    return None, None


def parse_configs(spec: str) -> list[tuple[str, str, int]]:
    names = list(ALL_CONFIGS) if spec.strip() in ("", "all") else [s.strip() for s in spec.split(",") if s.strip()]
    out = []
    for name in names:
        board, _, p = name.rpartition("_")
        if board not in BOARDS or p not in ("2p", "3p", "4p"):
            raise SystemExit(f"bad config {name!r}: expected BOARD_Np with BOARD in {', '.join(BOARDS)}, N in 2..4")
        out.append((name, board, int(p[0])))
    return out


def bench_config(board: str, players: int, *, seconds: float | None, games: int | None, seed: int,
                 inplace: bool = False, clock=perf_counter) -> dict:
    """Play random games until ``games`` are done or ``seconds`` have passed (a game in progress when
    the budget runs out is finished unless that takes more than the budget again)."""
    new_game, legal_moves = eg.new_game, eg.legal_moves
    apply = eg.apply_move
    if inplace:
        _, apply = _inplace_fn()
    rng = random.Random(seed)
    choice = rng.choice
    t_legal = t_apply = 0.0
    n_legal = n_apply = 0
    moves = decisions = done = 0
    reasons: dict[str, int] = {}
    hard_stop = None if seconds is None else 2 * seconds
    start = clock()
    while True:
        elapsed = clock() - start
        if games is not None and done >= games:
            break
        if games is None and elapsed >= seconds:
            break
        s = new_game(board, players)
        cut = False
        while not s.is_over:
            t0 = perf_counter()
            legal = legal_moves(s)
            t1 = perf_counter()
            m = choice(legal)
            t2 = perf_counter()
            if inplace:
                apply(s, m)
            else:
                s = apply(s, m)
            t3 = perf_counter()
            t_legal += t1 - t0
            t_apply += t3 - t2
            n_legal += 1
            n_apply += 1
            moves += 1
            if m.type not in BOOKKEEPING_TYPES:
                decisions += 1
            if hard_stop is not None and (moves & 63) == 0 and clock() - start > hard_stop:
                cut = True
                break
        if cut:
            break
        done += 1
        reasons[s.victory_reason] = reasons.get(s.victory_reason, 0) + 1
    wall = clock() - start
    return {
        "games": done,
        "moves": moves,
        "decisions": decisions,
        "seconds": round(wall, 4),
        "games_per_s": round(done / wall, 3) if wall else None,
        "moves_per_s": round(moves / wall, 1) if wall else None,
        "legal_calls": n_legal,
        "legal_calls_per_s": round(n_legal / t_legal, 1) if t_legal else None,
        "apply_calls": n_apply,
        "apply_calls_per_s": round(n_apply / t_apply, 1) if t_apply else None,
        "legal_seconds": round(t_legal, 4),
        "apply_seconds": round(t_apply, 4),
        "mean_moves_per_game": round(moves / done, 1) if done else None,
        "mean_decisions_per_game": round(decisions / done, 1) if done else None,
        "end_reasons": dict(sorted(reasons.items(), key=lambda kv: str(kv[0]))),
    }


def _ratio(value, ref):
    return round(value / ref, 2) if value and ref else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/engine.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--configs", default="all", help="'all' or a comma list like square8_2p,hex8_3p")
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget per config and mode (default 10)")
    ap.add_argument("--games", type=int, default=None, help="play exactly this many games per config instead")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-inplace", action="store_true", help="skip the in-place fast path measurement")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="clock of the games/s and moves/s figures: wall (perf_counter, default) or cpu "
                         "(time.process_time: this process's CPU time, which other processes do not inflate); "
                         "the per-call rates always use perf_counter")
    args = ap.parse_args(argv)

    configs = parse_configs(args.configs)
    clock = time.process_time if args.clock == "cpu" else perf_counter
    seconds = None if args.games is not None else args.seconds
    inplace_name, _ = _inplace_fn()
    do_inplace = inplace_name is not None and not args.no_inplace

    results = {}
    head = ("config", "games", "moves", "games/s", "moves/s", "ref", "ratio", "legal/s", "apply/s", "moves/game",
            "inplace moves/s", "inplace apply/s")
    print(f"engine benchmark: seed {args.seed}, "
          f"{f'{args.games} games' if args.games is not None else f'{args.seconds:.1f} s'} per config"
          f"{', in-place path: ' + inplace_name if do_inplace else ', no in-place path'}", flush=True)
    rows = []
    for name, board, n in configs:
        r = bench_config(board, n, seconds=seconds, games=args.games, seed=args.seed, clock=clock)
        r["reference_moves_per_s"] = REFERENCE_MOVES_PER_S.get(name)
        r["ratio_to_reference"] = _ratio(r["moves_per_s"], REFERENCE_MOVES_PER_S.get(name))
        r["reference_games_per_s"] = REFERENCE_GAMES_PER_S.get(name)
        r["inplace"] = None
        if do_inplace:
            ri = bench_config(board, n, seconds=seconds, games=args.games, seed=args.seed, inplace=True, clock=clock)
            ri["function"] = inplace_name
            ri["ratio_to_reference"] = _ratio(ri["moves_per_s"], REFERENCE_MOVES_PER_S.get(name))
            r["inplace"] = ri
        results[name] = r
        ri = r["inplace"] or {}
        row = (name, str(r["games"]), str(r["moves"]), f"{r['games_per_s']:.2f}", f"{r['moves_per_s']:.0f}",
               str(r["reference_moves_per_s"] or "-"),
               f"{r['ratio_to_reference']:.1f}x" if r["ratio_to_reference"] else "-",
               f"{r['legal_calls_per_s']:.0f}", f"{r['apply_calls_per_s']:.0f}",
               f"{r['mean_moves_per_game']}" if r["mean_moves_per_game"] else "-",
               f"{ri['moves_per_s']:.0f}" if ri else "-", f"{ri['apply_calls_per_s']:.0f}" if ri else "-")
        rows.append(row)
        print("  ".join(row), flush=True)

    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)] if rows else [len(h) for h in head]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    print("(moves/s counts every move, bookkeeping included; legal/s and apply/s = calls per second spent inside "
          "legal_moves / apply_move; ref = REFERENCE_FIGURES.md moves/s, which varies 10-25% run to run)")
    out = {
        "bench": "engine",
        "clock": args.clock,
        "seed": args.seed,
        "seconds_per_config": seconds,
        "games_per_config": args.games,
        "inplace_function": inplace_name if do_inplace else None,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "reference_calls_per_s": REFERENCE_CALLS_PER_S,
        "configs": results,
    }
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
