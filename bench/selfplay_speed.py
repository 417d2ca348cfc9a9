"""Self-play speed, today's code against a baseline commit, side by side in one run.

    python bench/selfplay_speed.py                        # baseline 93e4e62, 3 repeats, workers 1 and 2
    python bench/selfplay_speed.py --repeats 5 --games 32 --moves 30 --workers 1,2
    python bench/selfplay_speed.py --baseline-dir /tmp/baseline-93e4e62   # an unpacked baseline tree

The setting is the one of ``bench/network.py --threads 1`` (the README's 111 positions/s): square8
2p, the tiny network (random weights, seed 0, identical in both trees), Gumbel with 32 simulations
and 8 considered actions, ``--games`` games in lockstep, each stopped after ``--moves`` moves,
PyTorch on one thread per process. The baseline tree is ``git archive REF`` unpacked into a
temporary folder (never into this repository). Each measurement is a fresh Python process that
imports ``engine`` from one tree and times ``play_lockstep`` (not the imports or the network
set-up); the variants (the baseline, then today's code with each ``--workers`` value) run
interleaved, once per repeat, so a machine whose load changes affects them alike. positions/s =
decisions searched per second. Reported per variant: the median over the repeats and every
repeat; the ratio to the baseline per repeat (each against the baseline run just before it) and
its median, by the wall clock and by CPU time (positions per CPU-second of the process and its
workers: what the code costs, less distorted when other work shares the cores); whether
today's code played the same games as the baseline and as itself with one worker; the load
average before and after. Prints a table, then ONE JSON object on the last line.
"""

from __future__ import annotations

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

BASELINE_REF = "93e4e62"


def _child(args: argparse.Namespace) -> int:
    """One measurement in this process, with ``engine`` imported from ``args.src``."""
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) not in (_HERE, _ROOT)]
    sys.path.insert(0, args.src)
    import torch

    torch.set_num_threads(1)
    import engine
    from engine.config import load_config
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference
    from engine.nn.network import NetworkArch, build_network
    from engine.players import GumbelPlayer, play_lockstep

    if os.path.dirname(os.path.dirname(os.path.abspath(engine.__file__))) != os.path.abspath(args.src):
        raise SystemExit(f"engine imported from {engine.__file__}, not from {args.src}")
    size = load_config().network.size_of("tiny")
    net = build_network(NetworkArch.from_size("square8", 2, size), seed=args.seed)
    ev = NetworkEvaluator(Inference(net, device="cpu"), model_id="bench-tiny")

    def make(g: int):
        return [GumbelPlayer(ev, simulations=args.sims, max_considered=args.considered, seed=args.seed + 97 * g + i)
                for i in range(2)]

    kw = {"workers": args.child_workers} if args.child_workers != 0 else {}
    c0 = _cpu_seconds()
    t0 = time.perf_counter()
    run = play_lockstep("square8", 2, make, games=args.games, seed=args.seed, max_moves=args.moves, **kw)
    dt = time.perf_counter() - t0
    cpu = _cpu_seconds() - c0
    digest = hashlib.sha256(repr([r.moves for r in run.results]).encode()).hexdigest()[:16]
    print(json.dumps({"decisions": run.decisions, "seconds": dt, "positions_per_s": run.decisions / dt,
                      "cpu_seconds": cpu, "positions_per_cpu_s": run.decisions / cpu, "games_digest": digest}))


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the forked workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime
    return 0


def _measure(src: str, workers: int, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--child", "--src", src, "--child-workers", str(workers),
           "--games", str(args.games), "--moves", str(args.moves), "--sims", str(args.sims),
           "--considered", str(args.considered), "--seed", str(args.seed)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=src, timeout=args.timeout)
    if p.returncode != 0:
        raise SystemExit(f"measurement in {src} (workers {workers}) failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def _baseline_tree(ref: str) -> str:
    dest = tempfile.mkdtemp(prefix=f"baseline-{ref}-")
    archive = subprocess.run(["git", "-C", _ROOT, "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    return dest


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/selfplay_speed.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default=BASELINE_REF, help="git ref of the baseline (default %(default)s)")
    ap.add_argument("--baseline-dir", default=None, help="an unpacked baseline tree instead of git archive")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=_ints, default=_ints("1,2"), help="worker counts of today's code to measure")
    ap.add_argument("--games", type=int, default=32)
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--sims", type=int, default=32)
    ap.add_argument("--considered", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per measurement")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--src", default=_ROOT, help=argparse.SUPPRESS)
    ap.add_argument("--child-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child(args)

    made = args.baseline_dir is None
    base = _baseline_tree(args.baseline) if made else os.path.abspath(args.baseline_dir)
    load_before = os.getloadavg()
    variants = [("baseline", base, 0)] + [(f"new w={w}", _ROOT, w) for w in args.workers]
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in variants}
    print(f"self-play speed: square8 2p, tiny network, gumbel {args.sims} simulations / {args.considered} "
          f"considered, {args.games} games in lockstep x {args.moves} moves, 1 torch thread per process; "
          f"baseline {args.baseline} ({base}); load average {load_before[0]:.2f}", flush=True)
    try:
        for rep in range(args.repeats):
            for name, src, w in variants:
                r = _measure(src, w, args)
                runs[name].append(r)
                print(f"repeat {rep + 1}: {name:>12}: {r['positions_per_s']:8.1f} positions/s, "
                      f"{r['positions_per_cpu_s']:8.1f} per CPU-s ({r['decisions']} decisions in {r['seconds']:.1f} s)",
                      flush=True)
    finally:
        if made:
            shutil.rmtree(base, ignore_errors=True)
    load_after = os.getloadavg()
    base_pps = [r["positions_per_s"] for r in runs["baseline"]]
    base_cpu = [r["positions_per_cpu_s"] for r in runs["baseline"]]
    out_variants = {}
    for name, _, w in variants:
        pps = [r["positions_per_s"] for r in runs[name]]
        cps = [r["positions_per_cpu_s"] for r in runs[name]]
        v = {"workers": w or None, "positions_per_s_median": round(statistics.median(pps), 2),
             "positions_per_s": [round(x, 2) for x in pps],
             "positions_per_cpu_s_median": round(statistics.median(cps), 2),
             "positions_per_cpu_s": [round(x, 2) for x in cps], "games_digest": runs[name][0]["games_digest"]}
        if name != "baseline":
            ratios = [a / b for a, b in zip(pps, base_pps, strict=True)]
            v["ratio_per_repeat"] = [round(x, 2) for x in ratios]
            v["ratio_median"] = round(statistics.median(ratios), 2)
            cratios = [a / b for a, b in zip(cps, base_cpu, strict=True)]
            v["cpu_ratio_per_repeat"] = [round(x, 2) for x in cratios]
            v["cpu_ratio_median"] = round(statistics.median(cratios), 2)
            v["same_games_as_baseline"] = v["games_digest"] == runs["baseline"][0]["games_digest"]
            v["same_games_as_one_worker"] = v["games_digest"] == runs[variants[1][0]][0]["games_digest"]
        out_variants[name] = v
    print()
    print(f"{'variant':>12} | {'positions/s':>11} | {'ratio':>6} | {'positions/CPU-s':>15} | {'CPU ratio':>9} | "
          "same games")
    for name, v in out_variants.items():
        ratio = f"{v['ratio_median']:.2f}x" if "ratio_median" in v else "1"
        cratio = f"{v['cpu_ratio_median']:.2f}x" if "cpu_ratio_median" in v else "1"
        same = "" if name == "baseline" else (f"baseline {v['same_games_as_baseline']}, "
                                               f"1 worker {v['same_games_as_one_worker']}")
        print(f"{name:>12} | {v['positions_per_s_median']:>11} | {ratio:>6} | {v['positions_per_cpu_s_median']:>15} | "
              f"{cratio:>9} | {same}")
    print("(medians over the repeats; a ratio is today's code over the baseline run just before it; "
          "CPU-s counts the CPU time of the process and its workers, which a loaded machine distorts less "
          "than the wall clock)")
    print(f"load average (1/5/15 min): before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}; cores {os.cpu_count()}")
    print(json.dumps({"bench": "selfplay_speed", "baseline": args.baseline, "games": args.games,
                      "moves": args.moves, "sims": args.sims, "considered": args.considered,
                      "repeats": args.repeats, "variants": out_variants, "load_before": list(load_before),
                      "load_after": list(load_after), "cores": os.cpu_count()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
