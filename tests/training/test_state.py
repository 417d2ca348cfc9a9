"""Training state: optimizer moments and progress round-trip through safetensors + JSON."""

from __future__ import annotations

import json

import torch

from engine.nn.checkpoint import Lineage
from engine.nn.network import build_network
from engine.training import Progress, latest_checkpoint, load_training_state, save_training_state
from engine.training.trainer import _optimizer
from tests.training.conftest import small_cfg, tiny_arch


def test_round_trip(tmp_path):
    cfg = small_cfg()
    net = build_network(tiny_arch(), seed=0).train()
    opt = _optimizer(cfg)(net)
    x = torch.randn(4, 29, 8, 8)
    x[:, 24] = 1.0
    for _ in range(3):
        opt.zero_grad()
        logits, values = net(x, torch.randn(4, 35))
        (logits.square().mean() + values.square().mean()).backward()
        opt.step()
    prog = Progress(step=3, epoch=1, batch=2, best_val=1.5, bad_epochs=1)
    stem = save_training_state(tmp_path, net, opt, prog, Lineage(parent="p", dataset="d"), {"note": 1})
    assert latest_checkpoint(tmp_path) == stem
    assert json.loads((tmp_path / "latest.json").read_text())["step"] == 3
    ckpt, opt2, prog2 = load_training_state(stem, _optimizer(cfg))
    assert prog2 == prog and ckpt.meta.lineage.parent == "p" and ckpt.meta.extra["note"] == 1
    s1, s2 = opt.state_dict(), opt2.state_dict()
    assert s1["param_groups"] == s2["param_groups"]
    for pid in s1["state"]:
        for k in s1["state"][pid]:
            assert torch.equal(torch.as_tensor(s1["state"][pid][k]), torch.as_tensor(s2["state"][pid][k]))
    sd1, sd2 = net.state_dict(), ckpt.net.state_dict()
    assert all(torch.equal(sd1[k], sd2[k]) for k in sd1)


def test_no_latest_means_fresh(tmp_path):
    assert latest_checkpoint(tmp_path) is None
