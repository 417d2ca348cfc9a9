"""The network: shapes for every config, value range, seeded init, arch hash, and that it learns."""

from __future__ import annotations

import pytest
import torch

from engine.nn import CONFIGS, config_shapes
from engine.nn.network import NetworkArch, build_network, parameter_count
from tests.nn.helpers import encoded, tiny_arch, tiny_net


@pytest.mark.parametrize("board,players", CONFIGS)
def test_forward_shapes_every_config(board, players):
    net = tiny_net(board, players).eval()
    _, planes, glob = encoded(board, players, n=3)
    with torch.no_grad():
        logits, values = net(torch.from_numpy(planes), torch.from_numpy(glob))
    sh = config_shapes(board, players)
    assert logits.shape == (planes.shape[0], sh["policy_size"])
    assert values.shape == (planes.shape[0], 4)
    assert torch.isfinite(logits).all() and (values.abs() <= 1).all()


def test_arch_from_config_size_and_dict_round_trip():
    from engine.config import load_config

    size = load_config(env={}).network.size_of("standard")
    a = NetworkArch.from_size("hex8", 3, size)
    assert (a.channels, a.blocks) == (size.channels, size.blocks)
    assert a.config_key == "hex8_3p" and a.policy_size == config_shapes("hex8", 3)["policy_size"]
    assert NetworkArch.from_dict(a.to_dict()) == a
    with pytest.raises(ValueError, match="unknown architecture keys"):
        NetworkArch.from_dict({**a.to_dict(), "colour": "red"})


def test_arch_hash_changes_with_any_field():
    a = tiny_arch()
    assert a.arch_hash() == tiny_arch().arch_hash()
    assert a.arch_hash() != tiny_arch(channels=16).arch_hash()
    assert a.arch_hash() != tiny_arch("square8", 3).arch_hash()


def test_seeded_init_is_reproducible_and_does_not_touch_global_rng():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = tiny_net(seed=5)
    assert torch.rand(1) == before  # build_network(seed=...) forks the RNG
    b = tiny_net(seed=5)
    c = tiny_net(seed=6)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa)


def test_se_can_be_disabled():
    import dataclasses

    small = build_network(dataclasses.replace(tiny_arch(), se_ratio=0))
    assert all(b.se is None for b in small.blocks)
    assert parameter_count(small) < parameter_count(tiny_net())


def test_it_learns_a_fixed_batch():
    """Policy cross-entropy on the legal moves and value MSE both fall when overfitting 6 positions."""
    from engine.nn import legal_indices

    torch.manual_seed(0)
    states, planes, glob = encoded("square8", 2, n=6, seed=1)
    net = tiny_net(channels=16)
    x, g = torch.from_numpy(planes), torch.from_numpy(glob)
    mask = torch.full((len(states), net.arch.policy_size), float("-inf"))
    target = torch.zeros(len(states), dtype=torch.long)
    for i, s in enumerate(states):
        ids = legal_indices(s)
        mask[i, ids] = 0.0
        target[i] = ids[len(ids) // 2]
    vt = torch.tensor([[1.0, -1.0, 0, 0], [-1.0, 1.0, 0, 0]] * 3)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def loss():
        logits, values = net(x, g)
        return (torch.nn.functional.cross_entropy(logits + mask, target)
                + ((values[:, :2] - vt[:, :2]) ** 2).mean())

    first = loss().item()
    for _ in range(60):
        opt.zero_grad()
        ls = loss()
        ls.backward()
        opt.step()
    assert loss().item() < 0.3 * first


def test_features_are_the_forward_without_the_last_policy_convolution():
    net = tiny_net(seed=3).eval()
    _, planes, glob = encoded(n=3)
    x, g = torch.from_numpy(planes), torch.from_numpy(glob)
    with torch.no_grad():
        logits, values = net(x, g)
        feats, values2 = net.features(x, g)
        assert feats.shape == (3, net.arch.policy_channels, net.arch.height, net.arch.width)
        assert torch.equal(values, values2)
        assert torch.equal(logits, net.policy_out(feats).flatten(1))


def test_full_board_features_skip_the_mask_with_the_same_numbers():
    """On a square board (every grid cell valid) the mask-free pass is bit for bit the masked one."""
    net = tiny_net(seed=5).eval()
    _, planes, glob = encoded(n=4)
    x, g = torch.from_numpy(planes), torch.from_numpy(glob)
    with torch.no_grad():
        for a, b in zip(net.features(x, g), net.features(x, g, full_board=True), strict=True):
            assert torch.equal(a, b)
