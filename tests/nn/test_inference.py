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
