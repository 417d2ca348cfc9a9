"""`ringrift tournament`'s players: the ladder's anchor words and raw-policy players besides the old words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.config import load_config
from ringrift import _checks as checks
from ringrift.tournament import _check_players, _specs


def test_anchor_words_are_the_ladders_players():
    cfg = load_config()
    specs = _specs(SimpleNamespace(cfg=cfg), "square8_2p", ["heuristic_v2", "heuristic:heuristic_v1", "mcts", "random"])
    assert [(s.kind, s.profile) for s in specs[:2]] == [("heuristic", "heuristic_v2"), ("heuristic", "heuristic_v1")]
    assert specs[2].kind == "mcts" and specs[2].simulations == cfg.ladder.mcts_simulations
    assert specs[3].kind == "random"
    policy = _specs(SimpleNamespace(cfg=cfg), "square8_2p", ["policy:" + "ab" * 32])[0]
    assert policy.kind == "policy" and policy.model_id == "ab" * 32


@pytest.mark.parametrize("words, message", [
    ("heuristic_v9,random", "heuristic profile 'heuristic_v9' not found"),
    ("heuristic:,random", "not found"),
    ("mcts-0,random", "mcts-N needs N >= 1"),
    ("policy:../x,random", "invalid model id"),
])
def test_bad_players_are_one_usage_error(words, message):
    with pytest.raises(checks.UsageError, match=message):
        _check_players(load_config(), "square8_2p", words)
