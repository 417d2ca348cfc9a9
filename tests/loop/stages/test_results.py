"""The stage results: the selfplay stage's totals, the generation's summary, and a pickle round trip
(Prefect persists a flow's or task's return value with pickle)."""

from __future__ import annotations

import pickle

from engine.loop import (
    ExportStageResult,
    GenerationResult,
    SelfplayResult,
    SelfplayStageResult,
    StageSkipped,
    TrainStageResult,
)


def _batch(i: int, games: int, inserted: int) -> SelfplayResult:
    return SelfplayResult("square8_2p", f"b{i}", f"s{i}", f"m{i}", games, 10 * games, "heuristic", None, inserted, 0)


def test_selfplay_stage_totals_and_threshold():
    r = SelfplayStageResult.of("square8_2p", 4, [_batch(0, 4, 4), _batch(1, 3, 0)], games_since_training=7,
                               threshold=8)
    assert (r.games, r.inserted, r.threshold_reached, len(r.batches)) == (7, 4, False, 2)
    assert SelfplayStageResult.of("square8_2p", 4, [], 8, 8).threshold_reached


def test_results_survive_a_pickle_round_trip_and_summarise():
    ex = ExportStageResult("square8_2p", False, None, {"train": 0}, 3, [{"name": "min_games", "ok": False,
                                                                            "reason": "3 < 4"}], "3 < 4")
    gen = GenerationResult("square8_2p", (_batch(0, 3, 3),), ex, None, None, None, stopped="export refused: 3 < 4")
    tr = TrainStageResult("square8_2p", "r", "m", "mm", "scratch", 5, "epochs", 0.5, (0.7, 0.5), dataset_id="d")
    for obj in (gen, tr, StageSkipped("square8_2p", "train", "below the threshold")):
        assert pickle.loads(pickle.dumps(obj)) == obj
    assert gen.summary == "square8_2p: 3 games; export refused: 3 < 4"
