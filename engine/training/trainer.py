"""The trainer: policy + value training of a ``RingRiftNet`` on NPZ chunks, resumable at any step.

    result = train(TrainingRun(train_chunks=..., val_chunks=..., run_dir="runs/r1", arch=arch), cfg.training)

* Initialisation is never silent: from the run directory's last checkpoint when there is one
  (resume), else from ``init`` (a champion ``Checkpoint``: its weights are copied and its model id
  becomes the new model's parent), else from scratch with ``arch`` and the seed. The choice is
  logged, written as the first line of ``metrics.jsonl`` and kept in ``TrainResult.init``.
* Loss per sample: ``policy_weight * CE(target, softmax over legal moves) + value_weight * MSE``
  (``losses.py``), averaged with the samples' weights. AdamW, linear warmup then cosine decay
  (``schedule.py``), gradient-norm clipping, CUDA autocast (``amp``) on a GPU, fp32 on CPU.
* Checkpoints every ``checkpoint_every`` steps and at the end (``state.py``); a rerun on the same
  run directory resumes from the newest one and, with the same data and seed, ends with exactly
  the weights of an uninterrupted run (the batch order is a function of seed, epoch and batch
  index: ``data.py``; on a CPU with the same number of torch threads, since several threads may
  sum in a different order). Lines of ``metrics.jsonl`` written after that checkpoint are dropped on
  resume, so the metrics never hold a step twice.
* Validation loss on the held-out split after every epoch; early stop after
  ``early_stop_patience`` epochs without improvement.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.config import TrainingConfig
from engine.nn.checkpoint import Checkpoint, Lineage, model_identity
from engine.nn.inference import autocast_dtype, resolve_device
from engine.nn.network import NetworkArch, RingRiftNet, build_network

from .data import TrainingData, validation_batches
from .holdout import ensure_validation
from .losses import LossBatch, policy_entropy, policy_loss, value_loss
from .schedule import lr_at
from .state import Progress, latest_checkpoint, load_training_state, save_training_state

log = logging.getLogger("ringrift.training")


@dataclass(frozen=True)
class TrainingRun:
    """What to train on and where: the data, the run directory, and where the weights start."""

    train_chunks: Sequence[Path]
    val_chunks: Sequence[Path]
    run_dir: Path
    arch: NetworkArch | None = None  # required when training from scratch
    init: Checkpoint | None = None  # the champion to start from (or None)
    dataset: str | None = None  # dataset manifest id, recorded in the lineage
    run_id: str | None = None
    device: str = "auto"
    augment_fn: Callable | None = None
    weight_fn: Callable | None = None


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    checkpoint: Path  # stem of the final checkpoint
    model_id: str
    init: str  # "scratch", "champion:<model id>" or "resume:<step>" (+ what the run started from)
    steps: int
    epochs: int
    stopped: str
    best_val: float | None
    val_history: tuple[float, ...] = field(default_factory=tuple)
    samples_per_s: float = 0.0
    val_chunks: tuple[Path, ...] = ()  # what it validated on (games held out when the dataset had none)


def _optimizer(cfg: TrainingConfig) -> Callable[[RingRiftNet], torch.optim.Optimizer]:
    def make(net: RingRiftNet) -> torch.optim.Optimizer:
        decay, no_decay = [], []
        for _name, p in net.named_parameters():
            (no_decay if p.ndim <= 1 else decay).append(p)  # no weight decay on biases and norms
        return torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                  {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr)
    return make


class _Metrics:
    def __init__(self, path: Path, keep_step: int | None, keep_epoch: int | None) -> None:
        self.path = path
        if keep_step is not None and path.exists():
            kept = []
            for line in path.read_text().splitlines():
                try:
                    d = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill
                if d.get("step", 0) > keep_step or (d.get("kind") == "val" and d.get("epoch", -1) >= keep_epoch):
                    continue
                kept.append(line)
            path.write_text("".join(k + "\n" for k in kept))
        elif keep_step is None:
            path.write_text("")
        self.f = path.open("a")

    def write(self, **d) -> None:
        self.f.write(json.dumps(d, sort_keys=True) + "\n")
        self.f.flush()

    def close(self) -> None:
        self.f.close()


def _losses(net: RingRiftNet, b: LossBatch, cfg: TrainingConfig, dtype) -> tuple[torch.Tensor, dict]:
    dev = b.planes.device
    if dtype is not None:
        with torch.autocast(device_type=dev.type, dtype=dtype):
            logits, values = net(b.planes, b.globals)
    else:
        logits, values = net(b.planes, b.globals)
    pl = policy_loss(logits, b)
    vl = value_loss(values, b)
    w = b.weight
    wsum = w.sum().clamp_min(1e-8)
    loss = ((cfg.policy_weight * pl + cfg.value_weight * vl) * w).sum() / wsum
    return loss, {"policy_loss": float((pl.detach() * w).sum() / wsum),
                  "value_loss": float((vl.detach() * w).sum() / wsum)}


def validate(net: RingRiftNet, paths: Sequence[Path], cfg: TrainingConfig, device: torch.device) -> dict | None:
    """Mean losses over the validation split (None when there is none)."""
    if not paths:
        return None
    net.eval()
    tot = {"loss": 0.0, "policy_loss": 0.0, "value_loss": 0.0, "target_entropy": 0.0}
    n = 0
    dtype = autocast_dtype(device, cfg.amp)
    with torch.no_grad():
        for b in validation_batches(paths, cfg.batch_size):
            b = b.to(device)
            loss, parts = _losses(net, b, cfg, dtype)
            k = len(b)
            tot["loss"] += float(loss) * k
            tot["policy_loss"] += parts["policy_loss"] * k
            tot["value_loss"] += parts["value_loss"] * k
            tot["target_entropy"] += float(policy_entropy(b).mean()) * k
            n += k
    net.train()
    return {k: v / n for k, v in tot.items()} | {"samples": n} if n else None


def train(run: TrainingRun, cfg: TrainingConfig, progress_cb: Callable[[dict], None] | None = None) -> TrainResult:
    run_dir = Path(run.run_dir)
    ckpt_dir = run_dir / "checkpoints"
    run_dir.mkdir(parents=True, exist_ok=True)
    device = resolve_device(run.device)
    dtype = autocast_dtype(device, cfg.amp)
    # never train blind: a dataset without validation samples gets whole games held out (or a
    # one-line NoValidationData when it has a single game), instead of a best loss of nan
    split = ensure_validation(run.train_chunks, run.val_chunks, run_dir / "holdout")
    if split.held_out_games:
        log.info("training: the dataset has no validation sample; %d game(s) (%d samples) held out of training",
                 split.held_out_games, split.val_samples)
    train_chunks, val_chunks = list(split.train), list(split.val)
    data = TrainingData(train_chunks, cfg.batch_size, seed=cfg.seed, shuffle_chunks=cfg.shuffle_chunks,
                        augment_fn=run.augment_fn if cfg.augment else None, weight_fn=run.weight_fn)
    total = cfg.epochs * data.steps_per_epoch
    if cfg.reuse:
        # KataGo's budget: each training sample drawn `reuse` times on average, however many
        # epochs that is (a small first dataset then still gets enough steps)
        total = max(1, round(data.num_samples * cfg.reuse / data.batch_size))
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    make_opt = _optimizer(cfg)

    stem = latest_checkpoint(ckpt_dir)
    if stem is not None:
        ckpt, opt, prog = load_training_state(stem, make_opt)
        _check_same_config(run_dir, ckpt.meta.extra.get("config"), asdict(cfg))
        net = ckpt.net.to(device)
        opt.load_state_dict(opt.state_dict())  # moves the moments to the parameters' device
        lineage = ckpt.meta.lineage
        init = f"resume:{prog.step}"
        started = ckpt.meta.extra.get("init", "unknown")
        metrics = _Metrics(run_dir / "metrics.jsonl", prog.step, prog.epoch)
        log.info("training: resuming %s from step %d (epoch %d, batch %d); the run started from %s",
                 run_dir, prog.step, prog.epoch, prog.batch, started)
    else:
        if run.init is not None:
            net = build_network(run.init.meta.arch)
            net.load_state_dict(run.init.net.state_dict())
            started = f"champion:{run.init.model_id}"
            parent = run.init.model_id
        else:
            if run.arch is None:
                raise ValueError("training from scratch needs an architecture (TrainingRun.arch)")
            net = build_network(run.arch, seed=cfg.seed)
            started = "scratch"
            parent = None
        net = net.to(device).train()
        opt = make_opt(net)
        prog = Progress(step=0, epoch=0, batch=0)
        lineage = Lineage(parent=parent, dataset=run.dataset, training_run=run.run_id)
        init = started
        metrics = _Metrics(run_dir / "metrics.jsonl", None, None)
        metrics.write(kind="init", step=0, init=started, arch=net.arch.to_dict(), config=asdict(cfg),
                      train_samples=data.num_samples, steps_per_epoch=data.steps_per_epoch, total_steps=total,
                      device=str(device))
        log.info("training: %s from %s (%s, %d samples, %d steps)", run_dir, started, net.arch.config_key,
                 data.num_samples, total)
    if data.num_samples and net.arch.config_key != _chunks_config(train_chunks[0]):
        raise ValueError(f"the network is for {net.arch.config_key}, the data for {_chunks_config(train_chunks[0])}")

    extra = {"init": started, "config": asdict(cfg)}
    scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 else None
    val_history: list[float] = []
    validated_at = -1  # the step of the last validation
    already_stopped = prog.stopped is not None  # a finished run resumed: nothing to do again
    t0 = time.perf_counter()
    seen = 0
    step = prog.step
    stopped = prog.stopped

    def checkpoint(p: Progress) -> Path:
        return save_training_state(ckpt_dir, net, opt, p, lineage, extra)

    while stopped is None:
        epoch, start = prog.epoch, prog.batch
        for k, b in data.epoch(epoch, start):
            if step >= total:
                break
            b = b.to(device)
            lr = lr_at(step, cfg.lr, cfg.warmup_steps, total)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.zero_grad(set_to_none=True)
            loss, parts = _losses(net, b, cfg, dtype)
            lv = loss.detach().item()
            if not math.isfinite(lv):
                raise FloatingPointError(f"training loss is {lv} at step {step} (epoch {epoch}, batch {k})")
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                gn = torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                gn = torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
                opt.step()
            step += 1
            seen += len(b)
            prog = Progress(step, epoch, k + 1, prog.best_val, prog.bad_epochs)
            line = {"kind": "train", "step": step, "epoch": epoch, "lr": lr, "loss": lv,
                    "grad_norm": float(gn), **parts}
            metrics.write(**line)
            if progress_cb is not None:
                progress_cb(line | {"total_steps": total})
            if step % cfg.checkpoint_every == 0:
                checkpoint(prog)
        else:
            # the epoch ran to its end: validate, maybe stop early
            val = validate(net, val_chunks, cfg, device)
            validated_at = step
            best, bad = prog.best_val, prog.bad_epochs
            if val is not None:
                val_history.append(val["loss"])
                if best is None or val["loss"] < best - 1e-6:
                    best, bad = val["loss"], 0
                else:
                    bad += 1
                metrics.write(kind="val", step=step, epoch=epoch, **val)
                log.info("training: epoch %d validation loss %.4f (policy %.4f, value %.4f)", epoch, val["loss"],
                         val["policy_loss"], val["value_loss"])
            prog = Progress(step, epoch + 1, 0, best, bad)
            if cfg.early_stop_patience and bad >= cfg.early_stop_patience:
                stopped = "early_stop"
            elif not cfg.reuse and prog.epoch >= cfg.epochs:
                stopped = "epochs"
            elif step >= total:
                stopped = "max_steps"
            continue
        stopped = "max_steps"  # the step budget ended inside an epoch
    if not already_stopped and stopped == "max_steps" and validated_at != step:
        # the budget ended inside an epoch: validate the final weights too (a run shorter than an
        # epoch had no validation at all and reported a best loss of nan)
        val = validate(net, val_chunks, cfg, device)
        if val is not None:
            val_history.append(val["loss"])
            best = val["loss"] if prog.best_val is None else min(prog.best_val, val["loss"])
            prog = Progress(step, prog.epoch, prog.batch, best, prog.bad_epochs)
            metrics.write(kind="val", step=step, epoch=prog.epoch, **val)
            log.info("training: final validation loss %.4f (policy %.4f, value %.4f)", val["loss"],
                     val["policy_loss"], val["value_loss"])
    prog = Progress(step, prog.epoch, prog.batch, prog.best_val, prog.bad_epochs, stopped)
    final = checkpoint(prog)
    model_id = model_identity(net).model_id
    dt = time.perf_counter() - t0
    metrics.write(kind="end", step=step, stopped=stopped, model_id=model_id, best_val=prog.best_val)
    metrics.close()
    log.info("training: %s stopped (%s) at step %d -> model %s", run_dir, stopped, step, model_id[:12])
    return TrainResult(run_dir=run_dir, checkpoint=final, model_id=model_id, init=init, steps=step,
                       epochs=prog.epoch, stopped=stopped, best_val=prog.best_val, val_history=tuple(val_history),
                       samples_per_s=seen / dt if dt > 0 else 0.0, val_chunks=tuple(val_chunks))


class ConfigMismatch(ValueError):
    """A run directory was started with other training settings: resuming it would mix two runs."""


def _check_same_config(run_dir: Path, recorded: dict | None, current: dict) -> None:
    """Refuse to resume a run whose checkpoint records other training settings (say which keys)."""
    if recorded is None:
        return  # a checkpoint from before settings were recorded: nothing to compare
    keys = sorted(k for k in set(recorded) | set(current) if recorded.get(k, "<absent>") != current.get(k, "<absent>"))
    if keys:
        shown = ", ".join(f"training.{k} {recorded.get(k, '<absent>')!r} -> {current.get(k, '<absent>')!r}"
                          for k in keys[:6])
        raise ConfigMismatch(f"{run_dir}: refusing to resume, this run was started with other training settings "
                             f"({shown}); use a new run directory (run id) for the new settings")


def _chunks_config(path: Path) -> str:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["meta"]).decode())
    return f"{meta['board']}_{meta['num_players']}p"
