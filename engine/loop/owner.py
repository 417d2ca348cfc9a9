"""Who runs something, and whether that process still exists: the owner tag of a training run and
the holder of a home's loop lock.

A tag is ``host:pid:start`` where ``start`` is the process's start time in clock ticks since boot
(``/proc/<pid>/stat``), so a pid reused by another process after a crash is not mistaken for the
owner. Liveness can only be judged on the owner's own host: elsewhere it is unknown (None).
"""

from __future__ import annotations

import os
import socket


def _start_ticks(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces: split after the last ')'
    fields = data[data.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


def process_tag(pid: int | None = None) -> str:
    """``host:pid:start`` of this process (or of ``pid`` on this host)."""
    pid = os.getpid() if pid is None else int(pid)
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or '?'}"


def parse_tag(tag: str | None) -> tuple[str, int, str] | None:
    """``(host, pid, start)`` of a tag, None when it is not one."""
    if not tag:
        return None
    parts = tag.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]), parts[2]


def tag_alive(tag: str | None) -> bool | None:
    """True if the tagged process runs, False if it is gone, None if that cannot be told here
    (another host, or not a tag)."""
    p = parse_tag(tag)
    if p is None or p[0] != socket.gethostname():
        return None
    host, pid, start = p
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    now = _start_ticks(pid)
    if now is None:
        return False
    return start == "?" or now == start


def describe_tag(tag: str | None) -> str:
    p = parse_tag(tag)
    return f"pid {p[1]} on {p[0]}" if p else (tag or "an unknown process")
