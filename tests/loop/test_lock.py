"""One loop per home: a second process is refused at once with the holder's pid and host; the lock of
a process killed with SIGKILL is taken over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from engine.loop.lock import HomeLock, LoopLocked

ROOT = Path(__file__).resolve().parents[2]
HOLD = ("import sys, time; from engine.loop.lock import HomeLock; HomeLock(sys.argv[1]).acquire(); "
        "print('held', flush=True); time.sleep(600)")


def _holder(home: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(home)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_second_holder_is_refused_and_a_dead_holders_lock_is_taken_over(tmp_path):
    p = _holder(tmp_path)
    try:
        with pytest.raises(LoopLocked) as e:
            HomeLock(tmp_path).acquire()
        msg = str(e.value)
        assert f"pid {p.pid} on {socket.gethostname()}" in msg and "master-loop.lock" in msg and "\n" not in msg
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(60)
    with HomeLock(tmp_path) as lock:  # the kernel released the dead process's lock
        assert str(os.getpid()) in lock.path.read_text()
    with HomeLock(tmp_path):  # released on exit: taken again
        pass


def test_the_master_loop_command_refuses_a_home_held_by_another_loop(tmp_path):
    home = tmp_path / "home"
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"home: {home}\n")
    p = _holder(home)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RINGRIFT_")}
        env.update(RINGRIFT_CONFIG_PATH=str(cfg), PYTHONPATH=str(ROOT), PREFECT_HOME=str(tmp_path / "prefect"))
        r = subprocess.run([sys.executable, "-m", "ringrift", "master-loop", "--legacy"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 3, r.stderr[-2000:]
        lines = [x for x in r.stderr.splitlines() if x.startswith("master-loop:")]
        assert len(lines) == 1 and f"pid {p.pid}" in lines[0] and "another master-loop runs on this home" in lines[0]
        assert "Traceback" not in r.stderr
        assert not (home / "forge.db").exists()  # refused before anything started
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(60)
