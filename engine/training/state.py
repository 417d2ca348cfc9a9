"""The trainer's resumable state: network checkpoint + optimizer + progress, without pickle.

A training checkpoint at step ``s`` is three files in ``<run>/checkpoints/``:
``step-<s>.safetensors`` / ``step-<s>.json`` (the network, an ordinary ``engine.nn`` checkpoint
whose lineage says where it came from) and ``step-<s>.train.safetensors`` (the AdamW moments,
one tensor per parameter and moment) with ``step-<s>.train.json`` (progress: step, epoch, batch in
epoch, best validation loss, epochs without improvement, and the optimizer's param groups). The
file ``latest.json`` names the newest complete checkpoint; it is replaced atomically after all
four files are written, so a run killed at any moment resumes from a complete checkpoint.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from safetensors.torch import save as st_save

from engine.atomic import atomic_write_bytes, atomic_write_json
from engine.nn.checkpoint import Checkpoint, Lineage, load_checkpoint, save_checkpoint
from engine.nn.network import RingRiftNet


@dataclass(frozen=True)
class Progress:
    step: int  # optimizer steps done
    epoch: int  # current epoch (0-based)
    batch: int  # next batch index within the epoch
    best_val: float | None = None
    bad_epochs: int = 0
    stopped: str | None = None  # why training ended, once it has ("epochs", "max_steps", "early_stop")


def save_training_state(ckpt_dir: Path, net: RingRiftNet, opt: torch.optim.Optimizer, progress: Progress,
                        lineage: Lineage, extra: dict | None = None) -> Path:
    """Write the checkpoint of ``progress.step`` and point ``latest.json`` at it; returns the stem."""
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    stem = ckpt_dir / f"step-{progress.step:08d}"
    meta = save_checkpoint(net, stem, lineage=lineage, extra={**(extra or {}), "progress": asdict(progress)})
    names = {id(p): n for n, p in net.named_parameters()}
    tensors = {}
    sd = opt.state_dict()
    pid_to_name = {}
    for group, g in zip(opt.param_groups, sd["param_groups"]):
        for p, pid in zip(group["params"], g["params"]):
            pid_to_name[pid] = names[id(p)]
    for pid, st in sd["state"].items():
        for k, v in st.items():
            t = v if torch.is_tensor(v) else torch.tensor(v)
            tensors[f"{pid_to_name[pid]}::{k}"] = t.detach().to("cpu").contiguous()
    groups = [{k: v for k, v in g.items() if k != "params"} | {"params": [pid_to_name[i] for i in g["params"]]}
              for g in sd["param_groups"]]
    atomic_write_bytes(stem.with_name(stem.name + ".train.safetensors"), st_save(tensors))
    atomic_write_json(stem.with_name(stem.name + ".train.json"),
                 {"progress": asdict(progress), "param_groups": groups, "model_id": meta.identity.model_id})
    atomic_write_json(ckpt_dir / "latest.json", {"stem": stem.name, "step": progress.step})
    return stem


def latest_checkpoint(ckpt_dir: Path) -> Path | None:
    p = ckpt_dir / "latest.json"
    if not p.exists():
        return None
    return ckpt_dir / json.loads(p.read_text())["stem"]


def load_training_state(stem: Path, opt_factory) -> tuple[Checkpoint, torch.optim.Optimizer, Progress]:
    """The network, an optimizer (``opt_factory(net)``) with its saved moments, and the progress."""
    ckpt = load_checkpoint(stem)
    net = ckpt.net
    net.train()
    opt = opt_factory(net)
    doc = json.loads(stem.with_name(stem.name + ".train.json").read_text())
    tensors = load_file(str(stem.with_name(stem.name + ".train.safetensors")))
    name_to_pid = {}
    params = dict(net.named_parameters())
    state_groups = []
    pid = 0
    for group, g in zip(opt.param_groups, doc["param_groups"]):
        ids = []
        for name in g["params"]:
            name_to_pid[name] = pid
            ids.append(pid)
            pid += 1
        # JSON turned tuples (AdamW's betas) into lists
        state_groups.append({k: tuple(v) if isinstance(v, list) else v for k, v in g.items() if k != "params"}
                            | {"params": ids})
        if [id(params[n]) for n in g["params"]] != [id(p) for p in group["params"]]:
            raise ValueError(f"{stem}: optimizer parameter order does not match the network")
    state: dict = {}
    for key, t in tensors.items():
        name, k = key.split("::")
        state.setdefault(name_to_pid[name], {})[k] = t
    opt.load_state_dict({"state": state, "param_groups": state_groups})
    return ckpt, opt, Progress(**doc["progress"])
