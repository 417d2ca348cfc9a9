"""generate_games: seat rotation, rules options recorded, reproducible batches."""

from __future__ import annotations

from engine.data import check_parity, generate_games
from engine.players import HeuristicPlayer, RandomPlayer


def test_seat_rotation_and_specs():
    h, r = HeuristicPlayer(seed=1, name="h"), RandomPlayer(seed=2, name="r")
    recs = generate_games("square8", 2, [h, r], 4, seed=0, max_moves=40)
    assert [[p["name"] for p in rec.players] for rec in recs] == [["h", "r"], ["r", "h"], ["h", "r"], ["r", "h"]]
    assert [rec.seed for rec in recs] == [0, 1, 2, 3]
    assert all(check_parity(rec).ok for rec in recs)


def test_three_players_rotate():
    recs = generate_games("hex8", 3, ["random"] * 3, 3, seed=5, max_moves=30)
    names = [[p["name"] for p in rec.players] for rec in recs]
    assert names[1] == names[0][1:] + names[0][:1] and names[2] == names[0][2:] + names[0][:2]


def test_rules_options_recorded_and_replayed():
    recs = generate_games("square8", 2, ["random", "random"], 3, seed=2, swap_rule=True, early_lps=True, check=True)
    for rec in recs:
        assert rec.config.swap_rule and rec.config.early_lps
        assert check_parity(rec).ok


def test_rerun_is_identical():
    a = generate_games("square8", 2, ["heuristic", "random"], 2, seed=8)
    b = generate_games("square8", 2, ["heuristic", "random"], 2, seed=8)
    assert [x.to_json() | {"timings": None} for x in a] == [x.to_json() | {"timings": None} for x in b]


def test_workers_give_the_same_records():
    one = generate_games("square8", 2, ["heuristic", "random"], 5, seed=4, max_moves=80, namespace="w")
    two = generate_games("square8", 2, ["heuristic", "random"], 5, seed=4, max_moves=80, namespace="w", workers=2)
    assert [x.to_json() | {"timings": None} for x in one] == [x.to_json() | {"timings": None} for x in two]
    assert [x.game_id for x in one] == [x.game_id for x in two]
    assert generate_games("square8", 2, ["random", "random"], 0, workers=2) == []
