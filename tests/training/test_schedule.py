"""Warmup then cosine."""

from __future__ import annotations

import pytest

from engine.training import lr_at


def test_warmup_then_cosine_to_zero():
    assert lr_at(0, 1.0, 4, 20) == pytest.approx(0.25)
    assert lr_at(3, 1.0, 4, 20) == pytest.approx(1.0)
    assert lr_at(4, 1.0, 4, 20) == pytest.approx(1.0)
    assert lr_at(12, 1.0, 4, 20) == pytest.approx(0.5)
    assert lr_at(20, 1.0, 4, 20) == pytest.approx(0.0, abs=1e-12)
    xs = [lr_at(s, 1.0, 4, 20) for s in range(4, 21)]
    assert all(a >= b for a, b in zip(xs, xs[1:]))
    assert lr_at(0, 2.0, 0, 10) == pytest.approx(2.0)
