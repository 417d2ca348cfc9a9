"""Small statistics shared by the evaluation modules: the logistic Elo curve and Wilson intervals."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # two-sided 95% normal quantile
ELO_SCALE = 400.0 / math.log(10.0)  # Elo per natural logit unit (~173.7)


def expected_score(elo_diff: float) -> float:
    """Expected score of a player ``elo_diff`` Elo above its opponent: ``1 / (1 + 10^(-d/400))``."""
    x = elo_diff / ELO_SCALE
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def elo_from_score(score: float, clip: float = 1e-6) -> float:
    """Inverse of ``expected_score`` (the score clipped into [clip, 1 - clip])."""
    s = min(max(float(score), clip), 1.0 - clip)
    return ELO_SCALE * math.log(s / (1.0 - s))


def wilson_interval(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion (``successes`` may be fractional: draws as halves).
    ``(0, 1)`` when ``n == 0``."""
    if n <= 0:
        return (0.0, 1.0)
    p = min(max(successes / n, 0.0), 1.0)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = 0.0 if p == 0.0 else max(0.0, centre - half)
    hi = 1.0 if p == 1.0 else min(1.0, centre + half)
    return (lo, hi)
