"""kill -9 a writer at a random moment: the store never shows a half-written object or pointer.

The victim (``helpers.crash_writer``) loops: put a multi-MB object (alternately from bytes and from
a file), publish a manifest, move a pointer. It is SIGKILLed at a random time; then every visible
object must verify, every manifest and pointer document must parse and be complete, and a rerun
must finish normally.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from engine.storage import layout
from tests.storage.helpers import ROOT

HELPER = ROOT / "tests" / "storage" / "helpers.py"
NAME = "champion/crash"


def writer(target, count: int, size: int, seed: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HELPER), target.url, target.endpoint or "", str(count), str(size),
                             str(seed)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_consistent(store) -> int:
    """Everything visible is whole; returns the pointer version (0 if none yet)."""
    for ref in store.list_objects():
        store.verify(ref.sha256)
    for mid in store.list_manifests():
        for e in store.get_manifest(mid).entries:
            assert store.stat(e.sha256) is not None, (mid, e.name)
    p = store.read_pointer(NAME)
    if p is not None:
        assert store.has_manifest(p.target)
        store.verify(store.get_manifest(p.target).entry("model.bin").sha256)
    for h in store.pointer_history(NAME):
        assert store.has_manifest(h.target)
    return 0 if p is None else p.version


@pytest.mark.parametrize("kind", ["file", "s3"])
def test_sigkill_at_a_random_moment_leaves_no_half_written_state(new_target, kind):
    target = new_target(kind)
    store = target.open()
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    size = (4 << 20) if kind == "file" else (1 << 20)
    versions = []
    for kill in range(3):
        proc = writer(target, -1, size, seed + kill)
        try:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        versions.append(assert_consistent(store))
    assert versions == sorted(versions), seed
    done = writer(target, 2, size, seed + 99)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert out.splitlines()[-1] == "round 1"
    assert assert_consistent(store) == versions[-1] + 2
    if kind == "file":  # leftovers of killed writes are only ever temp files, which nothing lists
        for p in (store.backend.root_path / layout.OBJECTS).rglob("*"):
            assert p.is_dir() or layout.sha_from_object_key(str(p.relative_to(store.backend.root_path))), p
