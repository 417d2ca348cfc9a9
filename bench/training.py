"""Training benchmark: trainer throughput (samples/s) and peak memory with the tiny and the standard
network, on CPU and on CUDA when available.

    python bench/training.py                                   # tiny + standard, cpu (+ cuda if present)
    python bench/training.py --sizes tiny --device cpu --steps 10 --batch-size 64
    python bench/training.py --device cuda --steps 200 --batch-size 512

Data: ``--games`` heuristic games (``engine.data.generate_games``) written as a shard and exported
to NPZ chunks (``export_replay_dataset``, no validation split), cached under ``--cache`` (default
``$TMPDIR/ringrift-bench-training``) so a rerun reuses them. Training: the real trainer
(``engine.training.train``: data loading, augmentation, forward, backward, AdamW, metrics) with
the configured ``TrainingConfig`` except ``--batch-size``, ``warmup + steps`` steps in all and no
intermediate checkpoint; the epochs repeat as often as needed. samples/s counts the ``--steps``
steps after the first ``--warmup`` ones (kernel selection, allocator and data caches warming
up), timed at the end of each step (after a CUDA synchronise). Peak memory: on CUDA
``torch.cuda.max_memory_allocated``; on CPU the process's peak resident set size during the run
(VmHWM, reset before each run where Linux allows it, else the process peak so far). Prints a
table, then ONE JSON object on the last line.
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
import dataclasses  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from engine.config import load_config  # noqa: E402
from engine.data import augment, export_replay_dataset, generate_games, write_shard  # noqa: E402
from engine.data.samples import chunk_paths, load_manifest  # noqa: E402
from engine.nn.encoding import ENCODER_VERSION  # noqa: E402
from engine.nn.inference import autocast_dtype, resolve_device  # noqa: E402
from engine.nn.network import NetworkArch, build_network, parameter_count  # noqa: E402
from engine.training import TrainingRun, train  # noqa: E402


def _list(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def _devices(spec: str) -> list[str]:
    if spec == "auto":
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    return _list(spec)


def dataset(cache: Path, board: str, players: int, games: int, seed: int) -> tuple[list[Path], int, float, bool]:
    """(train chunks, samples, seconds spent making them, reused) for ``games`` heuristic games."""
    folder = cache / f"{board}_{players}p-{games}g-s{seed}-{ENCODER_VERSION}"
    out = folder / "export"
    t0 = time.perf_counter()
    try:
        m = load_manifest(out)
        return chunk_paths(out, "train"), int(m["splits"]["train"]["samples"]), 0.0, True
    except (FileNotFoundError, KeyError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    shard = folder / "games.jsonl.zst"
    if not shard.exists():
        recs = generate_games(board, players, ["heuristic"] * players, games, seed=seed)
        write_shard(recs, shard)
    rep = export_replay_dataset([shard], out, board=board, num_players=players, val_fraction=0.0, gates=None,
                                seed=seed, overwrite=True)
    if not rep.ok:
        raise SystemExit(f"export failed: {rep.to_json()}")
    return chunk_paths(out, "train"), int(rep.samples["train"]), time.perf_counter() - t0, False


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def bench_one(chunks: list[Path], board: str, players: int, size_name: str, device_name: str, steps: int, warmup: int,
              batch_size: int, amp: str, augment_on: bool, seed: int) -> dict:
    size = load_config().network.size_of(size_name)
    arch = NetworkArch.from_size(board, players, size)
    device = resolve_device(device_name)
    base = load_config().training
    cfg = dataclasses.replace(base, batch_size=batch_size, epochs=10 ** 6, max_steps=warmup + steps,
                              checkpoint_every=10 ** 9, early_stop_patience=0, amp=amp, augment=augment_on, seed=seed)
    times: list[float] = []
    losses: list[float] = []
    cuda = device.type == "cuda"

    def cb(line: dict) -> None:
        if cuda:
            torch.cuda.synchronize(device)
        times.append(time.perf_counter())
        losses.append(float(line["loss"]))

    rss_reset = _reset_peak_rss()
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        run = TrainingRun(chunks, [], Path(tmp) / "run", arch=arch, device=str(device), augment_fn=augment)
        t0 = time.perf_counter()
        r = train(run, cfg, progress_cb=cb)
        wall = time.perf_counter() - t0
    start = times[warmup - 1] if warmup > 0 else t0
    timed = len(times) - warmup
    dt = times[-1] - start if timed > 0 else 0.0
    peak = torch.cuda.max_memory_allocated(device) / 2 ** 20 if cuda else _peak_rss_mb()
    return {"size": size_name, "device": str(device) + (f" ({torch.cuda.get_device_name(device)})" if cuda else ""),
            "parameters": parameter_count(build_network(arch)), "amp": str(autocast_dtype(device, amp)),
            "batch_size": batch_size, "steps": r.steps, "timed_steps": timed,
            "samples_per_s": round(timed * batch_size / dt, 1) if dt > 0 else None,
            "ms_per_step": round(1000 * dt / timed, 2) if dt > 0 else None,
            "peak_memory_mb": round(peak, 1), "peak_memory_kind": "cuda_allocated" if cuda else
            ("rss" if rss_reset else "rss_process_peak"),
            "loss_first": round(losses[0], 4) if losses else None, "loss_last": round(losses[-1],
                                                                                      4) if losses else None,
            "wall_s": round(wall, 2)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/training.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--sizes", type=_list, default=_list("tiny,standard"),
                    help="network sizes from config/unified_loop.yaml")
    ap.add_argument("--device", default="auto", help="auto (cpu, and cuda when available), cpu, cuda, or a list")
    ap.add_argument("--steps", type=int, default=30, help="timed training steps per configuration")
    ap.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--games", type=int, default=24, help="heuristic games in the benchmark dataset")
    ap.add_argument("--amp", default="auto", help="CUDA autocast: auto, bf16, fp16, off")
    ap.add_argument("--no-augment", action="store_true", help="no random board symmetry per sample")
    ap.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "ringrift-bench-training"))
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.steps < 1 or args.warmup < 0:
        ap.error("--steps must be >= 1 and --warmup >= 0")

    chunks, samples, made_s, reused = dataset(Path(args.cache), args.board, args.players, args.games, args.seed)
    if samples < args.batch_size:
        ap.error(f"{samples} training samples: fewer than one batch of {args.batch_size}; raise --games")
    print(f"training benchmark: {args.board} {args.players}p, {samples} samples in {len(chunks)} chunks "
          f"({'cached' if reused else f'made in {made_s:.1f} s'}), batch {args.batch_size}, "
          f"{args.warmup} + {args.steps} steps, torch threads {torch.get_num_threads()}", flush=True)
    print(f"{'size':>9} {'device':>8} {'params':>11} {'samples/s':>10} {'ms/step':>9} {'peak MB':>9} {'loss':>15}",
          flush=True)
    results = []
    for dev in _devices(args.device):
        for size in args.sizes:
            r = bench_one(chunks, args.board, args.players, size, dev, args.steps, args.warmup, args.batch_size,
                          args.amp, not args.no_augment, args.seed)
            results.append(r)
            print(f"{size:>9} {dev:>8} {r['parameters']:>11,} {r['samples_per_s']!s:>10} {r['ms_per_step']!s:>9} "
                  f"{r['peak_memory_mb']:>9} {r['loss_first']!s:>7}->{r['loss_last']!s:<7}", flush=True)
    out = {"bench": "training", "board": args.board, "num_players": args.players, "games": args.games,
           "samples": samples, "chunks": len(chunks), "dataset_cached": reused, "batch_size": args.batch_size,
           "steps": args.steps, "warmup": args.warmup, "augment": not args.no_augment, "results": results,
           "threads": torch.get_num_threads(), "cuda_available": torch.cuda.is_available(),
           "python": platform.python_version(), "torch": torch.__version__}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
