"""The train stage: a candidate network trained on a dataset (from the champion, or from
scratch), published to the store and registered. Resumable: the same run id continues its run
directory; a finished run is returned again."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from engine.data.augment import augment
from engine.db import (
    ModelRow,
    TrainingRunRow,
    abandon_training_runs,
    claim_training_run,
    finish_training_run,
    get_model,
    get_training_run,
    register_model,
    start_training_run,
)
from engine.evaluation.settings import parse_config_key
from engine.names import safe_join
from engine.redact import redact_exception

from ..artifacts import dataset_chunks, load_model, model_manifest_of, publish_model
from ..context import Context
from ..hooks import pause_point
from ..identity import config_fingerprint, stage_config, training_run_id
from ..owner import process_tag, tag_alive
from .champion import champion, generation_of
from .results import StageError, TrainStageResult

log = logging.getLogger("ringrift.loop")


def run_training(ctx: Context, config_key: str, dataset_id: str, *, run_id: str | None = None,
                 init: str = "champion", progress=None) -> TrainStageResult:
    """Train a candidate on a dataset (from the champion, or from scratch when there is none or
    ``init="scratch"``), publish it and register it. Resumable: the same ``run_id`` continues."""
    # torch: the network and the trainer are loaded by a training, not by importing the stages
    from engine.nn.checkpoint import load_checkpoint
    from engine.nn.inference import set_cpu_threads
    from engine.nn.network import NetworkArch
    from engine.training import CalibrationTracker, TrainingRun, ValueCalibrator, train

    t0 = time.perf_counter()
    set_cpu_threads(ctx.cfg.network.cpu_threads)
    board, n = parse_config_key(config_key)
    if init not in ("champion", "scratch"):
        raise StageError(f"training init {init!r}: champion or scratch")
    champ = champion(ctx, config_key) if init == "champion" else None
    start_from = champ[0] if champ else "scratch"
    run_id = run_id or training_run_id(config_key, dataset_id, start_from, config_fingerprint(ctx.cfg, "train"))
    train_paths, val_paths, meta = dataset_chunks(ctx.store, dataset_id, ctx.cache_dir)
    init_ck = load_model(ctx.store, champ[1]) if champ else None
    arch = None if init_ck else NetworkArch.from_size(board, n, ctx.cfg.network.size_of())
    if init_ck is None:
        log.info("training %s: no champion to start from -> from scratch (%s network)", config_key,
                 ctx.cfg.network.size)
    cfg = ctx.cfg.training
    done = training_result(ctx, run_id)
    if done is not None:
        log.info("training %s: run %s finished before: model %s", config_key, run_id, done.model_id[:12])
        return replace(done, seconds=time.perf_counter() - t0)
    owner = process_tag()
    with ctx.db.session() as s:
        gone = abandon_training_runs(s, config_key, lambda tag: tag_alive(tag) is False, keep=run_id)
        if not start_training_run(s, TrainingRunRow(run_id=run_id, config_key=config_key, init_from=start_from,
                                                    hyperparameters=stage_config(ctx.cfg, "train"),
                                                    dataset_id=dataset_id, host=owner)):
            claim_training_run(s, run_id, owner)  # a rerun resumes the run (its directory's checkpoint)
    for g in gone:
        log.warning("training %s: run %s was left running by a process that is gone: marked abandoned", config_key, g)

    def on_step(line: dict) -> None:
        if progress is not None:
            progress(line)
        if line.get("step") == cfg.checkpoint_every + 1:
            pause_point("train")  # test hook: a checkpoint exists, the run is not finished
    try:
        run_dir = safe_join(ctx.work_dir / "runs", f"{config_key}-{run_id}", kind="training run")
        res = train(TrainingRun(train_paths, val_paths, run_dir, arch=arch, init=init_ck, dataset=dataset_id,
                                run_id=run_id, device=ctx.cfg.network.device, augment_fn=augment),
                    cfg, progress_cb=on_step)
    except Exception as e:
        with ctx.db.session() as s:
            finish_training_run(s, run_id, status="failed", metrics={"error": redact_exception(e)})
        raise
    ck = load_checkpoint(res.checkpoint)
    calibration = None
    val_paths = list(res.val_chunks) or val_paths  # games the trainer held out when the dataset had none
    if val_paths:
        c = ctx.cfg.calibration
        report = ValueCalibrator.from_network(ck, val_paths, seats=c.seats, weight_by_count=c.weight_by_count,
                                              device="cpu", bins=c.bins, objective=c.objective).report()
        CalibrationTracker(ctx.cfg.local_path(c.history)).record(generation_of(ctx, config_key), report,
                                                                  model_id=ck.model_id, config_key=config_key)
        calibration = report.to_json()
    stem = res.checkpoint
    mid = publish_model(ctx.store, stem.with_name(stem.name + ".safetensors").read_bytes(),
                        stem.with_name(stem.name + ".json").read_bytes(), ck.meta)
    ident = ck.meta.identity
    with ctx.db.session() as s:
        register_model(s, ModelRow(model_id=ident.model_id, weights_sha256=ident.weights_sha256,
                                   arch_hash=ident.arch_hash, encoder_version=ident.encoder_version,
                                   config_key=config_key, arch=ck.net.arch.to_dict(),
                                   parent_model_id=ck.meta.lineage.parent, dataset_id=dataset_id,
                                   training_run_id=run_id, checkpoint_uri=f"manifests/{mid}.json",
                                   metrics={"best_val": res.best_val, "steps": res.steps,
                                            "ece": calibration.get("ece") if calibration else None}))
        finish_training_run(s, run_id, metrics={"best_val": res.best_val, "steps": res.steps,
                                                "model_id": ident.model_id, "stopped": res.stopped,
                                                "val_history": list(res.val_history)})
    log.info("training %s: model %s (%s, %d steps, best val %.4f)", config_key, ident.model_id[:12], res.init,
             res.steps, res.best_val or float("nan"))
    return TrainStageResult(config_key, run_id, ident.model_id, mid, res.init, res.steps, res.stopped, res.best_val,
                            tuple(res.val_history), calibration, seconds=time.perf_counter() - t0,
                            dataset_id=dataset_id)


def training_result(ctx: Context, run_id: str) -> TrainStageResult | None:
    """The result of training run ``run_id`` when it finished and registered its model (None
    otherwise): a rerun returns it, the master loop reads a deployment's training back by it."""
    with ctx.db.session(write=False) as s:
        run = get_training_run(s, run_id)
        m = (run.metrics or {}) if run is not None and run.status == "finished" else {}
        model = get_model(s, m["model_id"]) if m.get("model_id") else None
    if model is None or not model.checkpoint_uri:
        return None
    return TrainStageResult(run.config_key, run_id, model.model_id, model_manifest_of(ctx.db, model.model_id),
                            f"reused:{run.init_from}", int(m.get("steps", 0)), str(m.get("stopped", "")),
                            m.get("best_val"), tuple(m.get("val_history", ())), None, dataset_id=run.dataset_id)
