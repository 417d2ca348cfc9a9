"""`ringrift show` and the game-id rule, through the real command line in subprocesses.

Reproduction of issue 13's second exploit: a shard holding a game whose id is
``../../../../../../PWNED_show_dir``. Before the fix ``ringrift aggregate`` stored it as an ``ok``,
exportable game and ``ringrift show <id>`` / ``ringrift show --record SHARD --line N`` wrote SVGs
outside ``./show/``. The commands run from a folder seven levels below the test's tmp folder, so an
escape would land (visibly) inside it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.data import generate_games

ROOT = Path(__file__).resolve().parents[2]
EVIL = "../../../../../../PWNED_show_dir"


def _files(root: Path) -> set[str]:
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


@pytest.fixture
def setup(tmp_path):
    good, other = generate_games("square8", 2, ["random"] * 2, 2, seed=5)
    doc = other.to_json()
    doc["game_id"] = EVIL  # no GameRecord can hold this id any more: the line is written as raw JSON
    shard = tmp_path / "evil.jsonl"
    shard.write_text(json.dumps(doc) + "\n" + good.to_line() + "\n")
    cwd = tmp_path.joinpath(*"abcdefg")
    cwd.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGRIFT_")}
    env.update(RINGRIFT_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return tmp_path, cwd, env, shard, good


def _ringrift(cwd, env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "ringrift", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _no_escape(tmp_path: Path, before: set[str]) -> None:
    new = _files(tmp_path) - before
    assert not any("PWNED" in p for p in _files(tmp_path)), new
    assert all(p.startswith("a/b/c/d/e/f/g/show/") or p.startswith("home/") for p in new), new


def test_show_refuses_unsafe_ids_and_record_lines(setup):
    tmp_path, cwd, env, shard, good = setup
    before = _files(tmp_path)
    p = _ringrift(cwd, env, "show", EVIL)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == f"show: invalid game id {EVIL!r}: must not contain '..'"
    p = _ringrift(cwd, env, "show", "--record", str(shard), "--line", "1")
    assert p.returncode == 1, p.stderr
    err = p.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"show: {shard} line 1: record field 'game_id'") and "must not contain '..'" in err
    p = _ringrift(cwd, env, "show", "--record", str(shard), EVIL)  # selecting a game of a shard by that id
    assert p.returncode == 2 and "invalid game id" in p.stderr
    _no_escape(tmp_path, before)
    # the good line of the same shard still shows, inside ./show/<id>/
    p = _ringrift(cwd, env, "show", "--record", str(shard), "--line", "2", "--plies", "0,-1", "--no-html")
    assert p.returncode == 0, p.stderr
    assert sorted(_files(cwd / "show")) == [f"{good.game_id}/move-0000.svg",
                                            f"{good.game_id}/move-{len(good.moves):04d}.svg"]
    _no_escape(tmp_path, before)


@pytest.mark.slow
def test_exploit_aggregate_quarantines_the_game_and_show_writes_nothing_outside(setup):
    from engine.db import get_game, open_database, quarantined

    tmp_path, cwd, env, shard, good = setup
    before = _files(tmp_path)
    p = _ringrift(cwd, env, "aggregate", str(shard))
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    db = open_database(f"sqlite:///{tmp_path / 'home' / 'forge.db'}", migrate=False)
    try:
        with db.session(write=False) as s:
            assert get_game(s, EVIL) is None  # not stored at all, so never exported
            ok = get_game(s, good.game_id)
            assert ok is not None and ok.status == "ok"
            q = quarantined(s)
        assert [(r.line_no, r.game_id) for r in q] == [(1, None)]
        assert "game_id" in q[0].reason and "must not contain '..'" in q[0].reason
    finally:
        db.dispose()
    p = _ringrift(cwd, env, "show", EVIL)
    assert p.returncode == 2 and "invalid game id" in p.stderr
    p = _ringrift(cwd, env, "show", good.game_id, "--plies", "0", "--no-html")
    assert p.returncode == 0, p.stderr[-3000:]
    assert _files(cwd / "show") == {f"{good.game_id}/move-0000.svg"}
    _no_escape(tmp_path, before)
