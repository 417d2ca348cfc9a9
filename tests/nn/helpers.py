"""Shared builders for the network tests: tiny networks and encoded batches of real positions."""

from __future__ import annotations

import numpy as np

from engine.nn import encode_state
from engine.nn.network import NetworkArch, build_network
from tests.players.helpers import decision_positions


def tiny_arch(board="square8", players=2, channels=8, blocks=1):
    return NetworkArch.for_config(board, players, channels=channels, blocks=blocks, se_ratio=2,
                                  policy_channels=8, value_hidden=16)


def tiny_net(board="square8", players=2, seed=0, **kw):
    return build_network(tiny_arch(board, players, **kw), seed=seed)


def encoded(board="square8", players=2, n=6, seed=0):
    states = decision_positions(board, players, n, seed)
    enc = [encode_state(s) for s in states]
    return states, np.stack([e[0] for e in enc]), np.stack([e[1] for e in enc])
