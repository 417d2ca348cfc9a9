"""The trainer: learns, records where it started, validates, stops early, resumes exactly after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from engine.data.augment import augment
from engine.nn.checkpoint import load_checkpoint, save_checkpoint
from engine.nn.network import NetworkArch, build_network
from engine.training import TrainingRun, train
from tests.training.conftest import small_cfg, tiny_arch

ROOT = Path(__file__).resolve().parents[2]


def _run(ds, run_dir, **kw):
    return TrainingRun(ds.train, ds.val, run_dir, arch=kw.pop("arch", tiny_arch()), augment_fn=augment,
                       device="cpu", **kw)


def _lines(run_dir):
    return [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_trains_from_scratch_and_writes_metrics(dataset, tmp_path):
    cfg = small_cfg(epochs=3)
    r = train(_run(dataset, tmp_path / "run", dataset="ds1", run_id="r1"), cfg)
    assert r.init == "scratch" and r.stopped == "epochs" and r.epochs == 3
    assert len(r.val_history) == 3 and r.val_history[-1] < r.val_history[0]
    lines = _lines(tmp_path / "run")
    assert lines[0]["kind"] == "init" and lines[0]["init"] == "scratch" and lines[0]["train_samples"] > 0
    steps = [x["step"] for x in lines if x["kind"] == "train"]
    assert steps == list(range(1, r.steps + 1))
    assert [x["epoch"] for x in lines if x["kind"] == "val"] == [0, 1, 2] and lines[-1]["kind"] == "end"
    ck = load_checkpoint(r.checkpoint)
    assert ck.model_id == r.model_id and ck.meta.lineage.dataset == "ds1" and ck.meta.lineage.parent is None
    assert ck.meta.extra["init"] == "scratch" and ck.meta.extra["progress"]["stopped"] == "epochs"


def test_init_from_champion_is_recorded(dataset, tmp_path):
    champ = build_network(tiny_arch(), seed=9)
    save_checkpoint(champ, tmp_path / "champ")
    champ_ck = load_checkpoint(tmp_path / "champ")
    r = train(_run(dataset, tmp_path / "run", arch=None, init=champ_ck), small_cfg(epochs=1, max_steps=2))
    assert r.init == f"champion:{champ_ck.model_id}" and r.stopped == "max_steps" and r.steps == 2
    ck = load_checkpoint(r.checkpoint)
    assert ck.meta.lineage.parent == champ_ck.model_id and ck.model_id != champ_ck.model_id
    assert _lines(tmp_path / "run")[0]["init"] == f"champion:{champ_ck.model_id}"


def test_scratch_without_arch_and_wrong_config_are_errors(dataset, tmp_path):
    with pytest.raises(ValueError, match="needs an architecture"):
        train(_run(dataset, tmp_path / "a", arch=None), small_cfg())
    with pytest.raises(ValueError, match="network is for hex8_2p, the data for square8_2p"):
        train(_run(dataset, tmp_path / "b", arch=NetworkArch.for_config("hex8", 2, channels=8, blocks=1)), small_cfg())


def test_early_stop(dataset, tmp_path):
    r = train(_run(dataset, tmp_path / "run"), small_cfg(lr=0.0, epochs=5, early_stop_patience=1))
    # lr 0: only BatchNorm statistics move, so validation soon stops improving
    assert r.stopped == "early_stop" and r.epochs < 5
    assert r.val_history[-1] >= min(r.val_history[:-1]) - 1e-6


def test_rerun_of_a_finished_run_changes_nothing(dataset, tmp_path, one_thread):
    cfg = small_cfg(epochs=1)
    a = train(_run(dataset, tmp_path / "run"), cfg)
    b = train(_run(dataset, tmp_path / "run"), cfg)
    assert b.init == f"resume:{a.steps}" and b.model_id == a.model_id and b.steps == a.steps


def test_a_run_is_not_resumed_with_other_settings(dataset, tmp_path):
    from engine.training import ConfigMismatch

    cfg = small_cfg(epochs=1, max_steps=2)
    train(_run(dataset, tmp_path / "run"), cfg)
    with pytest.raises(ConfigMismatch, match=r"refusing to resume.*training\.lr 0\.003 -> 0\.01"):
        train(_run(dataset, tmp_path / "run"), small_cfg(epochs=1, max_steps=2, lr=0.01))


CHILD = """
import sys, time
import torch
torch.set_num_threads(1)
sys.path.insert(0, {root!r})
from tests.training.conftest import Dataset, small_cfg, tiny_arch
from engine.data.augment import augment
from engine.training import TrainingRun, train
from pathlib import Path
ds = Dataset([Path(p) for p in {train!r}], [Path(p) for p in {val!r}], 0)
run = TrainingRun(ds.train, ds.val, Path({run_dir!r}), arch=tiny_arch(), augment_fn=augment, device="cpu")
train(run, small_cfg(epochs=3), progress_cb=lambda line: time.sleep(0.25))
"""


@pytest.fixture
def one_thread():
    """Bit-exact comparisons need one intra-op thread: with several, CPU reductions may be summed in
    a different order from run to run on a loaded machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_killed_run_resumes_to_the_same_weights(dataset, tmp_path, one_thread):
    cfg = small_cfg(epochs=3)
    ref = train(_run(dataset, tmp_path / "ref"), cfg)
    run_dir = tmp_path / "killed"
    code = CHILD.format(root=str(ROOT), train=[str(p) for p in dataset.train], val=[str(p) for p in dataset.val],
                        run_dir=str(run_dir))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    latest = run_dir / "checkpoints" / "latest.json"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if latest.exists() and json.loads(latest.read_text())["step"] >= 4:
            break
        time.sleep(0.05)
    time.sleep(0.1)  # somewhere after that checkpoint, mid-step
    assert proc.poll() is None, "the child finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = json.loads(latest.read_text())["step"]
    assert killed_at < ref.steps
    r = train(_run(dataset, run_dir), cfg)
    assert r.init == f"resume:{killed_at}" and r.steps == ref.steps
    a, b = load_checkpoint(ref.checkpoint).net.state_dict(), load_checkpoint(r.checkpoint).net.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert r.model_id == ref.model_id
    steps = [x["step"] for x in _lines(run_dir) if x["kind"] == "train"]
    assert steps == list(range(1, r.steps + 1))  # nothing lost, nothing twice


def test_no_validation_split_holds_out_games_instead_of_nan(dataset, tmp_path):
    """A dataset whose export put no game in validation used to train with best loss nan."""
    import math

    r = train(TrainingRun(dataset.train, [], tmp_path / "run", arch=tiny_arch(), device="cpu"), small_cfg(epochs=1))
    assert r.best_val is not None and math.isfinite(r.best_val) and len(r.val_history) == 1
    assert r.val_chunks and all(p.parent == tmp_path / "run" / "holdout" for p in r.val_chunks)


def test_a_run_shorter_than_an_epoch_is_validated_at_its_end(dataset, tmp_path):
    import math

    r = train(_run(dataset, tmp_path / "run"), small_cfg(epochs=1, max_steps=2))
    assert r.stopped == "max_steps" and r.best_val is not None and math.isfinite(r.best_val)
    assert [x["step"] for x in _lines(tmp_path / "run") if x["kind"] == "val"] == [2]


def test_reuse_sets_the_steps_from_the_samples_not_the_epochs(dataset, tmp_path):
    # 2.5 draws per sample: more steps than one epoch, fewer than the 5 epochs would give
    r = train(_run(dataset, tmp_path / "run"), small_cfg(epochs=5, reuse=2.5))
    samples = _lines(tmp_path / "run")[0]["train_samples"]
    assert r.steps == round(samples * 2.5 / 32) and r.stopped == "max_steps"
    assert r.epochs == 2 and len(r.val_history) == 3  # two whole epochs validated, then the end of the budget
