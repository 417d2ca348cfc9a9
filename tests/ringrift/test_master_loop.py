"""`ringrift master-loop` as a user runs it (real processes, local store + SQLite, square8 2p, tiny
network): killed with SIGKILL inside every stage in turn, rerun, and it ends with what an
uninterrupted run produces -- one champion, no duplicate games, datasets or models, no training
run left `running`. Then the database is deleted: the loop refuses to work on an empty one, and
`ringrift aggregate --from-store` rebuilds it with the same counts and champion.

The kill points come from the loop's one test hook (``engine.loop.hooks``): the stage writes its
pid to a file and waits; the test kills the process group (the loop and its Prefect server).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CK = "square8_2p"
STAGES = "selfplay,export,train,gauntlet,promotion"
# one selfplay batch per generation, a training run with checkpoints every 2 of its 6 steps, a
# one-rung gauntlet, a promotion of one pair per block against loose hypotheses (accepted)
CONFIG = {
    "selfplay": {"games_per_batch": 8, "simulations": 2, "max_considered": 2, "max_moves": 400},
    "training": {"batch_size": 64, "epochs": 1, "checkpoint_every": 2, "warmup_steps": 2, "max_steps": 6},
    "network": {"sizes": {"tiny": {"channels": 8, "blocks": 1, "se_ratio": 2, "policy_channels": 8,
                                   "value_hidden": 16}}},
    "export": {"window": {"min_window": 2000}, "gates": {"min_games": 2}, "val_fraction": 0.3},
    "gauntlet": {"games_per_opponent": 2, "ladder_simulations": [], "include_heuristic": False, "max_moves": 400},
    "promotion": {"min_games": 4, "max_games": 24, "batch_pairs": 1, "elo0": -1000.0, "elo1": -600.0,
                  "alpha": 0.3, "beta": 0.3, "max_moves": 400},
    "loop": {"train_threshold_games": 8},
}
RUN_TIMEOUT = 900  # seconds for one generation on a loaded 2-core machine (never reached normally)


class Home:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.config = root / "cfg.yaml"

    def write(self) -> Home:
        self.home.mkdir(parents=True, exist_ok=True)
        self.config.write_text(yaml.safe_dump({"home": str(self.home), **CONFIG}))
        return self

    def env(self, **extra) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGRIFT_", "PREFECT_"))}
        env.update(RINGRIFT_CONFIG_PATH=str(self.config), PREFECT_HOME=str(self.root / "prefect"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", RINGRIFT_PROGRESS="0",
                   PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="600",  # a loaded machine starts it slowly
                   RINGRIFT_SKIP_SHADOW_CONTRACTS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=str(ROOT))
        env.update(extra)
        return env

    def cli(self, *args: str, **env) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "ringrift", *args], cwd=ROOT, env=self.env(**env),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def generation(self) -> subprocess.CompletedProcess:
        r = self.cli("master-loop", "--legacy", "--stages", STAGES)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-5000:]
        return r

    def killed_in(self, stage: str) -> None:
        """Start a generation, SIGKILL it (and its Prefect server) when ``stage`` reaches its point."""
        marker = self.root / f"paused-{stage}"
        log = open(self.root / f"killed-in-{stage}.log", "w")
        p = subprocess.Popen([sys.executable, "-m", "ringrift", "master-loop", "--legacy", "--stages", STAGES],
                             cwd=ROOT, env=self.env(RINGRIFT_TEST_PAUSE_AT=stage, RINGRIFT_TEST_PAUSE_FILE=str(marker)),
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while not marker.exists():
                if p.poll() is not None:
                    log.close()
                    pytest.fail(f"the loop ended (rc {p.returncode}) before pausing in {stage}:\n"
                                + (self.root / f"killed-in-{stage}.log").read_text()[-5000:])
                if time.monotonic() > deadline:
                    pytest.fail(f"the loop did not reach the {stage} pause point")
                time.sleep(0.2)
            assert marker.read_text().split() == [str(p.pid), stage]
        finally:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(60)
            log.close()
        assert p.returncode == -signal.SIGKILL

    def ctx(self):
        from engine.config import load_config
        from engine.loop import open_context

        return open_context(load_config(self.config, env={}))


def _state(home: Home) -> dict:
    """What the pipeline holds, from the store and the database."""
    from engine.db import count_games, current_champion, list_datasets, list_models, list_training_runs, pointer_history

    ctx = home.ctx()
    try:
        kinds: dict[str, list[str]] = {}
        for m in ctx.store.list_manifests():
            man = ctx.store.get_manifest(m)
            kinds.setdefault(man.kind, []).append(man.metadata.get("model_id", m))
        champ = ctx.store.read_pointer(f"champion/{CK}")
        with ctx.db.session(write=False) as s:
            return {
                "games": count_games(s, CK, status=None),
                "batches": sorted(p for p in ctx.store.list_pointers() if p.startswith(f"batches/{CK}/")),
                "store_datasets": len(kinds.get("dataset", [])),
                "store_model_ids": sorted(set(kinds.get("model", []))),
                "datasets": [d.dataset_id for d in list_datasets(s, CK)],
                "models": [m.model_id for m in list_models(s, CK)],
                "runs": [(r.run_id, r.status) for r in list_training_runs(s, CK)],
                "champion": current_champion(s, CK),
                "store_champion": ctx.store.get_manifest(champ.target).metadata["model_id"] if champ else None,
                "champion_moves": len(pointer_history(s, f"champion/{CK}")),
                "store_champion_moves": len(ctx.store.pointer_history(f"champion/{CK}")),
            }
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Home, dict]:
    """One uninterrupted generation."""
    home = Home(tmp_path_factory.mktemp("reference")).write()
    home.generation()
    return home, _state(home)


@pytest.mark.slow
def test_a_loop_killed_in_every_stage_ends_like_an_uninterrupted_one(reference, tmp_path):
    _, ref = reference
    assert ref["champion"] and ref["champion"] == ref["store_champion"] and ref["games"] == 8
    home = Home(tmp_path).write()
    for stage in STAGES.split(","):
        home.killed_in(stage)
    home.generation()
    got = _state(home)
    assert got["champion"] == got["store_champion"] == ref["champion"]  # the same weights, one champion
    assert got["champion_moves"] == got["store_champion_moves"] == 1
    assert got["games"] == ref["games"] == 8 and len(got["batches"]) == 1  # no game played twice
    assert got["batches"] == ref["batches"]  # the same batch (same seed and champion -> same id)
    # (dataset and run ids name the shard's hash, and a shard records each game's wall time: they
    # differ from the reference's; the games, samples and weights do not)
    assert got["store_datasets"] == len(got["datasets"]) == 1
    assert got["store_model_ids"] == got["models"] == [ref["champion"]]  # no orphan candidate
    assert [st for _, st in got["runs"]] == ["finished"]  # one run, resumed, none left running


@pytest.mark.slow
def test_a_deleted_database_is_reported_and_rebuilt_from_the_store(reference, tmp_path):
    src, ref = reference
    home = Home(tmp_path).write()
    shutil.copytree(src.home, home.home, dirs_exist_ok=True)
    home.config.write_text(src.config.read_text().replace(str(src.home), str(home.home)))
    for f in home.home.glob("forge.db*"):
        f.unlink()
    r = home.cli("master-loop", "--status")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    (line,) = [x for x in r.stderr.splitlines() if x.startswith("master-loop:")]
    assert "forge.db is missing" in line and "ringrift aggregate --from-store" in line
    assert not list(home.home.glob("forge.db*"))  # no empty database created in its place
    r = home.cli("master-loop", "--legacy", "--stages", STAGES)
    assert r.returncode == 2 and "aggregate --from-store" in r.stderr

    r = home.cli("aggregate", "--from-store", "--json")
    assert r.returncode == 0, r.stderr[-3000:]
    got = _state(home)
    for k in ("games", "batches", "datasets", "models", "champion", "champion_moves"):
        assert got[k] == ref[k], k
    r = home.cli("aggregate", "--from-store", "--json")  # idempotent
    assert r.returncode == 0 and '"inserted": 0' in r.stdout and '"models": 0' in r.stdout
    assert _state(home) == got
    r = home.cli("master-loop", "--status")
    assert r.returncode == 0 and ref["champion"][:12] in r.stdout and " 8 " in r.stdout
