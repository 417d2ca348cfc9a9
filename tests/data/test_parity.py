"""The parity gate: clean records pass; tampered moves, decisions and outcomes fail with a reason and ply."""

from __future__ import annotations

import dataclasses
import time

import pytest

from engine.data import Outcome, check_parity, generate_games
from engine.game import Move, apply_in_place, legal_moves


@pytest.fixture(scope="module")
def rec(heuristic_games):
    return heuristic_games[1]


def test_clean_records_pass(heuristic_games, random_games):
    for r in heuristic_games:
        res = check_parity(r)
        assert res.ok and res.reason is None and res.first_bad_ply is None and bool(res)
    for recs in random_games.values():
        assert all(check_parity(r).ok for r in recs)


def _with_moves(rec, moves):
    return dataclasses.replace(rec, moves=tuple(moves))


def test_illegal_move(rec):
    d = rec.decisions[5]
    moves = list(rec.moves)
    moves[d.ply] = Move("place_ring", d.player, to=(99, 99), count=1)
    res = check_parity(_with_moves(rec, moves))
    assert not res.ok and res.first_bad_ply == d.ply
    assert res.reason.startswith(f"ply {d.ply}: illegal move") and "99" in res.reason


def test_legal_but_different_move(rec):
    # another legal move at a decision: the decision's chosen index no longer names it
    s = rec.config.initial_state()
    for ply, m in enumerate(rec.moves):
        legal = legal_moves(s)
        if len(legal) > 1:
            other = next(x for x in legal if x != m)
            moves = list(rec.moves)
            moves[ply] = other
            res = check_parity(_with_moves(rec, moves))
            assert not res.ok and res.first_bad_ply == ply and ".chosen" in res.reason
            return
        apply_in_place(s, m)


def test_wrong_player(rec):
    d = rec.decisions[3]
    moves = list(rec.moves)
    moves[d.ply] = rec.moves[d.ply]._replace(player=3 - d.player)
    res = check_parity(_with_moves(rec, moves))
    assert not res.ok and res.first_bad_ply == d.ply and "turn" in res.reason


@pytest.mark.parametrize("field,value,words", [
    ("winner", "flip", "winner: record"),
    ("ranking", (1, 1), "ranking: record [1, 1]"),
    ("victory_reason", "stalemate", "victory_reason: record 'stalemate'"),
])
def test_tampered_outcome(rec, field, value, words):
    o = rec.outcome
    if value == "flip":
        value = 3 - o.winner
    bad = dataclasses.replace(rec, outcome=dataclasses.replace(o, **{field: value}))
    res = check_parity(bad)
    assert not res.ok and res.first_bad_ply == len(rec.moves)
    assert res.reason.startswith("outcome differs") and words in res.reason


def test_truncated_and_extended(rec):
    res = check_parity(_with_moves(rec, rec.moves[:-5]))
    assert not res.ok  # decisions beyond the end, or the game not over
    cut = dataclasses.replace(rec, moves=rec.moves[:-5], decisions=tuple(d for d in rec.decisions
                                                                          if d.ply < len(rec.moves) - 5))
    res = check_parity(cut)
    assert not res.ok and "not over" in res.reason
    extra = _with_moves(rec, list(rec.moves) + [rec.moves[-1]])
    res = check_parity(extra)
    assert not res.ok and "already over" in res.reason and res.first_bad_ply == len(rec.moves)
    capped = dataclasses.replace(rec, outcome=Outcome(None, (1, 1), "move_cap", True))
    res = check_parity(capped)
    assert not res.ok and "capped" in res.reason


def _with_decision(rec, k, **kw):
    ds = list(rec.decisions)
    ds[k] = dataclasses.replace(ds[k], **kw)
    return dataclasses.replace(rec, decisions=tuple(ds))


@pytest.mark.parametrize("kw,words", [
    (dict(legal_count=1000), "legal is 1000"),
    (dict(player=2), "player is 2"),
    (dict(policy_index=(0, 0), policy=(0.5, 0.5)), "repeated or out of order"),
    (dict(policy_index=(500,), policy=(1.0,)), "out of range"),
    (dict(policy_index=(0, 1), policy=(0.2, 0.2)), "sums to 0.4"),
    (dict(policy_index=(0,), policy=(float("nan"),)), "not a finite non-negative"),
    (dict(values=(0.5,)), "1 entries for 2 seats"),
    (dict(values=(2.0, -1.0)), "not within [-1, 1]"),
])
def test_tampered_decision(rec, kw, words):
    k = 4
    d = rec.decisions[k]
    if "player" in kw:
        kw["player"] = 3 - d.player
        words = f"player is {kw['player']}"
    res = check_parity(_with_decision(rec, k, **kw))
    assert not res.ok and res.first_bad_ply == d.ply and words in res.reason, res


def test_decision_alignment(rec):
    # a decision entry moved onto a bookkeeping ply, and a missing decision entry
    bk = next(i for i, m in enumerate(rec.moves) if m.is_bookkeeping)
    k = max(i for i, d in enumerate(rec.decisions) if d.ply < bk)
    ds = list(rec.decisions)
    missing = dataclasses.replace(rec, decisions=tuple(ds[:k] + ds[k + 1:]))
    res = check_parity(missing)
    assert not res.ok and res.first_bad_ply == ds[k].ply and "is for ply" in res.reason
    shifted = ds[:k + 1] + [dataclasses.replace(ds[k + 1], ply=bk)] + ds[k + 2:]
    moved = dataclasses.replace(rec, decisions=tuple(shifted))
    res = check_parity(moved)
    assert not res.ok


def test_capped_record_passes():
    r = generate_games("square8", 2, ["random", "random"], 1, seed=3, max_moves=25)[0]
    assert r.outcome.capped and check_parity(r).ok
    wrong = dataclasses.replace(r, config=dataclasses.replace(r.config, max_moves=30))
    res = check_parity(wrong)
    assert not res.ok and "max_moves is 30" in res.reason


def test_hook_sees_every_decision(rec):
    seen = []
    check_parity(rec, lambda s, d, legal: seen.append((d.ply, s.move_count, len(legal))))
    assert [p for p, _, _ in seen] == [d.ply for d in rec.decisions]
    assert all(p == mc for p, mc, _ in seen)


def test_speed(heuristic_games):
    """Parity must be cheap next to encoding: well under 100 us per decision (measured ~25)."""
    n = sum(len(r.decisions) for r in heuristic_games)
    t = time.process_time()
    for r in heuristic_games:
        check_parity(r)
    per = (time.process_time() - t) / n
    assert per < 200e-6, per
