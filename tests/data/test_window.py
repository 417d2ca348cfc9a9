"""The sublinear training window and the reuse caps: pure functions."""

from __future__ import annotations

import math

import pytest

from engine.data import data_window, reuse_budget, select_window, training_budget


def test_all_data_below_min_window():
    for n in (0, 1, 999, 250_000):
        assert data_window(n) == n
    assert data_window(5, min_window=10) == 5


def test_formula_values():
    c, a, b = 250_000, 0.75, 0.4
    for n in (300_000, 1_000_000, 10_000_000, 100_000_000):
        assert data_window(n) == int(c * (1 + b * ((n / c) ** a - 1) / a))
    # hand-checked: N = 4c -> c * (1 + 0.4 * (4**0.75 - 1) / 0.75) = c * 1.97516 = 493,790
    assert data_window(1_000_000) == 493_790
    assert data_window(1_000, min_window=100, alpha=1.0, beta=0.5) == 550  # linear: c + beta (N - c)


def test_shape():
    ws = [data_window(n, min_window=1000) for n in range(0, 200_000, 997)]
    assert all(x <= y for x, y in zip(ws, ws[1:]))  # non-decreasing
    assert all(w <= n for w, n in zip(ws, range(0, 200_000, 997)))  # never more than there is
    # continuous at c, slope beta just above it
    assert data_window(1001, min_window=1000) in (1000, 1001)
    assert data_window(2000, min_window=1000) < 2000
    # sublinear: the share of all data in the window keeps falling
    shares = [data_window(n) / n for n in (10**6, 10**7, 10**8)]
    assert shares[0] > shares[1] > shares[2]
    assert data_window(10**9, max_window=2_000_000) == 2_000_000


@pytest.mark.parametrize("kw", [dict(alpha=0), dict(alpha=1.5), dict(beta=0), dict(min_window=0)])
def test_bad_parameters(kw):
    with pytest.raises(ValueError):
        data_window(10, **kw)
    with pytest.raises(ValueError):
        data_window(-1)


def test_budgets():
    assert training_budget(1000, 4) == 4000
    assert training_budget(1000, 0.5) == 500
    assert training_budget(-5, 2) == 0
    assert reuse_budget(300, 2.5) == 750
    with pytest.raises(ValueError):
        training_budget(10, 0)
    with pytest.raises(ValueError):
        reuse_budget(10, -1)


def test_select_window():
    shards = [("s5", 100), ("s4", 100), ("s3", 100), ("s2", 100)]  # newest first
    assert select_window(shards, 250) == ["s3", "s4", "s5"]  # oldest first, last one overshoots
    assert select_window(shards, 200) == ["s4", "s5"]
    assert select_window(shards, 0) == []
    assert select_window(shards, 10**6) == ["s2", "s3", "s4", "s5"]
    assert math.isclose(data_window(10**6) / 10**6, 0.49379)
