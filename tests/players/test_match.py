"""play_match / play_series: bookkeeping handling, records, seat rotation, every config."""

from __future__ import annotations

import pytest

from engine.game import GameConfig, replay
from engine.players import HeuristicPlayer, RandomPlayer, play_match, play_series

CONFIGS = [(b, n) for b in ("square8", "hex8", "square19", "hexagonal") for n in (2, 3, 4)]


def test_match_record_and_bookkeeping_without_stats():
    r = play_match("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], seed=5, check=True)
    assert r.winner in (1, 2, None) and r.victory_reason
    assert len(r.ranking) == 2 and r.seconds > 0
    bookkeeping = sum(1 for m in r.moves if m.is_bookkeeping)
    assert bookkeeping > 0 and r.decisions == len(r.moves) - bookkeeping
    assert len(r.stats) == len(r.deciders) == r.decisions
    decisions = [m for m in r.moves if not m.is_bookkeeping]
    for st, m, seat in zip(r.stats, decisions, r.deciders):
        assert st is not None and st.move == m and m.player == seat
    final = replay(GameConfig("square8", 2), list(r.moves))[-1]
    assert final.winner == r.winner and final.victory_reason == r.victory_reason
    assert r.players[0]["kind"] == "heuristic" and r.players[1]["kind"] == "random"


def test_match_deterministic_per_seed():
    def go(seed):
        return play_match("hex8", 2, [HeuristicPlayer(seed=1), HeuristicPlayer(seed=2)], seed=seed).moves
    assert go(3) == go(3)


def test_move_cap_is_a_safety_net():
    r = play_match("square8", 2, [RandomPlayer(1), RandomPlayer(2)], seed=0, max_moves=10)
    assert r.capped and r.winner is None and len(r.moves) == 10


def test_wrong_number_of_players():
    with pytest.raises(ValueError):
        play_match("square8", 3, [RandomPlayer(1), RandomPlayer(2)])


def test_series_rotates_seats():
    s = play_series("square8", 2, [HeuristicPlayer(seed=1), RandomPlayer(seed=2)], 4, seed=0)
    assert s.games == 4 and sum(s.wins) + s.draws == 4
    assert s.colour_games == ((2, 2), (2, 2))
    assert [r.players[0]["kind"] for r in s.results] == ["heuristic", "random"] * 2
    assert sum(s.colour_wins[0]) == s.wins[0]
    assert s.moves == sum(len(r.moves) for r in s.results)
    assert set(s.wins_by_name()) == {"0:heuristic", "1:random"}
    s3 = play_series("hex8", 3, [RandomPlayer(1), RandomPlayer(2), RandomPlayer(3)], 3, seed=0, keep_results=False)
    assert s3.colour_games == ((1, 1, 1),) * 3 and s3.results == ()


@pytest.mark.parametrize("board,players", CONFIGS)
def test_heuristic_vs_random_every_config(board, players):
    seats = [HeuristicPlayer(seed=1)] + [RandomPlayer(seed=10 + i) for i in range(players - 1)]
    r = play_match(board, players, seats, seed=0, max_moves=20_000, check=board in ("square8", "hex8"))
    assert not r.capped and r.victory_reason in ("ring_elimination", "territory_control",
                                                 "last_player_standing", "stalemate")
    assert r.decisions > 0 and all(st is not None for st in r.stats)
