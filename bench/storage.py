"""Artifact store benchmark: throughput of the content-addressed store per backend.

    python bench/storage.py                          # file and memory backends, 8 objects of 8 MiB
    python bench/storage.py --objects 4 --mib 32
    AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
        python bench/storage.py --s3-url s3://bucket/bench --s3-endpoint http://minio:9000

For each backend: put_bytes, put_file, get_bytes (verified), fetch_to (verified, to a local file)
in MiB/s, pointer compare-and-swap moves per second, and a full sync of the store into a fresh
local cache in MiB/s. Local stores write durably (fsync), as in production.

Prints a human table, then ONE JSON object on the last line (bench/README.md).
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
import tempfile  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402
from time import perf_counter  # noqa: E402

from engine.storage import Manifest, ManifestEntry, open_store, sync_store  # noqa: E402


def mib_per_s(nbytes: int, seconds: float) -> float:
    return round(nbytes / (1 << 20) / max(seconds, 1e-9), 1)


def bench_store(store, work: Path, objects: int, size: int, swaps: int) -> dict:
    payloads = [os.urandom(size) for _ in range(objects)]
    total = objects * size
    t = perf_counter()
    refs = [store.put_bytes(p) for p in payloads]
    put_s = perf_counter() - t
    files = []
    for i in range(objects):
        f = work / f"in-{i}"
        f.write_bytes(os.urandom(size))
        files.append(f)
    t = perf_counter()
    refs += [store.put_file(f) for f in files]
    put_file_s = perf_counter() - t
    t = perf_counter()
    for r in refs[:objects]:
        store.get_bytes(r.sha256)
    get_s = perf_counter() - t
    t = perf_counter()
    for i, r in enumerate(refs[:objects]):
        store.fetch_to(r.sha256, work / f"out-{i}")
    fetch_s = perf_counter() - t
    mid = store.put_manifest(Manifest.build("bench", [ManifestEntry.for_object(f"o{i}", r) for i,
                                                      r in enumerate(refs)]))
    name = f"bench/{uuid.uuid4().hex[:8]}"
    p = None
    t = perf_counter()
    for _ in range(swaps):
        p = store.swap_pointer(name, mid, p)
    swap_s = perf_counter() - t
    cache = open_store(work / "cache")
    t = perf_counter()
    report = sync_store(store, cache, manifests=[mid])
    sync_s = perf_counter() - t
    assert report.ok, report.errors
    return {"put_bytes_mib_s": mib_per_s(total, put_s), "put_file_mib_s": mib_per_s(total, put_file_s),
            "get_bytes_mib_s": mib_per_s(total, get_s), "fetch_to_mib_s": mib_per_s(total, fetch_s),
            "swaps_per_s": round(swaps / max(swap_s, 1e-9), 1), "sync_mib_s": mib_per_s(report.bytes, sync_s),
            "objects": objects, "object_bytes": size}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--objects", type=int, default=8)
    ap.add_argument("--mib", type=float, default=8.0, help="size of each object in MiB")
    ap.add_argument("--swaps", type=int, default=50)
    ap.add_argument("--s3-url", default=None, help="also bench an S3 store (credentials from the environment)")
    ap.add_argument("--s3-endpoint", default=None)
    ap.add_argument("--s3-region", default=None)
    args = ap.parse_args(argv)
    size = int(args.mib * (1 << 20))
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-storage-") as tmp:
        targets = {"file": (str(Path(tmp) / "store"), {}), "memory": (f"memory://bench-{uuid.uuid4().hex[:8]}", {})}
        if args.s3_url:
            targets["s3"] = (f"{args.s3_url.rstrip('/')}/{uuid.uuid4().hex[:8]}",
                             {"s3_endpoint_url": args.s3_endpoint, "s3_region": args.s3_region})
        for kind, (url, kw) in targets.items():
            work = Path(tmp) / f"work-{kind}"
            work.mkdir()
            results[kind] = bench_store(open_store(url, **kw), work, args.objects, size, args.swaps)
    cols = ["put_bytes_mib_s", "put_file_mib_s", "get_bytes_mib_s", "fetch_to_mib_s", "sync_mib_s", "swaps_per_s"]
    print(f"{'backend':8} " + " ".join(f"{c:>16}" for c in cols))
    for kind, r in results.items():
        print(f"{kind:8} " + " ".join(f"{r[c]:>16}" for c in cols))
    print(json.dumps({"bench": "storage", "python": platform.python_version(), "backends": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
