"""Owner tags: this process is alive, a finished one is gone, another host's cannot be told."""

from __future__ import annotations

import subprocess
import sys

from engine.loop.owner import describe_tag, parse_tag, process_tag, tag_alive


def test_tags_tell_a_running_process_from_a_gone_one():
    me = process_tag()
    assert tag_alive(me) is True and parse_tag(me)[1] > 0
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        tag = process_tag(p.pid)
        assert tag_alive(tag) is True
    finally:
        p.kill()
        p.wait(60)
    assert tag_alive(tag) is False
    host, pid, start = parse_tag(me)
    assert tag_alive(f"{host}:{pid}:{int(start) + 1}") is False  # the same pid, another process
    assert tag_alive(f"elsewhere.example:{pid}:{start}") is None
    assert tag_alive("not a tag") is None and tag_alive(None) is None
    assert describe_tag(me) == f"pid {pid} on {host}"
