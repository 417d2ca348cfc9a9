"""The self-play temperature schedule: formulas by ply and generation, config round trip, sampling."""

from __future__ import annotations

import dataclasses
import json
import random

import numpy as np
import pytest

from engine.players.base import SearchStats
from engine.training.temperature import (
    TemperatureConfig,
    TemperatureScheduler,
    apply_temperature,
    create_scheduler,
    sample_index,
)


def test_constant_and_step():
    c = create_scheduler("constant", initial=0.7)
    assert c.schedule(5) == [0.7] * 5 and c.temperature(500, 3) == 0.7
    s = create_scheduler("step", initial=1.0, final=0.25, plies=3)
    assert s.schedule(6) == [1.0, 1.0, 1.0, 0.25, 0.25, 0.25]
    assert create_scheduler("step", plies=0).temperature(0) == 0.0  # default final is 0 (argmax)


def test_linear_and_exponential_decay():
    lin = create_scheduler("linear", initial=1.0, final=0.2, plies=4)
    assert lin.schedule(6) == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0.2])
    assert create_scheduler("linear_decay", plies=4).kind == "linear"
    ex = create_scheduler("exponential", initial=1.0, final=0.1, half_life=10)
    assert ex.temperature(0) == pytest.approx(1.0)
    assert ex.temperature(10) == pytest.approx(0.1 + 0.9 / 2)
    assert ex.temperature(20) == pytest.approx(0.1 + 0.9 / 4)
    assert ex.temperature(10_000) == pytest.approx(0.1)
    t = ex.schedule(50)
    assert all(a > b for a, b in zip(t, t[1:]))  # strictly decreasing toward the floor
    assert create_scheduler("exp_decay").kind == "exponential"


def test_generation_factor_decays_with_a_floor():
    s = create_scheduler("step", initial=1.0, final=0.0, plies=10, generation_decay=0.5, min_generation_factor=0.2)
    assert [s.temperature(0, g) for g in range(5)] == pytest.approx([1.0, 0.5, 0.25, 0.2, 0.2])
    assert s.temperature(10, 0) == 0.0 and s.temperature(10, 3) == 0.0  # argmax stays argmax
    assert s.temperature(0, -3) == 1.0  # negative generations are clamped to 0
    flat = create_scheduler("linear", initial=1.0, final=0.5, plies=2)
    assert flat.schedule(4, generation=9) == flat.schedule(4, generation=0)  # default: no generation dependence


def test_config_validation_and_json_round_trip():
    for bad in (dict(kind="cosine"), dict(initial=-1.0), dict(plies=-1), dict(generation_decay=0.0),
                dict(generation_decay=1.5), dict(kind="exponential", half_life=0), dict(min_generation_factor=2.0)):
        with pytest.raises(ValueError):
            TemperatureConfig(**bad)
    with pytest.raises(ValueError, match="unknown temperature schedule keys"):
        create_scheduler("step", plys=3)
    s = create_scheduler("exponential", initial=1.5, final=0.1, half_life=7.5, generation_decay=0.9)
    text = json.dumps(s.to_json())
    back = TemperatureScheduler.from_json(text)
    assert back == s and back.schedule(30, 4) == s.schedule(30, 4)
    assert TemperatureScheduler.from_json(s.to_json()) == s
    # any dataclass with the same fields (e.g. the section of engine.config) is accepted
    Other = dataclasses.make_dataclass("Other", [(f.name, f.type, dataclasses.field(default=f.default))
                                                 for f in dataclasses.fields(TemperatureConfig)], frozen=True)
    assert TemperatureScheduler(Other(kind="constant", initial=0.3)).temperature(9) == 0.3
    assert TemperatureScheduler().config == TemperatureConfig()


def test_apply_temperature():
    p = np.array([0.1, 0.6, 0.3, 0.0])
    assert apply_temperature(p, 1.0) == pytest.approx(p)
    assert apply_temperature(p, 0.0).tolist() == [0, 1, 0, 0]
    assert apply_temperature([0.5, 0.5], 0.0).tolist() == [1, 0]  # ties: the first maximum
    sharp = apply_temperature(p, 0.5)
    assert sharp == pytest.approx(p ** 2 / (p ** 2).sum()) and sharp[3] == 0
    assert apply_temperature(p, 1e-4) == pytest.approx([0, 1, 0, 0])  # tiny T: no overflow, no NaN
    flat = apply_temperature(p, 1e6)
    assert flat[:3] == pytest.approx([1 / 3] * 3, abs=1e-4) and flat[3] == 0  # zeros stay zero
    for bad in ([], [-0.1, 1.1], [0.0, 0.0], [np.nan, 1.0]):
        with pytest.raises(ValueError):
            apply_temperature(bad, 1.0)
    with pytest.raises(ValueError):
        apply_temperature(p, -1.0)


def test_sample_index_follows_the_sharpened_distribution():
    p = [0.1, 0.6, 0.3, 0.0]
    rng = np.random.default_rng(0)
    n = 20_000
    counts = np.bincount([sample_index(p, 0.5, rng) for _ in range(n)], minlength=4) / n
    assert counts == pytest.approx(apply_temperature(p, 0.5), abs=0.015) and counts[3] == 0
    r = random.Random(1)  # random.Random works too
    assert {sample_index(p, 1.0, r) for _ in range(300)} == {0, 1, 2}
    assert sample_index(p, 0.0, None) == 1  # argmax needs no rng


def test_choose_on_search_stats():
    stats = SearchStats(moves=("a", "b", "c"), policy=(0.2, 0.3, 0.5), values=(0.1, -0.1), chosen=1, legal_count=3)
    s = create_scheduler("step", initial=1.0, final=0.0, plies=2)
    assert s.choose(stats, ply=2, rng=None) == 1  # T = 0: the search's own choice, not the argmax
    rng = random.Random(3)
    picks = {s.choose(stats, ply=0, rng=rng) for _ in range(200)}
    assert picks == {0, 1, 2}
    with pytest.raises(ValueError, match="needs an rng"):
        s.choose(stats, ply=0)
