"""The selfplay allocation rule (flows.allocation): pure, no Prefect."""

from __future__ import annotations

import pytest

from engine.loop import ConfigStatus
from flows.allocation import allocate_selfplay, format_allocation


def st(ck, since, champion=None, last=None):
    return ConfigStatus(ck, champion, None, None, since, since, None, last)


def test_without_a_budget_each_config_gets_its_deficit_in_whole_batches():
    a = allocate_selfplay([st("square8_2p", 0), st("hex8_2p", 50), st("square8_3p", 70)], threshold=64, batch_games=16)
    assert [(x.config_key, x.batches, x.games, x.deficit) for x in a] == [
        ("square8_2p", 4, 64, 64), ("hex8_2p", 1, 16, 14), ("square8_3p", 1, 16, 0)]  # at least one batch each


def test_a_budget_goes_by_freshness_times_progress():
    statuses = [st("square8_2p", 0, champion="m1", last="promote"),  # improving: x1.5
                st("hex8_2p", 0),  # no champion: x2
                st("square8_3p", 0, champion="m2", last="reject"),  # steady: x1
                st("square8_4p", 64, champion="m3", last="reject")]  # fresh enough: weight 0
    a = {x.config_key: x for x in allocate_selfplay(statuses, threshold=64, batch_games=16, budget_games=16 * 20)}
    assert sum(x.batches for x in a.values()) == 20
    assert a["square8_4p"].batches == 1 and a["square8_4p"].weight == 0
    assert a["hex8_2p"].batches > a["square8_2p"].batches > a["square8_3p"].batches >= 1
    assert a["hex8_2p"].weight == pytest.approx(128) and a["square8_2p"].weight == pytest.approx(96)
    assert "no champion yet" in a["hex8_2p"].reason
    assert "square8_4p" in format_allocation(a.values())


def test_a_small_budget_still_gives_every_config_a_batch_and_zero_weights_share_evenly():
    a = allocate_selfplay([st("a_2p", 64), st("b_2p", 64)], threshold=64, batch_games=10, budget_games=45)
    assert [x.batches for x in a] == [3, 2]  # 5 batches; remainder to the first
    with pytest.raises(ValueError):
        allocate_selfplay([st("a_2p", 0)], threshold=64, batch_games=0)
