"""Datasets and training runs: what the export and training steps write, and the registry reads
for lineage.

A dataset row records one export (its manifest lives in the store; ``dataset_id`` is the
manifest's hash). Games are not linked one by one: the manifest in the store lists them, and
``num_games`` plus ``lineage`` (the shard ids, parent datasets and export options) say where
they came from; a link table would hold (datasets x window) rows for no query the loop makes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ._sql import insert, plain, when
from .models import RUN_STATUSES, Dataset, TrainingRun
from .rows import DatasetRow, TrainingRunRow

# -- datasets ---------------------------------------------------------------------------------------------

def record_dataset(session: Session, dataset: DatasetRow) -> bool:
    """Register a dataset (idempotent by ``dataset_id``: the first registration wins); True if new."""
    values = dict(dataset_id=dataset.dataset_id, config_key=dataset.config_key,
                  encoder_version=dataset.encoder_version, num_samples=int(dataset.num_samples),
                  num_games=int(dataset.num_games), window=plain(dataset.window), splits=plain(dataset.splits),
                  lineage=plain(dataset.lineage), manifest_uri=dataset.manifest_uri,
                  created_at=when(dataset.created_at))
    stmt = insert(session, Dataset.__table__).values(values).on_conflict_do_nothing(index_elements=["dataset_id"])
    return session.execute(stmt.returning(Dataset.dataset_id)).first() is not None


def get_dataset(session: Session, dataset_id: str) -> DatasetRow | None:
    d = session.get(Dataset, dataset_id)
    return None if d is None else _dataset_row(d)


def list_datasets(session: Session, config_key: str, *, limit: int | None = None) -> list[DatasetRow]:
    """Datasets of ``config_key``, newest first."""
    q = select(Dataset).where(Dataset.config_key == config_key) \
        .order_by(Dataset.created_at.desc(), Dataset.dataset_id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [_dataset_row(d) for d in session.scalars(q)]


def _dataset_row(d: Dataset) -> DatasetRow:
    return DatasetRow(dataset_id=d.dataset_id, config_key=d.config_key, encoder_version=d.encoder_version,
                      num_samples=d.num_samples, num_games=d.num_games, window=d.window, splits=d.splits,
                      lineage=d.lineage, manifest_uri=d.manifest_uri, created_at=d.created_at)


# -- training runs ------------------------------------------------------------------------------------------

def start_training_run(session: Session, run: TrainingRunRow) -> bool:
    """Register a training run (idempotent by ``run_id``: a resumed run keeps its first row);
    True if new."""
    if run.status not in RUN_STATUSES:
        raise ValueError(f"status {run.status!r} is not one of {RUN_STATUSES}")
    values = dict(run_id=run.run_id, config_key=run.config_key, init_from=run.init_from, dataset_id=run.dataset_id,
                  hyperparameters=plain(run.hyperparameters), status=run.status, started_at=when(run.started_at),
                  finished_at=None if run.finished_at is None else when(run.finished_at),
                  metrics=None if run.metrics is None else plain(run.metrics), host=run.host)
    stmt = insert(session, TrainingRun.__table__).values(values).on_conflict_do_nothing(index_elements=["run_id"])
    return session.execute(stmt.returning(TrainingRun.run_id)).first() is not None


def finish_training_run(session: Session, run_id: str, *, status: str = "finished",
                        metrics: Mapping[str, Any] | None = None, finished_at: datetime | None = None) -> None:
    """Set a run's final status (``finished`` / ``failed`` / ``cancelled``), metrics and end time;
    calling it again overwrites them. An unknown ``run_id`` raises ``KeyError``."""
    if status not in RUN_STATUSES:
        raise ValueError(f"status {status!r} is not one of {RUN_STATUSES}")
    res = session.execute(update(TrainingRun).where(TrainingRun.run_id == run_id)
                          .values(status=status, metrics=None if metrics is None else plain(metrics),
                                  finished_at=when(finished_at)))
    if res.rowcount == 0:
        raise KeyError(f"unknown training run {run_id!r}")


def get_training_run(session: Session, run_id: str) -> TrainingRunRow | None:
    r = session.get(TrainingRun, run_id, populate_existing=True)
    return None if r is None else _run_row(r)


def list_training_runs(session: Session, config_key: str, *, status: str | None = None,
                       limit: int | None = None) -> list[TrainingRunRow]:
    """Training runs of ``config_key``, newest first."""
    q = select(TrainingRun).where(TrainingRun.config_key == config_key)
    if status is not None:
        q = q.where(TrainingRun.status == status)
    q = q.order_by(TrainingRun.started_at.desc(), TrainingRun.run_id.desc())
    if limit is not None:
        q = q.limit(limit)
    return [_run_row(r) for r in session.scalars(q)]


def _run_row(r: TrainingRun) -> TrainingRunRow:
    return TrainingRunRow(run_id=r.run_id, config_key=r.config_key, init_from=r.init_from,
                          hyperparameters=r.hyperparameters, dataset_id=r.dataset_id, status=r.status,
                          started_at=r.started_at, finished_at=r.finished_at, metrics=r.metrics, host=r.host)


def claim_training_run(session: Session, run_id: str, owner: str) -> None:
    """A rerun takes over run ``run_id`` (resuming its run directory): status back to ``running``,
    ``host`` = the new owner's tag (``engine.loop.owner``), no end time."""
    res = session.execute(update(TrainingRun).where(TrainingRun.run_id == run_id)
                          .values(status="running", host=owner, finished_at=None))
    if res.rowcount == 0:
        raise KeyError(f"unknown training run {run_id!r}")


def abandon_training_runs(session: Session, config_key: str, is_gone, *, keep: str | None = None,
                          finished_at: datetime | None = None) -> list[str]:
    """Mark the config's ``running`` runs whose owner process is gone (``is_gone(host)`` true) as
    ``cancelled`` with ``metrics.abandoned`` saying why, so that no run stays ``running`` forever
    after a crash. ``keep``: a run id left alone (the one being resumed). Returns the ids marked."""
    out = []
    for r in session.scalars(select(TrainingRun).where(TrainingRun.config_key == config_key,
                                                       TrainingRun.status == "running")):
        if r.run_id == keep or not is_gone(r.host):
            continue
        session.execute(update(TrainingRun).where(TrainingRun.run_id == r.run_id).values(
            status="cancelled", finished_at=when(finished_at),
            metrics={**(r.metrics or {}), "abandoned": f"its process ({r.host}) is gone"}))
        out.append(r.run_id)
    return out
