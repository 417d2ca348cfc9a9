"""Network benchmark: forward-pass throughput by batch size, and Gumbel self-play with the network,
one game at a time and many games in lockstep.

    python bench/network.py                                  # tiny net, cpu, square8 2p
    python bench/network.py --size standard --device cuda    # on a GPU
    python bench/network.py --batches 1,8,64 --lockstep 1,16,64 --sims 16 --moves 40

Forward: ``predict`` on batches of real encoded positions (``--batches``), positions/s over
``--seconds`` per batch size. Self-play: ``G`` games (``--lockstep``) of Gumbel players
(``--sims`` simulations, ``--considered`` sampled actions) sharing one network evaluator, each game
stopped after ``--moves`` moves (a throughput measurement, not complete games);
positions/s = decisions searched per second, simulations/s = simulations per second, mean batch =
positions per forward pass. ``G = 1`` is the single-game baseline (batches are then the Gumbel
rounds of one search). The best ``G`` by positions/s is reported. Prints a table, then ONE JSON
object on the last line.
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
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from engine.config import load_config  # noqa: E402
from engine.nn import encode_state  # noqa: E402
from engine.nn.evaluator import NetworkEvaluator  # noqa: E402
from engine.nn.inference import Inference  # noqa: E402
from engine.nn.network import NetworkArch, build_network, parameter_count  # noqa: E402
from engine.players import GumbelPlayer, RandomPlayer, play_lockstep, play_match  # noqa: E402


def _ints(s: str) -> list[int]:
    return [int(x) for x in s.split(",") if x]


def _sample_inputs(board: str, n_players: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Encoded positions from random games (cycled to ``count``)."""
    enc = []
    g = 0
    while len(enc) < min(count, 256):
        r = play_match(board, n_players, [RandomPlayer(seed=g + i) for i in range(n_players)], seed=g, max_moves=200)
        from engine.game import GameConfig, replay

        states = replay(GameConfig(board, n_players), r.moves)
        enc += [encode_state(s) for s in states[:-1:3]]
        g += 1
    idx = [i % len(enc) for i in range(count)]
    return np.stack([enc[i][0] for i in idx]), np.stack([enc[i][1] for i in idx])


def _forward(inf: Inference, board: str, n_players: int, batches: list[int], seconds: float) -> list[dict]:
    planes, glob = _sample_inputs(board, n_players, max(batches))
    out = []
    for b in batches:
        x, g = planes[:b], glob[:b]
        inf.predict(x, g)  # warm-up
        n = 0
        t0 = time.perf_counter()
        while True:
            inf.predict(x, g)
            n += b
            dt = time.perf_counter() - t0
            if dt >= seconds:
                break
        out.append({"batch": b, "positions_per_s": round(n / dt, 1), "ms_per_batch": round(1000 * dt * b / n, 3)})
        print(f"forward batch {b:4d}: {out[-1]['positions_per_s']:>10} positions/s, "
              f"{out[-1]['ms_per_batch']} ms per batch", flush=True)
    return out


def _selfplay(ev: NetworkEvaluator, board: str, n_players: int, games: int, sims: int, considered: int,
              moves: int, seed: int) -> dict:
    def make(g: int):
        return [GumbelPlayer(ev, simulations=sims, max_considered=considered, seed=seed + 97 * g + i)
                for i in range(n_players)]

    t0 = time.perf_counter()
    run = play_lockstep(board, n_players, make, games=games, seed=seed, max_moves=moves)
    dt = time.perf_counter() - t0
    decisions = run.decisions
    simulations = sum(st.evaluated for r in run.results for st in r.stats if st is not None)
    return {"games": games, "decisions": decisions, "seconds": round(dt, 3),
            "positions_per_s": round(decisions / dt, 2), "evaluations_per_s": round(simulations / dt, 1),
            "simulations_per_s": round(decisions * sims / dt, 1), "mean_batch": round(run.mean_batch, 1),
            "forward_passes": run.evaluator_calls}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/network.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--size", default="tiny", help="network size from config/unified_loop.yaml (tiny, standard)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--batches", type=_ints, default=_ints("1,8,32,64,128,256"))
    ap.add_argument("--seconds", type=float, default=2.0, help="time per forward batch size")
    ap.add_argument("--lockstep", type=_ints, default=_ints("1,8,32,64"), help="games in lockstep to try")
    ap.add_argument("--sims", type=int, default=32)
    ap.add_argument("--considered", type=int, default=8)
    ap.add_argument("--moves", type=int, default=30, help="moves per game (throughput run, not full games)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    size = load_config().network.size_of(args.size)
    arch = NetworkArch.from_size(args.board, args.players, size)
    net = build_network(arch, seed=args.seed)
    inf = Inference(net, device=args.device)
    ev = NetworkEvaluator(inf, model_id=f"bench-{args.size}")
    dev = str(inf.device) + (f" ({torch.cuda.get_device_name(inf.device)})" if inf.device.type == "cuda" else "")
    print(f"network benchmark: {args.board} {args.players}p, size {args.size} ({parameter_count(net):,} parameters), "
          f"device {dev}, amp {inf.dtype}, torch threads {torch.get_num_threads()}", flush=True)

    forward = _forward(inf, args.board, args.players, args.batches, args.seconds)
    selfplay = []
    for g in args.lockstep:
        r = _selfplay(ev, args.board, args.players, g, args.sims, args.considered, args.moves, args.seed)
        r["lockstep"] = g
        selfplay.append(r)
        print(f"self-play {g:3d} games in lockstep: {r['positions_per_s']:>8} positions/s, "
              f"{r['simulations_per_s']:>9} simulations/s, mean batch {r['mean_batch']}", flush=True)
    best_fwd = max(forward, key=lambda r: r["positions_per_s"]) if forward else None
    best_sp = max(selfplay, key=lambda r: r["positions_per_s"]) if selfplay else None
    if best_sp:
        base = next((r for r in selfplay if r["lockstep"] == 1), None)
        print(f"best: {best_sp['lockstep']} games in lockstep, {best_sp['positions_per_s']} positions/s"
              + (f" ({best_sp['positions_per_s'] / base['positions_per_s']:.1f}x one game)" if base else ""))
    out = {"bench": "network", "board": args.board, "num_players": args.players, "size": args.size,
           "parameters": parameter_count(net), "device": dev, "amp": str(inf.dtype), "threads": torch.get_num_threads(),
           "sims": args.sims, "considered": args.considered, "moves": args.moves, "forward": forward,
           "selfplay": selfplay, "best_forward_batch": best_fwd["batch"] if best_fwd else None,
           "best_lockstep": best_sp["lockstep"] if best_sp else None, "python": platform.python_version(),
           "torch": torch.__version__}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
