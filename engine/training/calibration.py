"""Calibration of the value head on held-out games: reliability table, ECE, a fitted scale, history.

    cal = ValueCalibrator.from_network(checkpoint_or_net_or_evaluator, chunk_paths(export_dir, "val"))
    rep = cal.report()                      # CalibrationReport: ece, mse, scale, bins...
    CalibrationTracker("runs/calibration.jsonl").record(generation=7, report=rep, model_id=...)

Data: the network's predicted value of each held-out sample against its value target (the game's
outcome seen from the player to act, ``values`` of the NPZ chunks), both in [-1, 1]. By default only
seat 0 (the player to act, the value a search backs up at the root) is used; ``seats="all"`` uses
every seat of the game. Weights: 1 per sample, or the dedup ``count`` (``weight_by_count=True``: a
sample merged from ``k`` identical positions counts ``k`` times, the distribution of positions in
the games).

* **Reliability table**: ``bins`` equal-width bins of the prediction over [-1, 1]; per bin the
  count, the (weighted) mean prediction and the mean observed outcome. A calibrated head has
  ``mean_observed ~ mean_predicted`` in every bin.
* **ECE** (expected calibration error): ``sum_b w_b / W * |mean_predicted_b - mean_observed_b|``,
  in value units (on the [-1, 1] scale; halve it for the win-probability scale ``(1 + v) / 2``).
  **MCE**: the largest bin gap.
* **Scale**: the ``a > 0`` minimising the error of ``tanh(a * atanh(v))`` against the outcomes,
  found by a log-spaced grid over [1/32, 32] then golden-section search (numpy only). Objective
  ``"mse"`` (the value loss of training) or ``"nll"`` (binary cross-entropy of the win probability
  ``(1 + v) / 2`` against the soft outcome ``(1 + z) / 2``; then ``a`` is exactly temperature
  scaling of the logit ``2 atanh(v)``). ``a ~ 1``: calibrated; ``a < 1``: overconfident (the head's
  values are too extreme; ``1 / a`` is the temperature that fixes them); ``a > 1``: underconfident.
  Both objectives are minimised by ``a = 1`` when the outcomes are drawn with mean ``v``.

``CalibrationTracker`` appends one JSON line per evaluation (generation, model, report) to a JSONL
file and reads the history back, one entry per (config, generation), for plots and analysis.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

EPS = 1e-6  # predictions are clipped to [-1 + EPS, 1 - EPS] before atanh
SCALE_BOUNDS = (1.0 / 32.0, 32.0)
OBJECTIVES = ("mse", "nll")


def scale_values(values: np.ndarray | Sequence[float], scale: float) -> np.ndarray:
    """``tanh(scale * atanh(v))`` (float64), ``v`` clipped into the open interval (-1, 1)."""
    v = np.clip(np.asarray(values, dtype=np.float64), -1.0 + EPS, 1.0 - EPS)
    return np.tanh(scale * np.arctanh(v))


def _weights(n: int, weights: np.ndarray | Sequence[float] | None) -> np.ndarray:
    if weights is None:
        return np.ones(n, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights have shape {w.shape}, expected ({n},)")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and >= 0")
    return w


def _objective(name: str) -> Callable[[np.ndarray, np.ndarray, np.ndarray], float]:
    if name == "mse":
        return lambda p, z, w: float(np.sum(w * (p - z) ** 2) / np.sum(w))
    if name == "nll":
        def nll(p: np.ndarray, z: np.ndarray, w: np.ndarray) -> float:
            q = np.clip((1.0 + p) / 2.0, 1e-12, 1.0 - 1e-12)
            y = np.clip((1.0 + z) / 2.0, 0.0, 1.0)
            return float(np.sum(w * -(y * np.log(q) + (1.0 - y) * np.log1p(-q))) / np.sum(w))
        return nll
    raise ValueError(f"unknown calibration objective {name!r} (known: {', '.join(OBJECTIVES)})")


def fit_value_scale(predicted: np.ndarray | Sequence[float], targets: np.ndarray | Sequence[float],
                    weights: np.ndarray | Sequence[float] | None = None, objective: str = "mse",
                    bounds: tuple[float, float] = SCALE_BOUNDS, tol: float = 1e-7) -> float:
    """The ``a`` in ``bounds`` minimising ``objective(tanh(a * atanh(predicted)), targets)``.

    A 65-point grid in ``log a`` brackets the best point, then golden-section search refines it
    (to ``tol`` in ``log a``); a minimum on the edge of ``bounds`` returns that edge."""
    x = np.clip(np.asarray(predicted, dtype=np.float64), -1.0 + EPS, 1.0 - EPS)
    z = np.asarray(targets, dtype=np.float64)
    if x.shape != z.shape or x.ndim != 1 or x.size == 0:
        raise ValueError(f"predicted {x.shape} and targets {z.shape} must be equal non-empty 1-D arrays")
    w = _weights(x.size, weights)
    if w.sum() <= 0:
        raise ValueError("the weights sum to zero")
    f = _objective(objective)
    u = np.arctanh(x)

    def loss(log_a: float) -> float:
        return f(np.tanh(math.exp(log_a) * u), z, w)

    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    grid = np.linspace(lo, hi, 65)
    vals = [loss(g) for g in grid]
    k = int(np.argmin(vals))
    a, b = grid[max(0, k - 1)], grid[min(len(grid) - 1, k + 1)]
    r = (math.sqrt(5.0) - 1.0) / 2.0
    c, d = b - r * (b - a), a + r * (b - a)
    fc, fd = loss(c), loss(d)
    while b - a > tol:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - r * (b - a)
            fc = loss(c)
        else:
            a, c, fc = c, d, fd
            d = a + r * (b - a)
            fd = loss(d)
    best = (a + b) / 2.0
    if vals[k] < loss(best):  # the grid point itself (an edge of the bounds, or a flat loss)
        best = grid[k]
    return float(math.exp(best))


@dataclass(frozen=True)
class ReliabilityBin:
    lo: float
    hi: float
    count: int
    weight: float
    mean_predicted: float | None  # None for an empty bin
    mean_observed: float | None

    @property
    def gap(self) -> float | None:
        if self.mean_predicted is None or self.mean_observed is None:
            return None
        return abs(self.mean_predicted - self.mean_observed)


def reliability_table(predicted: np.ndarray | Sequence[float], targets: np.ndarray | Sequence[float],
                      weights: np.ndarray | Sequence[float] | None = None, bins: int = 10) -> tuple[ReliabilityBin,
                                                                                                    ...]:
    """``bins`` equal-width bins of the prediction over [-1, 1] (1 falls in the last bin)."""
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    p = np.asarray(predicted, dtype=np.float64)
    z = np.asarray(targets, dtype=np.float64)
    w = _weights(p.size, weights)
    edges = np.linspace(-1.0, 1.0, bins + 1)
    idx = np.clip(np.floor((np.clip(p, -1.0, 1.0) + 1.0) / 2.0 * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(idx, minlength=bins)
    wsum = np.bincount(idx, weights=w, minlength=bins)
    psum = np.bincount(idx, weights=w * p, minlength=bins)
    zsum = np.bincount(idx, weights=w * z, minlength=bins)
    out = []
    for b in range(bins):
        has = wsum[b] > 0
        out.append(ReliabilityBin(lo=float(edges[b]), hi=float(edges[b + 1]), count=int(count[b]),
                                  weight=float(wsum[b]),
                                  mean_predicted=float(psum[b] / wsum[b]) if has else None,
                                  mean_observed=float(zsum[b] / wsum[b]) if has else None))
    return tuple(out)


def expected_calibration_error(table: Sequence[ReliabilityBin]) -> float:
    total = sum(b.weight for b in table)
    if total <= 0:
        return 0.0
    return float(sum(b.weight * b.gap for b in table if b.gap is not None) / total)


@dataclass(frozen=True)
class CalibrationReport:
    """What ``ValueCalibrator.report`` measured (``to_json`` for the history file)."""

    samples: int
    weight: float
    ece: float
    mce: float
    mse: float
    nll: float
    mean_predicted: float
    mean_observed: float
    objective: str
    scale: float  # fitted a of tanh(a * atanh(v)); < 1 = overconfident
    ece_scaled: float  # after applying the scale
    loss_scaled: float  # the objective after applying the scale (compare: mse / nll)
    bins: tuple[ReliabilityBin, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        d = asdict(self)
        d["bins"] = [asdict(b) for b in self.bins]
        return d

    @classmethod
    def from_json(cls, d: dict) -> CalibrationReport:
        d = dict(d)
        d["bins"] = tuple(ReliabilityBin(**b) for b in d.get("bins", ()))
        return cls(**d)

    def table(self) -> str:
        """The reliability table as text (one line per non-empty bin)."""
        rows = [f"{'bin':>15} {'count':>8} {'predicted':>10} {'observed':>10}"]
        for b in self.bins:
            if b.count:
                rows.append(f"[{b.lo:+.2f}, {b.hi:+.2f}) {b.count:8d} {b.mean_predicted:+10.4f} "
                            f"{b.mean_observed:+10.4f}")
        rows.append(f"ECE {self.ece:.4f}  MCE {self.mce:.4f}  MSE {self.mse:.4f}  scale {self.scale:.3f} "
                    f"({self.objective}; ECE after scaling {self.ece_scaled:.4f})")
        return "\n".join(rows)


class ValueCalibrator:
    """Predicted values and outcomes of held-out samples, and the calibration measures over them."""

    def __init__(self, predicted: np.ndarray | Sequence[float], targets: np.ndarray | Sequence[float],
                 weights: np.ndarray | Sequence[float] | None = None, *, bins: int = 10,
                 objective: str = "mse") -> None:
        p = np.asarray(predicted, dtype=np.float64).ravel()
        z = np.asarray(targets, dtype=np.float64).ravel()
        if p.shape != z.shape:
            raise ValueError(f"{p.size} predictions for {z.size} targets")
        if p.size and (not np.all(np.isfinite(p)) or not np.all(np.isfinite(z))):
            raise ValueError("predictions and targets must be finite")
        if bins < 1:
            raise ValueError(f"bins must be >= 1, got {bins}")
        _objective(objective)  # validates the name
        self.predicted = p
        self.targets = z
        self.weights = _weights(p.size, weights)
        self.bins = int(bins)
        self.objective = objective

    def __len__(self) -> int:
        return int(self.predicted.size)

    # -- from a network ---------------------------------------------------------------------------
    @classmethod
    def from_network(cls, model: Any, paths: Iterable[str | os.PathLike], *, seats: str = "first",
                     weight_by_count: bool = False, device: str | None = None, batch_size: int = 512,
                     bins: int = 10, objective: str = "mse") -> ValueCalibrator:
        """Predictions of ``model`` over the NPZ chunks ``paths`` (one forward pass per batch).

        ``model``: a ``RingRiftNet``, a ``Checkpoint`` or a checkpoint path, an ``Inference`` or a
        ``NetworkEvaluator``. ``device``: None = the module's own device (``"auto"`` for a path);
        a network passed in training mode is put back in training mode afterwards."""
        if seats not in ("first", "all"):
            raise ValueError(f"seats must be 'first' or 'all', got {seats!r}")
        from engine.data.samples import load_npz_chunk

        inf, restore = _inference(model, device, batch_size)
        preds, targets, weights = [], [], []
        try:
            key = inf.arch.config_key
            for path in paths:
                b = load_npz_chunk(path)
                if f"{b.board}_{b.num_players}p" != key:
                    raise ValueError(f"{path}: data for {b.board}_{b.num_players}p, the network is for {key}")
                if not len(b):
                    continue
                _, values = inf.predict(b.float_planes(), np.asarray(b.globals, dtype=np.float32))
                n = 1 if seats == "first" else b.num_players
                preds.append(values[:, :n].astype(np.float64).ravel())
                targets.append(np.asarray(b.values[:, :n], dtype=np.float64).ravel())
                w = b.count.astype(np.float64) if weight_by_count else np.ones(len(b))
                weights.append(np.repeat(w, n))
        finally:
            restore()
        if not preds:
            raise ValueError("no validation samples to calibrate on")
        return cls(np.concatenate(preds), np.concatenate(targets), np.concatenate(weights), bins=bins,
                   objective=objective)

    # -- measures ---------------------------------------------------------------------------------
    def reliability(self, bins: int | None = None) -> tuple[ReliabilityBin, ...]:
        return reliability_table(self.predicted, self.targets, self.weights, bins or self.bins)

    def ece(self, bins: int | None = None) -> float:
        return expected_calibration_error(self.reliability(bins))

    def fit_scale(self, objective: str | None = None) -> float:
        return fit_value_scale(self.predicted, self.targets, self.weights, objective or self.objective)

    def scaled(self, scale: float) -> ValueCalibrator:
        """The same samples with the predictions passed through ``tanh(scale * atanh(v))``."""
        return ValueCalibrator(scale_values(self.predicted, scale), self.targets, self.weights, bins=self.bins,
                               objective=self.objective)

    def report(self) -> CalibrationReport:
        if not len(self):
            raise ValueError("no samples")
        w = self.weights
        wt = float(w.sum())
        table = self.reliability()
        gaps = [b.gap for b in table if b.gap is not None]
        scale = self.fit_scale()
        after = self.scaled(scale)
        f = _objective(self.objective)
        return CalibrationReport(
            samples=len(self), weight=wt, ece=expected_calibration_error(table), mce=float(max(gaps, default=0.0)),
            mse=_objective("mse")(self.predicted, self.targets, w), nll=_objective("nll")(self.predicted,
                                                                                          self.targets, w),
            mean_predicted=float(np.sum(w * self.predicted) / wt), mean_observed=float(np.sum(w * self.targets) / wt),
            objective=self.objective, scale=scale, ece_scaled=after.ece(),
            loss_scaled=f(after.predicted, self.targets, w), bins=table)


def _inference(model: Any, device: str | None, batch_size: int):
    """An ``Inference`` for ``model`` and a function restoring the module's training mode."""
    import torch

    from engine.nn.checkpoint import Checkpoint, load_checkpoint
    from engine.nn.inference import Inference

    if hasattr(model, "inference") and hasattr(model.inference, "predict"):  # NetworkEvaluator
        model = model.inference
    if isinstance(model, Inference):
        return model, lambda: None
    if isinstance(model, (str, os.PathLike)):
        model = load_checkpoint(model)
    if isinstance(model, Checkpoint):
        model = model.net
    if not isinstance(model, torch.nn.Module) or not hasattr(model, "arch"):
        raise TypeError(f"cannot calibrate a {type(model).__name__}: pass a network, checkpoint, Inference or "
                        f"NetworkEvaluator")
    was_training = model.training
    if device is None:
        p = next(model.parameters(), None)
        device = p.device if p is not None else "cpu"
    inf = Inference(model, device=device, max_batch=batch_size)
    return inf, (lambda: model.train(was_training))


class CalibrationTracker:
    """Calibration results per generation in a JSONL file (one line per ``record``)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def record(self, generation: int, report: CalibrationReport | ValueCalibrator, *, model_id: str | None = None,
               config_key: str | None = None, **extra: Any) -> dict:
        """Append one entry (flushed and fsynced) and return it."""
        if isinstance(report, ValueCalibrator):
            report = report.report()
        entry = {"generation": int(generation), "model_id": model_id, "config_key": config_key,
                 "recorded_at": time.time(), **extra, "report": report.to_json()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, sort_keys=True)
        with self.path.open("a") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())
        return entry

    def entries(self) -> list[dict]:
        """Every entry in file order (a line cut short by a kill is skipped)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                d = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(d, dict) and "generation" in d and "report" in d:
                out.append(d)
        return out

    def history(self, config_key: str | None = None) -> list[dict]:
        """One entry per (config, generation), the last recorded, sorted by config then generation;
        ``config_key`` keeps one config."""
        last: dict = {}
        for d in self.entries():
            if config_key is not None and d.get("config_key") != config_key:
                continue
            last[(d.get("config_key") or "", d["generation"])] = d
        return [last[k] for k in sorted(last)]

    def series(self, metric: str = "ece", config_key: str | None = None) -> list[tuple[int, float]]:
        """``[(generation, report[metric]), ...]`` from ``history`` (e.g. ``"ece"``, ``"scale"``, ``"mse"``)."""
        return [(d["generation"], d["report"][metric]) for d in self.history(config_key)]
