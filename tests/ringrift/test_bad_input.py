"""Hostile but honest input through the real command line (issue 13, part 6).

Every case runs ``python -m ringrift ...`` in a subprocess with its own ``RINGRIFT_HOME`` and
asserts: a non-zero exit (2 for usage and config errors, 1 for quarantined data), no traceback,
exactly one line on stderr naming the offending file / key / line / value, and nothing silently
accepted (no database or store created by a command that refused, no game, training run or model
row written for a refused input). Each case adds a row to the summary table printed at the end
of the run (tests/conftest.py): tried / one-line error / traceback / silently accepted.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = "bad inputs: tried / one-line error / traceback / silently accepted"


def _env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGRIFT_", "PREFECT_API"))}
    env.update({"RINGRIFT_HOME": str(home), "PREFECT_HOME": str(home.parent / "prefect-home"),
                "PYTHONPATH": str(ROOT), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"})
    env.update(extra or {})
    return env


def ringrift(argv: list[str], home: Path, cwd: Path, env: dict[str, str] | None = None,
             timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ringrift", *argv], cwd=cwd, env=_env(home, env),
                          capture_output=True, text=True, timeout=timeout)


def count(home: Path, sql: str) -> int | None:
    """A count from the home's SQLite database, ``None`` when there is no database."""
    db = home / "forge.db"
    if not db.is_file():
        return None
    con = sqlite3.connect(db)
    try:
        return int(con.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # no tables: nothing written
        return None
    finally:
        con.close()


# -- what each case must not have done -----------------------------------------------------------------

def nothing_started(home: Path, before: dict) -> str | None:
    made = [p.name for p in (home / "forge.db", home / "store", home / "work") if p.exists()]
    return f"created {', '.join(made)} under the home" if made else None


def no_new_rows(*tables: str) -> Callable[[Path, dict], str | None]:
    def check(home: Path, before: dict) -> str | None:
        for t in tables:
            n = count(home, f"SELECT COUNT(*) FROM {t}")
            if (n or 0) != (before.get(t) or 0):
                return f"{t}: {before.get(t)} -> {n} rows"
        return None

    return check


def only_good_games(good: int) -> Callable[[Path, dict], str | None]:
    """The shard's good lines may go in (quarantine keeps the rest out), nothing else."""

    def check(home: Path, before: dict) -> str | None:
        n = count(home, "SELECT COUNT(*) FROM games WHERE status = 'ok'") or 0
        q = count(home, "SELECT COUNT(*) FROM quarantine") or 0
        if n != (before.get("ok_games") or 0) + good:
            return f"{n - (before.get('ok_games') or 0)} games accepted, {good} expected"
        if q <= (before.get("quarantine") or 0):
            return "the bad line was not quarantined"
        return None

    return check


@dataclass(frozen=True)
class Case:
    id: str
    group: str  # config | shard | argument
    argv: tuple[str, ...]  # {cfg} = the case's config file, {shards} = the shard folder, {tmp} = the case folder
    expect: str  # regex the one stderr line must match ({cfg}, {shards}, {tmp} escaped and filled in)
    code: int = 2
    config: str | None = None  # text of {cfg}
    env: dict[str, str] = field(default_factory=dict)
    home: str = "empty"  # empty (does not exist) | pipeline (a copy of a home with a database and games)
    accepted: Callable[[Path, dict], str | None] = nothing_started
    slow: bool = False  # ingests (imports torch through engine.loop): seconds, not a fraction of one


C, S, A = "config", "shard", "argument"
CASES = [
    # -- config -------------------------------------------------------------------------------------
    Case("yaml-syntax", C, ("selfplay", "--config", "{cfg}"), r"^ringrift selfplay: {cfg}:3: invalid YAML: .*column",
         config="selfplay:\n  games_per_batch: [1, 2\nloop: {}\n"),
    Case("unknown-key", C, ("selfplay", "--config", "{cfg}"),
         r"^ringrift selfplay: {cfg}:2: selfplay\.games_per_bach: unknown key \(did you mean 'games_per_batch'\?",
         config="selfplay:\n  games_per_bach: 4\n"),
    Case("unknown-section", C, ("export", "--config", "{cfg}"),
         r"^ringrift export: {cfg}:1: trainig: unknown key \(did you mean 'training'\?",
         config="trainig:\n  lr: 0.1\n"),
    Case("wrong-type", C, ("train", "--config", "{cfg}"),
         r"^ringrift train: {cfg}:2: training\.lr: expected a number, got 'fast'$", config="training:\n  lr: fast\n"),
    Case("wrong-type-bool", C, ("export", "--config", "{cfg}"),
         r"^ringrift export: {cfg}:2: export\.dedup: expected true/false, got 'maybe'$",
         config="export:\n  dedup: maybe\n"),
    Case("negative-count", C, ("selfplay", "--config", "{cfg}"),
         r"^ringrift selfplay: {cfg}:2: selfplay\.games_per_batch: must be >= 1, got -5$",
         config="selfplay:\n  games_per_batch: -5\n"),
    Case("negative-count-main-command", C, ("master-loop", "--config", "{cfg}"),
         r"^ringrift master-loop: {cfg}:3: loop\.train_threshold_games: must be >= 1, got 0$",
         config="loop:\n  profile: minimal\n  train_threshold_games: 0\n"),
    Case("probability-above-1", C, ("export", "--config", "{cfg}"),
         r"^ringrift export: {cfg}:3: export\.gates\.max_draw_share: must be in \[0, 1\], got 1\.5$",
         config="export:\n  gates:\n    max_draw_share: 1.5\n"),
    Case("probability-negative", C, ("promote", "--config", "{cfg}"),
         r"^ringrift promote: {cfg}:2: promotion\.alpha: must be in \(0, 1\), got -0\.1$",
         config="promotion:\n  alpha: -0.1\n"),
    Case("unknown-enum", C, ("selfplay", "--config", "{cfg}"),
         r"^ringrift selfplay: {cfg}:2: selfplay\.engine: must be one of .*got 'gumble' \(did you mean 'gumbel'\?\)$",
         config="selfplay:\n  engine: gumble\n"),
    Case("unknown-config-key-in-profile", C, ("master-loop", "--config", "{cfg}"),
         r"^ringrift master-loop: {cfg}:3: loop\.profiles\.minimal\[0\]: unknown config key 'square9_2p'",
         config="loop:\n  profiles:\n    minimal: [square9_2p]\n"),
    Case("relation-max-below-min", C, ("promote", "--config", "{cfg}"),
         r"^ringrift promote: {cfg}:3: promotion\.max_games: must be >= min_games \(40\), got 10$",
         config="promotion:\n  min_games: 40\n  max_games: 10\n"),
    Case("profile-not-configured", C, ("master-loop", "--config", "{cfg}"),
         r"^ringrift master-loop: {cfg}:2: loop\.profile: 'huge' is not one of the configured profiles",
         config="loop:\n  profile: huge\n"),
    Case("numeric-key", C, ("selfplay", "--config", "{cfg}"), r"^ringrift selfplay: {cfg}:2: selfplay\.3: unknown key ",
         config="selfplay:\n  3: x\n"),
    Case("yaml-python-tag", C, ("selfplay", "--config", "{cfg}"),
         r"^ringrift selfplay: {cfg}:1: invalid YAML: could not determine a constructor .*python/object",
         config='selfplay: !!python/object/apply:os.system ["echo PWNED"]\n'),
    Case("top-level-list", C, ("selfplay", "--config", "{cfg}"),
         r"^ringrift selfplay: {cfg}: the top level must be a mapping of keys$", config="- a\n- b\n"),
    Case("missing-file", C, ("selfplay", "--config", "{tmp}/nope.yaml"),
         r"^ringrift selfplay: cannot read config file {tmp}/nope\.yaml: No such file or directory$"),
    Case("env-config-path-missing", C, ("export",),
         r"^ringrift export: \$RINGRIFT_CONFIG_PATH: cannot read config file {tmp}/gone\.yaml: No such file",
         env={"RINGRIFT_CONFIG_PATH": "{tmp}/gone.yaml"}),
    Case("env-device", C, ("selfplay",),
         r"^ringrift selfplay: \$RINGRIFT_DEVICE \(network\.device\): must be .*got 'gpu'$",
         env={"RINGRIFT_DEVICE": "gpu"}),
    Case("env-profile", C, ("master-loop",),
         r"^ringrift master-loop: \$RINGRIFT_PROFILE \(loop\.profile\): 'nope' is not one of the configured profiles",
         env={"RINGRIFT_PROFILE": "nope"}),
    Case("env-db-url", C, ("aggregate", "--from-store"),
         r"^ringrift aggregate: \$RINGRIFT_DB_URL \(database\.url\): must be a SQLAlchemy URL .*got 'forge\.db'$",
         env={"RINGRIFT_DB_URL": "forge.db"}),
    # -- shards (ringrift aggregate) ----------------------------------------------------------------
    Case("truncated-zstd", S, ("aggregate", "{shards}/truncated.jsonl.zst"),
         r"^quarantined: {shards}/truncated\.jsonl\.zst:5: the last line is incomplete .*truncated", code=1,
         home="pipeline", accepted=only_good_games(4), slow=True),
    Case("not-json-at-line-2", S, ("aggregate", "{shards}/notjson.jsonl.zst"),
         r"^quarantined: {shards}/notjson\.jsonl\.zst:2: invalid JSON", code=1, home="pipeline",
         accepted=only_good_games(1), slow=True),
    Case("missing-field", S, ("aggregate", "{shards}/missing.jsonl"),
         r"^quarantined: {shards}/missing\.jsonl:1: record field 'moves'", code=1, home="pipeline",
         accepted=only_good_games(0), slow=True),
    Case("wrong-type-field", S, ("aggregate", "{shards}/wrongtype.jsonl"),
         r"^quarantined: {shards}/wrongtype\.jsonl:1: record field 'seed': expected an integer, got 'abc'$", code=1,
         home="pipeline", accepted=only_good_games(0), slow=True),
    Case("corrupt-zstd", S, ("aggregate", "{shards}/corrupt.jsonl.zst"),
         r"^quarantined: {shards}/corrupt\.jsonl\.zst:1: zstd stream truncated or corrupt: ", code=1, home="pipeline",
         accepted=only_good_games(0), slow=True),
    Case("empty-file", S, ("aggregate", "{shards}/empty.jsonl"),
         r"^ringrift aggregate: {shards}/empty\.jsonl: empty file", home="pipeline",
         accepted=no_new_rows("games", "shards", "quarantine")),
    Case("directory", S, ("aggregate", "{shards}"),
         r"^ringrift aggregate: {shards}: not a regular file \(a directory\)$",
         home="pipeline", accepted=no_new_rows("games", "shards", "quarantine")),
    Case("nonexistent-path", S, ("aggregate", "{shards}/nope.jsonl.zst"),
         r"^ringrift aggregate: {shards}/nope\.jsonl\.zst: no such file$", home="pipeline",
         accepted=no_new_rows("games", "shards", "quarantine")),
    Case("bad-shard-id", S, ("aggregate", "--shard", "xyz"),
         r"^ringrift aggregate: argument --shard: expected 64 lowercase hex digits .*got 'xyz'", home="pipeline",
         accepted=no_new_rows("games", "shards", "quarantine")),
    # -- arguments ----------------------------------------------------------------------------------
    Case("unknown-model-id", A, ("gauntlet", "--model", "0123abcd"),
         r"^ringrift gauntlet: --model: unknown model '0123abcd'", home="pipeline",
         accepted=no_new_rows("matches", "models")),
    Case("unknown-model-id-promote", A, ("promote", "--model", "0123abcd"),
         r"^ringrift promote: --model: unknown model '0123abcd'", home="pipeline",
         accepted=no_new_rows("matches", "promotions")),
    Case("unknown-dataset-id", A, ("train", "--dataset", "f" * 64),
         rf"^ringrift train: unknown dataset '{'f' * 64}'", home="pipeline",
         accepted=no_new_rows("training_runs", "models")),
    Case("unsafe-run-id", A, ("train", "--run-id", "../../x"),
         r"^ringrift train: argument --run-id: invalid run id '\.\./\.\./x'",
         home="pipeline", accepted=no_new_rows("training_runs", "models")),
    Case("games-negative", A, ("selfplay", "--games", "-1"),
         r"^ringrift selfplay: argument --games: must be >= 1, got -1 "),
    Case("games-zero-master-loop", A, ("master-loop", "--games", "0"),
         r"^ringrift master-loop: argument --games: must be >= 1, got 0 "),
    Case("games-not-a-number", A, ("selfplay", "--games", "abc"),
         r"^ringrift selfplay: argument --games: expected an integer, got 'abc' "),
    Case("unknown-engine", A, ("selfplay", "--engine", "gumble"),
         r"^ringrift selfplay: argument --engine: invalid choice: 'gumble' "),
    Case("unknown-profile", A, ("master-loop", "--profile", "bogus"),
         r"^ringrift master-loop: unknown loop profile 'bogus'.*configures full, minimal, standard"),
    Case("unknown-stage", A, ("master-loop", "--stages", "selfplay,trian"),
         r"^ringrift master-loop: --stages: unknown stage 'trian'"),
    Case("seed-negative", A, ("selfplay", "--seed", "-1"),
         r"^ringrift selfplay: argument --seed: must be in \[0, \d+\], got -1 "),
    Case("seed-not-a-number", A, ("gauntlet", "--seed", "x1"),
         r"^ringrift gauntlet: argument --seed: expected an integer, got 'x1' "),
    Case("unknown-config-key", A, ("selfplay", "square9_2p"),
         r"^ringrift selfplay: argument config_key: unknown config key 'square9_2p' \(did you mean 'square19_2p'\?\)"),
    Case("unknown-config-key-list", A, ("master-loop", "--configs", "square8_2p,hex9_2p"),
         r"^ringrift master-loop: argument --configs: unknown config key 'hex9_2p'"),
    Case("generations-negative", A, ("master-loop", "--generations", "-2"),
         r"^ringrift master-loop: argument --generations: must be >= 0, got -2 "),
    Case("interval-zero", A, ("sync", "--watchdog", "--interval", "0"),
         r"^ringrift sync: argument --interval: must be > 0, got 0 "),
    Case("tournament-unknown-model", A, ("tournament", "--players", "random,0123abcd"),
         r"^ringrift tournament: --players: unknown model '0123abcd'", home="pipeline",
         accepted=no_new_rows("matches", "player_specs")),
    Case("tournament-bad-mcts", A, ("tournament", "--players", "random,mcts-x"),
         r"^ringrift tournament: --players: 'mcts-x': mcts-N needs N >= 1 simulations$"),
    Case("stats-last-negative", A, ("stats", "--last", "-1"),
         r"^ringrift stats: argument --last: must be >= 0, got -1 "),
    Case("show-every-zero", A, ("show", "g1", "--every", "0"),
         r"^ringrift show: argument --every: must be >= 1, got 0 "),
    Case("health-timeout-negative", A, ("health", "--timeout", "-1"),
         r"^ringrift health: argument --timeout: must be > 0, got -1 "),
    Case("soak-unknown-config", A, ("soak", "--configs", "square9_2p", "--games", "1"),
         r"^ringrift soak: --configs: bad config 'square9_2p'"),
    Case("soak-games-zero", A, ("soak", "--games", "0"), r"^ringrift soak: --games: must be >= 1, got 0$"),
    Case("unknown-subcommand", A, ("selfpaly",), r"^ringrift: argument COMMAND: invalid choice: 'selfpaly'"),
    Case("show-unknown-game-no-database", A, ("show", "nosuchgame"),
         r"^show: game nosuchgame is not in the database: no database file", code=1),
    # reports on a home where nothing was ingested: one line, and no empty database file left behind
    Case("stats-no-database", A, ("stats",), r"^ringrift stats: no database file .*forge\.db: nothing was ingested",
         code=1),
    Case("elo-trend-no-database", A, ("elo-trend",), r"^ringrift elo-trend: no database file .*forge\.db: ", code=1),
    Case("parity-no-database", A, ("parity",), r"^ringrift parity: no database file .*forge\.db: ", code=1),
]


# -- fixtures ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> Path:
    """Shard files: one good, the rest broken in one way each."""
    from engine.data.selfplay import generate_games
    from engine.data.shards import read_shard, write_shard

    d = tmp_path_factory.mktemp("shards")
    recs = generate_games("square8", 2, ["random", "random"], 8, seed=11, max_moves=400)
    lines = [r.to_line() for r in recs]
    write_shard(lines[:2], d / "good.jsonl.zst")
    write_shard(lines[2:8], d / "big.jsonl.zst")
    raw = (d / "big.jsonl.zst").read_bytes()

    def whole_lines(cut: int) -> list[str]:
        (d / "truncated.jsonl.zst").write_bytes(raw[:cut])
        return [type(x).__name__ for _, x in read_shard(d / "truncated.jsonl.zst")]

    lo, hi = 0, len(raw)  # the shortest prefix that holds 5 whole lines, less one byte: line 5 cut
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if whole_lines(mid).count("GameRecord") >= 5 else (mid + 1, hi)
    assert whole_lines(lo - 1) == ["GameRecord"] * 4 + ["RecordError"]
    write_shard([lines[2], "{not json"], d / "notjson.jsonl.zst")
    rec = json.loads(lines[4])
    del rec["moves"]
    (d / "missing.jsonl").write_text(json.dumps(rec) + "\n")
    rec = json.loads(lines[5])
    rec["seed"] = "abc"
    (d / "wrongtype.jsonl").write_text(json.dumps(rec) + "\n")
    (d / "empty.jsonl").write_bytes(b"")
    (d / "corrupt.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4)  # zstd magic, then noise
    return d


@pytest.fixture(scope="module")
def pipeline_home(tmp_path_factory, shards) -> Path:
    """A home where the pipeline already ran: a migrated database and a store with 2 games."""
    base = tmp_path_factory.mktemp("pipeline")
    home = base / "home"
    r = ringrift(["aggregate", str(shards / "good.jsonl.zst")], home, base)
    assert r.returncode == 0, r.stderr
    assert count(home, "SELECT COUNT(*) FROM games") == 2
    return home


def _fill(text: str, paths: dict[str, str], escape: bool) -> str:
    for k, v in paths.items():
        text = text.replace("{" + k + "}", re.escape(v) if escape else v)
    return text


# -- the cases --------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.slow else c for c in CASES],
                         ids=[c.id for c in CASES])
def test_bad_input_is_one_line(case: Case, tmp_path, shards, request, record_property):
    home = tmp_path / "home"
    if case.home == "pipeline":
        shutil.copytree(request.getfixturevalue("pipeline_home"), home)
    paths = {"cfg": str(tmp_path / "forge.yaml"), "shards": str(shards), "tmp": str(tmp_path)}
    if case.config is not None:
        Path(paths["cfg"]).write_text(case.config)
    before = {t: count(home, f"SELECT COUNT(*) FROM {t}")
              for t in ("games", "shards", "quarantine", "matches", "models", "promotions", "training_runs",
                        "player_specs")}
    before["ok_games"] = count(home, "SELECT COUNT(*) FROM games WHERE status = 'ok'")
    env = {k: _fill(v, paths, False) for k, v in case.env.items()}
    r = ringrift([_fill(a, paths, False) for a in case.argv], home, tmp_path, env)
    out = r.stdout + r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    traceback = "Traceback" in out
    accepted = "exit 0" if r.returncode == 0 else case.accepted(home, before)
    one_line = (r.returncode != 0 and not traceback and len(lines) == 1
                and re.search(_fill(case.expect, paths, True), lines[0]) is not None)
    record_property("summary_table", {"title": TABLE, "sum": True,
                                      "columns": ["kind", "tried", "one-line error", "traceback", "silently accepted"],
                                      "row": [case.group, 1, int(one_line), int(traceback), int(accepted is not None)]})
    assert not traceback, out
    assert accepted is None, f"silently accepted: {accepted}\n{out}"
    assert r.returncode == case.code, out
    assert len(lines) == 1, f"stderr is not one line:\n{r.stderr}"
    assert re.search(_fill(case.expect, paths, True), lines[0]), lines[0]


# -- around the table ---------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_quarantining_aggregate_is_idempotent(tmp_path, shards, pipeline_home):
    """Run twice on the same bad shard: the same line and exit 1 both times, nothing doubled."""
    home = tmp_path / "home"
    shutil.copytree(pipeline_home, home)
    bad = str(shards / "notjson.jsonl.zst")
    runs = [ringrift(["aggregate", bad, "--json"], home, tmp_path) for _ in range(2)]
    assert [r.returncode for r in runs] == [1, 1]
    assert runs[0].stderr == runs[1].stderr == f"quarantined: {bad}:2: " + runs[0].stderr.split(":2: ", 1)[1]
    first, second = (json.loads(r.stdout) for r in runs)
    assert (first["inserted"], second["inserted"], second["skipped"]) == (1, 0, 1)
    assert first["problems"] == second["problems"] and len(first["problems"]) == 1
    assert count(home, "SELECT COUNT(*) FROM quarantine") == 1
    assert count(home, "SELECT COUNT(*) FROM games") == 3


def test_trace_debug_shows_the_traceback(tmp_path):
    cfg = tmp_path / "forge.yaml"
    cfg.write_text("selfplay:\n  games_per_batch: -5\n")
    r = ringrift(["selfplay", "--config", str(cfg)], tmp_path / "home", tmp_path, {"RINGRIFT_TRACE_DEBUG": "1"})
    assert r.returncode != 0
    assert "Traceback" in r.stderr and "ConfigError" in r.stderr and "selfplay.games_per_batch" in r.stderr


def test_a_foreign_key_violation_is_not_retried(tmp_path):
    """A row naming an id the database does not know fails the same way every time: the task retry
    condition must not retry it (it used to retry for 60 s and end in a bare FOREIGN KEY error)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import IntegrityError

    from tasks.common import _permanent

    eng = create_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    with eng.begin() as c:
        c.execute(text("PRAGMA foreign_keys=ON"))
        c.execute(text("CREATE TABLE datasets (id TEXT PRIMARY KEY)"))
        c.execute(text("CREATE TABLE runs (id TEXT PRIMARY KEY, dataset TEXT REFERENCES datasets(id))"))
    with pytest.raises(IntegrityError) as exc:
        with eng.begin() as c:
            c.execute(text("PRAGMA foreign_keys=ON"))
            c.execute(text("INSERT INTO runs VALUES ('r', 'unknown')"))
    assert _permanent(exc.value)
    with pytest.raises(IntegrityError) as dup:  # a unique-key clash may be a race another try wins
        with eng.begin() as c:
            c.execute(text("INSERT INTO datasets VALUES ('d')"))
            c.execute(text("INSERT INTO datasets VALUES ('d')"))
    assert not _permanent(dup.value)
    eng.dispose()


def test_other_deterministic_failures_are_not_retried():
    from engine.loop.truth import DatabaseLost
    from engine.nn.encoding import EncoderVersionError
    from tasks.common import _permanent

    assert _permanent(EncoderVersionError("encoder version mismatch")) and _permanent(DatabaseLost("not this store's"))
    assert not _permanent(RuntimeError("connection reset")) and not _permanent(OSError(5, "I/O error"))
