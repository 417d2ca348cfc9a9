"""The Player interface: SearchStats, the seat convention, per-game reseeding."""

from __future__ import annotations

import dataclasses

import pytest

from engine.game import new_game
from engine.players import Player, RandomPlayer, SearchStats, seat_players


def test_seat_players_starts_with_the_player_to_act():
    assert seat_players(1, 2) == [1, 2]
    assert seat_players(2, 2) == [2, 1]
    assert seat_players(3, 4) == [3, 4, 1, 2]
    assert seat_players(4, 4) == [4, 1, 2, 3]


def test_search_stats_is_frozen():
    st = SearchStats(moves=(), policy=(), values=(0.0, 0.0), chosen=0, legal_count=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.chosen = 1  # type: ignore[misc]


def test_base_choose_is_abstract_and_spec_has_kind_and_seed():
    p = Player(seed=5)
    with pytest.raises(NotImplementedError):
        p.choose(new_game("square8", 2))
    assert p.spec() == {"kind": "player", "name": "player", "seed": 5}
    assert p.last_stats is None


def test_start_game_reseeds_from_player_seed_match_seed_and_seat():
    s = new_game("square8", 2)
    a, b = RandomPlayer(seed=1), RandomPlayer(seed=1)
    a.choose(s)  # advance a's rng: start_game must make the history irrelevant
    a.start_game(1, 9)
    b.start_game(1, 9)
    assert [a.choose(s) for _ in range(5)] == [b.choose(s) for _ in range(5)]
    b.start_game(2, 9)
    a.start_game(1, 9)
    assert [a.choose(s) for _ in range(8)] != [b.choose(s) for _ in range(8)]
