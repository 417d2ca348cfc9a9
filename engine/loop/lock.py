"""One loop per home: an exclusive ``fcntl`` lock on ``<home>/master-loop.lock``.

The kernel releases the lock when its process dies (kill -9 included), so a lock file left by a
dead loop is simply taken over; the file's content (the holder's ``host:pid:start`` tag and start
time) only serves the message of a refused second loop.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .owner import describe_tag, process_tag

LOCK_NAME = "master-loop.lock"


class LoopLocked(RuntimeError):
    """Another process holds this home's loop lock (the message names it)."""


class HomeLock:
    """``with HomeLock(home):`` -- raises ``LoopLocked`` at once when another process holds it."""

    def __init__(self, home: Path, what: str = "master-loop") -> None:
        self.path = Path(home) / LOCK_NAME
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> HomeLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode(errors="replace").split()
            os.close(fd)
            tag = holder[0] if holder else None
            since = f" since {holder[1]}" if len(holder) > 1 else ""
            raise LoopLocked(f"another {self.what} runs on this home ({describe_tag(tag)}{since}; lock {self.path}): "
                             "wait for it to end or stop it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{process_tag()} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n".encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> HomeLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
