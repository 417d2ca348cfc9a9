"""Export benchmark: heuristic-vs-heuristic game shards -> NPZ chunks (engine.data.export_replay_dataset).

    python bench/export.py                                   # 500 square8 2p games
    python bench/export.py --games 40 --board hex8 --players 3
    python bench/export.py --games 200 --no-dedup --cache-dir /tmp/my-cache

Games: ``--games`` heuristic-vs-heuristic games (seats rotated), written as zstd shards of
``--shard-games`` games, cached under ``--cache-dir`` (default /tmp/ringrift-bench-export) keyed by
board, players, games, seed, cap, the engine/encoder versions and a hash of the engine and players
source; a later run reuses them. Generation runs in a child process so that the peak memory
reported is the export's.

Export: a full ``export_replay_dataset`` (parity gate, quality gates, dedup, spill, chunks,
manifest) into a fresh folder, timed with the process CPU clock (``time.process_time``: the
export is single-threaded, so samples per CPU second = samples/s per core) and the wall clock.
Peak memory: ``ru_maxrss`` of this process (after imports, before the export it is reported too),
and optionally ``--tracemalloc`` (Python allocations; slows the export, so its timing is not used).
Target: >= 5,000 samples/s per core on square8. Prints progress, then ONE JSON object on the last line.
"""

from __future__ import annotations

import os
import sys

# ``python bench/export.py`` puts bench/ first on sys.path (bench/engine.py would shadow the
# ``engine`` package): drop it and make sure the repository root is importable.
_HERE = os.path.dirname(os.path.abspath(__file__))
_ROOT = os.path.dirname(_HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

TARGET_SAMPLES_PER_S = 5000


def _rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(r / 1024 if sys.platform != "darwin" else r / 2 ** 20, 1)


def _cache_dir(args) -> Path:
    import hashlib

    from engine.data import engine_version
    from engine.nn import ENCODER_VERSION
    tag = f"{args.board}_{args.players}p_{args.games}g_seed{args.seed}_{args.shard_games}pershard_cap{args.max_moves}"
    # the games depend on the rules engine and the players' code: a change to either makes new games
    src = hashlib.sha256()
    for folder in ("game", "players"):
        for f in sorted((Path(_ROOT) / "engine" / folder).rglob("*.py")) + \
                sorted((Path(_ROOT) / "engine" / folder).rglob("*.json")):
            src.update(f.read_bytes())
    ver = f"{engine_version().replace(' ', '-')}_{ENCODER_VERSION}_{src.hexdigest()[:12]}"
    return Path(args.cache_dir) / ver / tag


def generate(args) -> int:
    """Write the shards (child-process entry point)."""
    from engine.data import generate_games, write_shard
    d = _cache_dir(args)
    d.mkdir(parents=True, exist_ok=True)
    n = args.players
    k = 0
    for start in range(0, args.games, args.shard_games):
        count = min(args.shard_games, args.games - start)
        recs = generate_games(args.board, n, ["heuristic"] * n, count, seed=args.seed + start,
                              max_moves=args.max_moves, namespace=f"bench-export-{args.seed}")
        write_shard(recs, d / f"games-{k:04d}.jsonl.zst")
        k += 1
        print(f"  shard {k}: {count} games", flush=True)
    (d / "done.json").write_text(json.dumps({"games": args.games, "shards": k}))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench/export.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--games", type=int, default=500, help="heuristic-vs-heuristic games (default 500)")
    ap.add_argument("--board", default="square8")
    ap.add_argument("--players", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard-games", type=int, default=100, help="games per shard (default 100)")
    ap.add_argument("--max-moves", type=int, default=None, help="safety cap per game (default none)")
    ap.add_argument("--chunk-samples", type=int, default=None, help="samples per chunk (default: per board)")
    ap.add_argument("--val-fraction", type=float, default=0.05)
    ap.add_argument("--no-dedup", action="store_true", help="export without deduplication")
    ap.add_argument("--tracemalloc", action="store_true", help="also run once under tracemalloc (peak Python memory)")
    ap.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "ringrift-bench-export"))
    ap.add_argument("--keep", action="store_true", help="keep the exported folder (printed)")
    ap.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_only:
        return generate(args)

    from engine.data import GateConfig, export_replay_dataset

    d = _cache_dir(args)
    gen_seconds = None
    if not (d / "done.json").exists():
        print(f"generating {args.games} {args.board} {args.players}p heuristic games into {d}", flush=True)
        t = time.perf_counter()
        cmd = [sys.executable, os.path.abspath(__file__), "--generate-only", "--games", str(args.games), "--board",
               args.board, "--players", str(args.players), "--seed", str(args.seed), "--shard-games",
               str(args.shard_games), "--cache-dir", args.cache_dir]
        if args.max_moves is not None:
            cmd += ["--max-moves", str(args.max_moves)]
        subprocess.run(cmd, check=True)
        gen_seconds = round(time.perf_counter() - t, 2)
    else:
        print(f"reusing cached games in {d}", flush=True)
    shards = sorted(d.glob("games-*.jsonl.zst"))
    shard_bytes = sum(p.stat().st_size for p in shards)

    gates = GateConfig(max_capped_share=1.0)  # a benchmark measures; it does not judge the games
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    rss_before = _rss_mb()
    c0, w0 = time.process_time(), time.perf_counter()
    rep = export_replay_dataset(shards, out / "export", board=args.board, num_players=args.players,
                                chunk_samples=args.chunk_samples, val_fraction=args.val_fraction,
                                dedup=not args.no_dedup, gates=gates)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    rss_peak = _rss_mb()
    if not rep.ok:
        print(f"export failed: {rep.gates.summary() if rep.gates else rep}", flush=True)
    out_bytes = sum(c["bytes"] for s in ("train", "val") for c in rep.chunks[s])
    samples = rep.total_samples
    positions = rep.counts.get("positions", 0)
    sps = samples / cpu if cpu else None
    print(f"export: {positions} positions -> {samples} samples ({rep.samples['train']} train, "
          f"{rep.samples['val']} val, {rep.counts.get('merged', 0)} merged) in {cpu:.2f} CPU s "
          f"(scan {rep.seconds.get('scan_cpu')} + write {rep.seconds.get('write_cpu')}), {wall:.2f} s wall: "
          f"{sps:.0f} samples/s per core; peak RSS {rss_peak} MiB ({rss_before} MiB before)", flush=True)

    traced = None
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start()
        export_replay_dataset(shards, out / "traced", board=args.board, num_players=args.players,
                              chunk_samples=args.chunk_samples, val_fraction=args.val_fraction,
                              dedup=not args.no_dedup, gates=gates)
        traced = round(tracemalloc.get_traced_memory()[1] / 2 ** 20, 1)
        tracemalloc.stop()
        print(f"tracemalloc peak: {traced} MiB", flush=True)

    result = {
        "bench": "export",
        "board": args.board,
        "num_players": args.players,
        "games": args.games,
        "seed": args.seed,
        "dedup": not args.no_dedup,
        "chunk_samples": args.chunk_samples,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "generation_seconds": gen_seconds,
        "shards": len(shards),
        "shard_bytes": shard_bytes,
        "ok": rep.ok,
        "positions": positions,
        "samples": samples,
        "samples_train": rep.samples["train"],
        "samples_val": rep.samples["val"],
        "merged": rep.counts.get("merged", 0),
        "chunks": len(rep.chunks["train"]) + len(rep.chunks["val"]),
        "npz_bytes": out_bytes,
        "bytes_per_sample": round(out_bytes / samples, 1) if samples else None,
        "cpu_seconds": round(cpu, 3),
        "scan_cpu_seconds": rep.seconds.get("scan_cpu"),
        "write_cpu_seconds": rep.seconds.get("write_cpu"),
        "wall_seconds": round(wall, 3),
        "samples_per_s_per_core": round(sps, 1) if sps else None,
        "positions_per_s_per_core": round(positions / cpu, 1) if cpu else None,
        "peak_rss_mb": rss_peak,
        "rss_before_export_mb": rss_before,
        "tracemalloc_peak_mb": traced,
        "target_samples_per_s": TARGET_SAMPLES_PER_S,
        "met": bool(sps and sps >= TARGET_SAMPLES_PER_S),
        "out_dir": str(out) if args.keep else None,
    }
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    print(json.dumps(result, sort_keys=True))
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
