"""Helpers shared by the storage tests, importable by child processes (multiprocessing, subprocess)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script by the crash test
    sys.path.insert(0, str(ROOT))

from engine.storage import Manifest, ManifestEntry, PointerConflict, open_store  # noqa: E402


def publish(store, payloads: dict[str, bytes], kind: str = "dataset", metadata=None) -> str:
    """Put the payloads as objects and publish a manifest listing them; returns the manifest id."""
    entries = [ManifestEntry.for_object(name, store.put_bytes(data)) for name, data in payloads.items()]
    return store.put_manifest(Manifest.build(kind, entries, metadata or {}))


def race_swap(url: str, endpoint: str | None, name: str, target: str, barrier, results) -> None:
    """Child process of the pointer race: read, wait for the other racer, swap; report the outcome."""
    store = open_store(url, s3_endpoint_url=endpoint)
    expected = store.read_pointer(name)
    barrier.wait()
    try:
        store.swap_pointer(name, target, expected)
        results.put("won")
    except PointerConflict:
        results.put("conflict")


def crash_writer(url: str, endpoint: str | None, count: int, size: int, seed: int) -> None:
    """The victim of the kill -9 test: puts big objects (bytes and files) and moves a pointer, forever
    (``count`` < 0) or ``count`` times. Prints one line per round so the parent knows it is running."""
    import random

    store = open_store(url, s3_endpoint_url=endpoint)
    rng = random.Random(seed)
    i = 0
    print("ready", flush=True)
    while count < 0 or i < count:
        data = rng.randbytes(size) + f"{seed}-{i}".encode()
        if i % 2:
            ref = store.put_bytes(data)
        else:
            with tempfile.NamedTemporaryFile(delete=False) as f:
                f.write(data)
            try:
                ref = store.put_file(f.name)
            finally:
                os.unlink(f.name)
        mid = store.put_manifest(Manifest.build("model", [ManifestEntry.for_object("model.bin", ref)],
                                                {"round": i, "seed": seed}))
        for _ in range(100):
            try:
                store.swap_pointer("champion/crash", mid, store.read_pointer("champion/crash"))
                break
            except PointerConflict:  # pragma: no cover - only one writer here
                time.sleep(0.01)
        print(f"round {i}", flush=True)
        i += 1


if __name__ == "__main__":
    url, endpoint, count, size, seed = sys.argv[1:6]
    crash_writer(url, endpoint or None, int(count), int(size), int(seed))
