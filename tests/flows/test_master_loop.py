"""The master loop's summary: one row per config built from its ``GenerationResult`` (the same in
every mode), and the terminal text of a run's result. The generation itself: test_pipeline_e2e.py."""

from __future__ import annotations

from engine.loop import (
    ExportStageResult,
    GauntletStageResult,
    GenerationResult,
    PromotionStageResult,
    SelfplayResult,
    TrainStageResult,
)
from flows.master_loop import summary_row, summary_text


def _gen(**kw) -> GenerationResult:
    sp = tuple(SelfplayResult("square8_2p", f"b{i}", f"s{i}", f"m{i}", 4, 40, "heuristic", None, 4, 0) for i in (0, 1))
    return GenerationResult("square8_2p", sp, kw.get("export"), kw.get("training"), kw.get("gauntlet"),
                            kw.get("promotion"), stopped=kw.get("stopped", ""))


def test_a_whole_generation_as_a_row_and_text():
    ex = ExportStageResult("square8_2p", True, "d" * 64, {"train": 300, "val": 60}, 8, [])
    tr = TrainStageResult("square8_2p", "run", "c" * 64, "mm", "scratch", 12, "epochs", 0.4, dataset_id="d" * 64)
    ga = GauntletStageResult("square8_2p", "c" * 64, "g", [], "", 6, 6)
    pr = PromotionStageResult("square8_2p", "c" * 64, None, "p", "accept", True, {}, 5, 0, 1, 6, "SPRT accepted H1")
    row = summary_row(_gen(export=ex, training=tr, gauntlet=ga, promotion=pr))
    assert row == {"config_key": "square8_2p", "selfplay_games": 8, "dataset_id": "d" * 64,
                   "samples": {"train": 300, "val": 60}, "model_id": "c" * 64, "train_steps": 12,
                   "gauntlet_games": 6, "promotion": "accept", "promoted": True, "reason": "SPRT accepted H1"}
    text = summary_text({"profile": "minimal", "mode": "legacy", "stages": ["selfplay", "train"], "configs": [row]})
    assert "square8_2p: 8 games; dataset dddddddddddd (300 train samples); candidate cccccccccccc; " \
           "promotion: accept (SPRT accepted H1)" in text


def test_a_stopped_or_failed_generation_says_why():
    refused = ExportStageResult("square8_2p", False, None, {"train": 0}, 2, [], "min_games: 2 < 4")
    row = summary_row(_gen(export=refused, stopped="export refused by the data-quality gates: min_games: 2 < 4"),
                      {"failed": "RuntimeError: boom"})
    assert "dataset_id" not in row and row["skipped"].startswith("export refused") and row["failed"].endswith("boom")
    text = summary_text({"profile": "minimal", "mode": "inprocess", "stages": ["export"], "configs": [row]})
    assert "stopped: export refused" in text and "FAILED: RuntimeError: boom" in text
