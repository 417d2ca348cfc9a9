"""Generations benchmark: the improvement loop from nothing on one config, measured.

    python bench/generations.py                              # square8 2p, 4 generations
    python bench/generations.py --generations 2 --games 16   # quicker

Generation 0 bootstraps from heuristic self-play; each later generation plays Gumbel self-play
with the current champion network (heuristic again while there is none), exports the window,
trains a candidate from the champion (from scratch before the first), plays it against
``random`` and ``heuristic`` (``--gauntlet-games`` each, colour-balanced) and runs the SPRT
promotion against the champion (against ``random`` before the first). Everything goes through
``engine.loop`` on a local store + SQLite under ``--home`` (a fresh temporary folder by default).
Prints one row per generation, then ONE JSON object on the last line.
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
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/generations.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="square8_2p")
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--games", type=int, default=48, help="selfplay games per generation")
    ap.add_argument("--sims", type=int, default=32, help="gumbel simulations per move (selfplay and evaluation)")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--gauntlet-games", type=int, default=20, help="games against random and against heuristic")
    ap.add_argument("--promotion-max-games", type=int, default=80)
    ap.add_argument("--size", default="tiny")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--home", default=None, help="state folder (default: a new temporary folder)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--start", type=int, default=0, help="first generation to run (continue a run in --home)")
    ap.add_argument("--file", default=None, help="a config file (e.g. config/goal_square8_2p.yaml) instead of the "
                    "settings above; only --home, --config, --generations, --threads and --seed apply")
    args = ap.parse_args(argv)

    import torch

    from engine.config import config_from_dict
    from engine.loop import (
        open_context,
        run_export,
        run_gauntlet_stage,
        run_promotion_stage,
        run_selfplay,
        run_training,
    )

    torch.set_num_threads(args.threads)
    home = args.home or tempfile.mkdtemp(prefix="ringrift-generations-")
    if args.file:
        import yaml

        raw = yaml.safe_load(Path(args.file).read_text()) or {}
        cfg = config_from_dict({**raw, "home": home}, env={})
        args.games, args.sims = cfg.selfplay.games_per_batch, cfg.selfplay.simulations
        args.epochs, args.size = cfg.training.epochs, cfg.network.size
    else:
        cfg = None
    cfg = cfg or config_from_dict({
        "home": home,
        "network": {"size": args.size},
        "selfplay": {"games_per_batch": args.games, "simulations": args.sims, "max_considered": 8},
        "training": {"epochs": args.epochs, "batch_size": 128, "warmup_steps": 20, "checkpoint_every": 500,
                     "early_stop_patience": 0},
        "export": {"window": {"min_window": 50_000}, "gates": {"min_games": 1}},
        "gauntlet": {"games_per_opponent": args.gauntlet_games, "ladder_simulations": [], "champions": 0},
        "promotion": {"max_games": args.promotion_max_games, "min_games": 20, "batch_pairs": 10},
    }, env={})
    ctx = open_context(cfg)
    print(f"generations benchmark: {args.config}, {args.generations} generations of {args.games} games, "
          f"gumbel {args.sims} simulations, {args.size} network, home {home}", flush=True)
    rows = []
    t_all = time.perf_counter()
    for g in range(args.start, args.generations):
        t0 = time.perf_counter()
        sp = run_selfplay(ctx, args.config, args.games, seed=args.seed + g, batch_id=f"gen{g}")
        ex = run_export(ctx, args.config)
        if not ex.ok:
            print(f"generation {g}: export refused: {ex.reason}")
            break
        tr = run_training(ctx, args.config, ex.dataset_id, run_id=f"gen{g}")
        ga = run_gauntlet_stage(ctx, args.config, tr.model_id, run_id=f"gen{g}", seed=args.seed + g)
        pr = run_promotion_stage(ctx, args.config, tr.model_id, run_id=f"gen{g}-promotion", seed=args.seed + g)
        wr = {r["opponent"]: r for r in ga.rows}
        heur = next((k for k in wr if k.startswith("heuristic")), "heuristic")
        row = {"generation": g, "selfplay_engine": sp.engine, "games": sp.games,
               "train_samples": ex.samples.get("train"),
               "steps": tr.steps, "init": tr.init.split(":")[0], "val_loss": tr.best_val,
               "vs_random": wr.get("random", {}).get("win_rate"), "vs_heuristic": wr.get(heur, {}).get("win_rate"),
               "heuristic": heur,
               "promotion": pr.decision, "promotion_games": pr.games, "promoted": pr.promoted,
               "model": tr.model_id[:12], "seconds": round(time.perf_counter() - t0, 1)}
        rows.append(row)
        print(f"gen {g}: selfplay {sp.engine} {sp.games} games, {row['train_samples']} train samples, "
              f"{tr.steps} steps from {row['init']}, val loss "
              f"{'-' if tr.best_val is None else format(tr.best_val, '.3f')}, "
              f"vs random {row['vs_random']}, vs heuristic {row['vs_heuristic']}, "
              f"promotion {pr.decision} ({pr.games} games), {row['seconds']} s", flush=True)
    out = {"bench": "generations", "config": args.config, "generations": rows, "games": args.games, "sims": args.sims,
           "epochs": args.epochs, "size": args.size, "threads": args.threads, "home": home,
           "seconds": round(time.perf_counter() - t_all, 1)}
    print(json.dumps(out))
    ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
