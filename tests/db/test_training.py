"""engine.db.training: datasets and training runs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from engine.db import (
    TrainingRunRow,
    finish_training_run,
    get_dataset,
    get_model,
    get_training_run,
    list_datasets,
    list_training_runs,
    record_dataset,
    register_model,
    start_training_run,
)
from tests.db.helpers import at, dataset, model


def test_datasets_are_idempotent(db, other_host):
    d = dataset("ds1", created_at=at(0))
    with db.session() as s:
        assert record_dataset(s, d)
        assert not record_dataset(s, replace(d, num_samples=1))
    with other_host.session() as s:
        assert not record_dataset(s, d)
        assert record_dataset(s, dataset("ds2", created_at=at(1)))
        assert record_dataset(s, dataset("dh", config_key="hex8_2p"))
    with db.session(write=False) as s:
        assert get_dataset(s, "ds1") == d
        assert get_dataset(s, "nope") is None
        assert [x.dataset_id for x in list_datasets(s, "square8_2p")] == ["ds2", "ds1"]
        assert [x.dataset_id for x in list_datasets(s, "square8_2p", limit=1)] == ["ds2"]


def test_training_run_lifecycle(db):
    run = TrainingRunRow(run_id="r1", config_key="square8_2p", init_from="scratch", dataset_id="ds1",
                         hyperparameters={"lr": 0.002, "batch_size": 256}, host="gpu-1", started_at=at(0))
    with db.session() as s:
        record_dataset(s, dataset("ds1"))
        assert start_training_run(s, run)
        assert not start_training_run(s, run)  # a resumed run keeps its row
    with db.session() as s:
        got = get_training_run(s, "r1")
        assert got.status == "running" and got.finished_at is None and got.hyperparameters["lr"] == 0.002
        finish_training_run(s, "r1", metrics={"val_loss": 1.5}, finished_at=at(30))
        m = model("trained", dataset_id="ds1", training_run_id="r1")
        register_model(s, m)
    with db.session(write=False) as s:
        got = get_training_run(s, "r1")
        assert (got.status, got.metrics, got.finished_at) == ("finished", {"val_loss": 1.5}, at(30))
        assert get_model(s, m.model_id).training_run_id == "r1"
        assert [r.run_id for r in list_training_runs(s, "square8_2p", status="finished")] == ["r1"]
        assert list_training_runs(s, "square8_2p", status="running") == []
        assert get_training_run(s, "nope") is None


def test_training_run_errors(db):
    with db.session() as s:
        with pytest.raises(KeyError):
            finish_training_run(s, "nope")
        with pytest.raises(ValueError):
            finish_training_run(s, "nope", status="done")
        with pytest.raises(ValueError):
            start_training_run(s, TrainingRunRow("r", "square8_2p", "scratch", status="odd"))
    with pytest.raises(IntegrityError):
        with db.session() as s:
            start_training_run(s, TrainingRunRow("r2", "square8_2p", "scratch", dataset_id="unregistered"))
    with db.session() as s:
        start_training_run(s, TrainingRunRow("r3", "square8_2p", "scratch", started_at=at(0)))
        start_training_run(s, TrainingRunRow("r4", "square8_2p", "m0", started_at=at(1)))
        finish_training_run(s, "r3", status="failed", metrics={"error": "CUDA OOM"})
    with db.session(write=False) as s:
        assert [r.run_id for r in list_training_runs(s, "square8_2p")] == ["r4", "r3"]
        assert get_training_run(s, "r3").status == "failed"


def test_runs_of_gone_processes_are_marked_abandoned_and_a_resumed_run_is_claimed(db):
    from engine.db import abandon_training_runs, claim_training_run

    with db.session() as s:
        record_dataset(s, dataset("ds1"))
        for rid, host in (("dead", "h:1:1"), ("alive", "h:2:2"), ("resumed", "h:3:3"), ("other", "h:4:4")):
            start_training_run(s, TrainingRunRow(run_id=rid, config_key="square8_2p", init_from="scratch",
                                                 dataset_id="ds1", host=host, metrics={"step": 5}))
        start_training_run(s, TrainingRunRow(run_id="hex", config_key="hex8_2p", init_from="scratch", host="h:5:5"))
        finish_training_run(s, "other", metrics={"steps": 1})
    gone = {"h:1:1", "h:3:3", "h:4:4", "h:5:5"}
    with db.session() as s:
        assert abandon_training_runs(s, "square8_2p", lambda tag: tag in gone, keep="resumed") == ["dead"]
    with db.session() as s:
        dead = get_training_run(s, "dead")
        assert dead.status == "cancelled" and dead.finished_at is not None
        assert "h:1:1" in dead.metrics["abandoned"] and dead.metrics["step"] == 5
        assert get_training_run(s, "alive").status == "running"
        assert get_training_run(s, "other").status == "finished"  # only running runs
        assert get_training_run(s, "hex").status == "running"  # only this config
        claim_training_run(s, "resumed", "h:9:9")
        claim_training_run(s, "dead", "h:9:9")
    with db.session(write=False) as s:
        r = get_training_run(s, "dead")
        assert r.status == "running" and r.host == "h:9:9" and r.finished_at is None
    with db.session() as s, pytest.raises(KeyError, match="unknown training run"):
        claim_training_run(s, "nope", "h:9:9")
