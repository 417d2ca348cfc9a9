"""Batched inference: numpy in/out, batch splitting, device resolution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.nn.inference import Inference, autocast_dtype, resolve_device
from tests.nn.helpers import encoded, tiny_net


def test_predict_matches_the_module_and_counts():
    net = tiny_net(seed=2)
    _, planes, glob = encoded(n=5)
    inf = Inference(net, device="cpu")
    logits, values = inf.predict(planes, glob)
    with torch.no_grad():
        ref_l, ref_v = net.eval()(torch.from_numpy(planes), torch.from_numpy(glob))
    assert logits.dtype == np.float32 and logits.shape == tuple(ref_l.shape)
    np.testing.assert_allclose(logits, ref_l.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(values, ref_v.numpy(), rtol=1e-5, atol=1e-6)
    assert (inf.positions, inf.batches) == (5, 1)


def test_large_requests_are_split():
    _, planes, glob = encoded(n=7)
    whole = Inference(tiny_net(seed=2), device="cpu").predict(planes, glob)
    inf = Inference(tiny_net(seed=2), device="cpu", max_batch=3)
    split = inf.predict(planes, glob)
    assert inf.batches == 3
    for a, b in zip(whole, split):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_device_resolution():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert autocast_dtype(torch.device("cpu")) is None
    if not torch.cuda.is_available():
        from engine.nn import DeviceUnavailable

        with pytest.raises(DeviceUnavailable, match="no CUDA GPU") as e:
            resolve_device("cuda")
        assert "\n" not in str(e.value) and "RINGRIFT_DEVICE=cpu" in str(e.value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
def test_cuda_autocast_close_to_cpu():
    _, planes, glob = encoded(n=8)
    cpu = Inference(tiny_net(seed=2), device="cpu").predict(planes, glob)
    gpu = Inference(tiny_net(seed=2), device="cuda").predict(planes, glob)
    np.testing.assert_allclose(cpu[1], gpu[1], atol=0.05)
    assert np.corrcoef(cpu[0].ravel(), gpu[0].ravel())[0, 1] > 0.99


def _configured(size: str):
    from engine.config import load_config
    from engine.nn.network import NetworkArch, build_network

    return build_network(NetworkArch.from_size("square8", 2, load_config().network.size_of(size)), seed=2)


@pytest.mark.parametrize("frozen", [False, True])
def test_small_batches_are_padded_so_outputs_do_not_depend_on_the_batch(frozen):
    """Batch invariance of the configured tiny network, eager and frozen (not of every shape: the
    8-channel test network's eager path depends on a row's offset in the batch)."""
    _, planes, glob = encoded(n=24)
    inf = Inference(_configured("tiny"), device="cpu")
    if frozen:
        assert inf.freeze()
    assert inf.min_batch == 16
    whole = inf.predict(planes, glob)
    for lo, hi in ((0, 1), (3, 6), (5, 20)):
        part = inf.predict(planes[lo:hi], glob[lo:hi])
        assert np.array_equal(part[0], whole[0][lo:hi]) and np.array_equal(part[1], whole[1][lo:hi])
    assert inf.positions == 24 + 1 + 3 + 15
    assert Inference(tiny_net(seed=2), device="cpu", min_batch=0).min_batch == 0
    assert Inference(tiny_net(seed=2), device="cpu", amp="off", max_batch=4).min_batch == 16


def test_freeze_keeps_the_outputs():
    _, planes, glob = encoded(n=20)
    inf = Inference(tiny_net(seed=2), device="cpu")
    eager = inf.predict(planes, glob)
    assert inf.freeze() and inf.frozen is not None and inf.freeze()
    frozen = inf.predict(planes, glob)
    for a, b in zip(eager, frozen, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    # batch invariance holds for the frozen copy too
    part = inf.predict(planes[2:5], glob[2:5])
    assert np.array_equal(part[0], frozen[0][2:5]) and np.array_equal(part[1], frozen[1][2:5])


def _wanted(planes, per_row=40, seed=0):
    """``per_row`` random policy indices for each row of a batch, as (rows, ids)."""
    from engine.nn import policy_size

    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(planes.shape[0]), per_row)
    return rows, rng.integers(0, policy_size("square8", 2), size=rows.size)


@pytest.mark.parametrize("frozen", [False, True])
def test_predict_moves_is_predict_at_the_wanted_moves(frozen):
    _, planes, glob = encoded(n=20)
    inf = Inference(_configured("tiny"), device="cpu")
    if frozen:
        assert inf.freeze()
    logits, values = inf.predict(planes, glob)
    rows, ids = _wanted(planes)
    z, values2 = inf.predict_moves(planes, glob, rows, ids)
    assert z.dtype == np.float64 and z.shape == ids.shape
    np.testing.assert_allclose(z, logits[rows, ids], rtol=1e-5, atol=1e-6)
    assert np.array_equal(values, values2)
    empty = inf.predict_moves(planes[:0], glob[:0], rows[:0], ids[:0])
    assert empty[0].shape == (0,) and empty[1].shape == (0, 4)


@pytest.mark.parametrize("frozen", [False, True])
def test_predict_moves_does_not_depend_on_the_batch(frozen):
    """A wanted logit is the same number alone, in a small padded batch, in a large one, or split
    by ``max_batch`` (the evaluation cache and the self-play workers rely on it)."""
    _, planes, glob = encoded(n=24)
    inf = Inference(_configured("tiny"), device="cpu", max_batch=7)
    if frozen:
        assert inf.freeze()
    rows, ids = _wanted(planes, per_row=30, seed=1)
    whole = Inference(_configured("tiny"), device="cpu")
    if frozen:
        assert whole.freeze()
    ref_z, ref_v = whole.predict_moves(planes, glob, rows, ids)
    for lo, hi in ((0, 1), (3, 6), (5, 24)):
        keep = (rows >= lo) & (rows < hi)
        z, v = inf.predict_moves(planes[lo:hi], glob[lo:hi], rows[keep] - lo, ids[keep])
        assert np.array_equal(z, ref_z[keep]) and np.array_equal(v, ref_v[lo:hi])


def test_set_cpu_threads_sets_torch_threads_and_zero_leaves_them():
    import torch

    from engine.nn import set_cpu_threads

    before = torch.get_num_threads()
    try:
        set_cpu_threads(1)
        assert torch.get_num_threads() == 1
        set_cpu_threads(0)  # torch's own choice stays
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
