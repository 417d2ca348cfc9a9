"""Local-folder specifics: temp files, locks, what a killed writer can leave behind."""

from __future__ import annotations

import os

import pytest

from engine.storage import open_store
from engine.storage.errors import ConditionFailed


@pytest.fixture
def local(new_target):
    return new_target("file").open()


def test_writes_go_through_tmp_and_leave_nothing_there(local):
    local.put_bytes(b"abc" * 1000)
    root = local.backend.root_path
    assert list((root / "tmp").iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["objects", "tmp"]


def test_a_failed_write_removes_its_temp_file(local):
    def chunks():
        yield b"x" * 100
        raise RuntimeError("disk on fire")

    with pytest.raises(Exception, match="disk on fire"):
        local.backend.write_stream("objects/zz/partial", chunks())
    assert list((local.backend.root_path / "tmp").iterdir()) == []
    assert not (local.backend.root_path / "objects" / "zz" / "partial").exists()


def test_leftover_temp_files_are_invisible(local):
    tmp = local.backend.root_path / "tmp"
    tmp.mkdir(exist_ok=True)
    (tmp / "dead.tmp").write_bytes(b"half a model")
    assert local.list_objects() == () and local.list_manifests() == () and local.list_pointers() == ()


def test_cas_lock_file_lives_outside_the_pointer_folder(local):
    b = local.backend
    b.write_conditional("pointers/a.json", b"1", None)
    assert (b.root_path / "locks" / "pointers" / "a.json.lock").exists()
    assert [i.key for i in b.list("pointers")] == ["pointers/a.json"]


def test_lock_held_by_another_process_blocks_the_swap(local):
    """While another process holds the lock, the CAS waits; it then sees the other's write."""
    import subprocess
    import sys

    b = local.backend
    e1 = b.write_conditional("pointers/p.json", b"one", None)
    lock = b.root_path / "locks" / "pointers" / "p.json.lock"
    code = ("import fcntl,os,sys,time;fd=os.open(sys.argv[1],os.O_RDWR);fcntl.flock(fd,fcntl.LOCK_EX);"
            "print('locked',flush=True);time.sleep(0.5);"
            "open(sys.argv[2],'wb').write(b'two');os.close(fd)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(lock), str(b.root_path / "pointers" / "p.json")],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    with pytest.raises(ConditionFailed):
        b.write_conditional("pointers/p.json", b"mine", e1)
    assert proc.wait(10) == 0
    assert b.read_bytes("pointers/p.json") == b"two"


def test_open_store_plain_path_and_file_url_are_the_same_store(tmp_path):
    a = open_store(tmp_path / "s")
    ref = a.put_bytes(b"shared")
    b = open_store(f"file://{tmp_path}/s")
    assert b.get_bytes(ref.sha256) == b"shared" and a.url == b.url


def test_object_files_are_read_only_friendly(local):
    ref = local.put_bytes(b"data")
    p = local.local_path(ref.sha256)
    os.chmod(p, 0o444)
    assert local.put_bytes(b"data") == ref and local.get_bytes(ref.sha256) == b"data"


def test_durable_writes_fsync_the_file_and_its_folder(local, monkeypatch):
    from engine.storage.local import LocalBackend

    monkeypatch.setattr(LocalBackend, "durable", True)
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    local.put_bytes(b"must survive a power cut")
    assert len(synced) == 2  # the temp file before the rename, the folder after it
