"""Logistic Elo curve and Wilson intervals."""

from __future__ import annotations

import pytest

from engine.evaluation import elo_from_score, expected_score, wilson_interval


def test_expected_score_and_inverse():
    assert expected_score(0) == 0.5 and expected_score(400) == pytest.approx(10 / 11)
    assert expected_score(-400) == pytest.approx(1 / 11) and expected_score(-1e6) == 0.0
    for d in (-700, -35, 0, 12.5, 300):
        assert elo_from_score(expected_score(d)) == pytest.approx(d)
    assert elo_from_score(1.0) == pytest.approx(2400, abs=1)


def test_wilson_interval():
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(0.4901625, abs=1e-6) and hi == pytest.approx(0.9433178, abs=1e-6)
    assert wilson_interval(0, 10)[0] == 0 and wilson_interval(10, 10)[1] == 1
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo, hi = wilson_interval(5.5, 10)  # fractional: draws as halves
    assert lo < 0.55 < hi
