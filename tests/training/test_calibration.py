"""Value calibration: synthetic predictors of known calibration, the tracker, one real pass with a tiny net."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from engine.data.samples import load_npz_chunk
from engine.nn.checkpoint import load_checkpoint, save_checkpoint
from engine.nn.evaluator import NetworkEvaluator
from engine.nn.inference import Inference
from engine.nn.network import NetworkArch, build_network
from engine.training.calibration import (
    CalibrationReport,
    CalibrationTracker,
    ValueCalibrator,
    fit_value_scale,
    reliability_table,
    scale_values,
)
from tests.training.conftest import tiny_arch


def _outcomes(v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """+1 with probability (1 + v) / 2, else -1: outcomes whose mean given v is v."""
    return np.where(rng.random(v.size) < (1.0 + v) / 2.0, 1.0, -1.0)


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(0)
    v = rng.uniform(-0.9, 0.9, 200_000)
    return v, _outcomes(v, rng)


def test_calibrated_predictor(synthetic):
    v, z = synthetic
    for objective in ("mse", "nll"):
        rep = ValueCalibrator(v, z, objective=objective).report()
        assert rep.ece < 0.01 and rep.mce < 0.03
        assert rep.scale == pytest.approx(1.0, abs=0.03)
        assert rep.samples == v.size and rep.mse == pytest.approx(np.mean((v - z) ** 2))
        assert rep.loss_scaled <= (rep.mse if objective == "mse" else rep.nll) + 1e-12
    table = ValueCalibrator(v, z).reliability()
    for b in table[1:-1]:  # every inner bin: observed ~ predicted
        assert b.count > 0 and b.mean_observed == pytest.approx(b.mean_predicted, abs=0.03)


def test_overconfident_and_underconfident_predictors(synthetic):
    v, z = synthetic
    over = ValueCalibrator(scale_values(v, 2.0), z).report()
    assert over.scale == pytest.approx(0.5, abs=0.03) and over.scale < 1
    assert over.ece > 0.1 and over.ece_scaled < 0.01 and over.loss_scaled < over.mse
    under = ValueCalibrator(scale_values(v, 0.5), z, objective="nll").report()
    assert under.scale == pytest.approx(2.0, rel=0.05) and under.ece > 0.05
    # the bins of the overconfident predictor: predictions more extreme than outcomes
    for b in over.bins:
        if b.count and b.mean_predicted > 0.3:
            assert b.mean_observed < b.mean_predicted


def test_fit_value_scale_bounds_and_errors():
    rng = np.random.default_rng(1)
    v = rng.uniform(-0.5, 0.5, 5000)
    assert fit_value_scale(v, np.sign(v)) == pytest.approx(32.0)  # outcomes follow the sign: as sharp as allowed
    assert fit_value_scale(v, np.zeros_like(v)) == pytest.approx(1 / 32)  # outcomes all draws: flatten
    assert np.isfinite(fit_value_scale(np.array([1.0, -1.0, 1.0]), np.array([1.0, -1.0, -1.0])))  # |v| = 1 is clipped
    with pytest.raises(ValueError):
        fit_value_scale(v, v[:-1])
    with pytest.raises(ValueError, match="objective"):
        fit_value_scale(v, v, objective="hinge")
    with pytest.raises(ValueError):
        ValueCalibrator([0.1, 0.2], [0.0])


def test_reliability_table_by_hand_and_weights():
    p = np.array([-1.0, -0.9, 0.05, 0.1, 1.0])
    z = np.array([-1.0, 1.0, 1.0, -1.0, 1.0])
    t = reliability_table(p, z, bins=4)
    assert [b.count for b in t] == [2, 0, 2, 1] and t[1].mean_predicted is None
    assert t[0].mean_predicted == pytest.approx(-0.95) and t[0].mean_observed == 0.0
    assert t[2].mean_predicted == pytest.approx(0.075) and t[2].mean_observed == 0.0
    assert t[3].lo == 0.5 and t[3].hi == 1.0 and t[3].mean_predicted == 1.0  # 1 falls in the last bin
    ece = ValueCalibrator(p, z, bins=4).ece()
    assert ece == pytest.approx((2 * 0.95 + 2 * 0.075 + 0.0) / 5)
    # integer weights = repeated samples
    w = np.array([1, 3, 2, 1, 2])
    a = ValueCalibrator(p, z, w, bins=4).report()
    b = ValueCalibrator(np.repeat(p, w), np.repeat(z, w), bins=4).report()
    assert a.ece == pytest.approx(b.ece) and a.scale == pytest.approx(b.scale,
                                                                      rel=1e-4) and a.mse == pytest.approx(b.mse)
    assert "ECE" in a.table()


def test_report_json_round_trip(synthetic):
    v, z = synthetic
    rep = ValueCalibrator(v[:1000], z[:1000]).report()
    back = CalibrationReport.from_json(json.loads(json.dumps(rep.to_json())))
    assert back == rep


def test_tracker_history(tmp_path, synthetic):
    v, z = synthetic
    tr = CalibrationTracker(tmp_path / "cal" / "calibration.jsonl")
    assert tr.history() == []
    for g, s in [(0, 2.0), (1, 1.5), (2, 1.0)]:
        tr.record(g, ValueCalibrator(scale_values(v[:5000], s), z[:5000]), model_id=f"m{g}", config_key="square8_2p")
    tr.record(1, ValueCalibrator(v[:5000], z[:5000]).report(), model_id="m1b", config_key="square8_2p", note="rerun")
    tr.record(0, ValueCalibrator(v[:100], z[:100]), config_key="hex8_2p")
    with tr.path.open("a") as f:
        f.write('{"generation": 3, "rep')  # a line cut short by a kill
    assert len(tr.entries()) == 5
    h = tr.history("square8_2p")
    assert [d["generation"] for d in h] == [0, 1, 2] and h[1]["model_id"] == "m1b" and h[1]["note"] == "rerun"
    assert [(d["config_key"], d["generation"]) for d in tr.history()] == [("hex8_2p", 0), ("square8_2p", 0),
                                                                         ("square8_2p", 1), ("square8_2p", 2)]
    scales = tr.series("scale", "square8_2p")
    assert [g for g, _ in scales] == [0, 1, 2] and scales[0][1] < 0.6 and scales[2][1] == pytest.approx(1.0, abs=0.15)


def test_from_network_on_real_chunks(dataset, tmp_path):
    net = build_network(tiny_arch(), seed=3)
    net.train()
    cal = ValueCalibrator.from_network(net, dataset.val, batch_size=50)
    n_val = sum(len(load_npz_chunk(p)) for p in dataset.val)
    assert len(cal) == n_val and net.training  # the training mode is restored
    assert np.all(np.abs(cal.predicted) <= 1.0) and np.all(np.abs(cal.targets) <= 1.0)  # dedup: means of outcomes
    # the same predictions by hand
    b = load_npz_chunk(dataset.val[0])
    net.eval()
    with torch.no_grad():
        _, v = net(torch.from_numpy(b.float_planes()), torch.from_numpy(b.globals))
    np.testing.assert_allclose(cal.predicted[:len(b)], v[:, 0].numpy(), atol=1e-5)
    np.testing.assert_array_equal(cal.targets[:len(b)], b.values[:, 0])
    # from a checkpoint path, a Checkpoint, an Inference and a NetworkEvaluator: the same numbers
    save_checkpoint(net, tmp_path / "m")
    for model in (tmp_path / "m", load_checkpoint(tmp_path / "m"), Inference(net, device="cpu"),
                  NetworkEvaluator.from_checkpoint(tmp_path / "m", device="cpu")):
        np.testing.assert_allclose(ValueCalibrator.from_network(model, dataset.val).predicted, cal.predicted, atol=1e-5)
    rep = cal.report()
    assert rep.samples == n_val and 0 <= rep.ece <= 2 and rep.scale > 0
    assert sum(b.count for b in rep.bins) == n_val
    both = ValueCalibrator.from_network(net, dataset.val, seats="all", weight_by_count=True)
    assert len(both) == 2 * n_val and both.weights.sum() >= 2 * n_val
    with pytest.raises(ValueError, match="the network is for hex8_2p"):
        ValueCalibrator.from_network(build_network(NetworkArch.for_config("hex8", 2, channels=8, blocks=1)),
                                     dataset.val)
    with pytest.raises(ValueError, match="no validation samples"):
        ValueCalibrator.from_network(net, [])
