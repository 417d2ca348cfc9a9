"""engine.db.rows: the API's dataclasses and content ids."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from engine.db import GameRow, MatchRow, MatchSeat, canonical_json, config_key_for, model_id_for, player_spec_id
from tests.db.helpers import game


def test_config_key():
    assert config_key_for("square8", 2) == "square8_2p"
    assert game("g", board="hexagonal", players=4).config_key == "hexagonal_4p"
    assert game("g", config_key="square8_2p_swap").config_key == "square8_2p_swap"


def test_rows_are_frozen():
    g = game("g")
    with pytest.raises(dataclasses.FrozenInstanceError):
        g.game_id = "h"  # type: ignore[misc]
    assert isinstance(g.players, tuple) and isinstance(g.ranking, tuple)
    assert GameRow(**{**dataclasses.asdict(g), "players": [{"kind": "x"}] * 2}).players == ({"kind": "x"},) * 2


def test_match_seats_sorted():
    m = MatchRow("m", "square8_2p", "gauntlet", (MatchSeat(2, "b", 2, 0.0), MatchSeat(1, "a", 1, 1.0)))
    assert [s.seat for s in m.seats] == [1, 2]


def test_model_id_matches_the_checkpoint_formula():
    w, a, e = "aa" * 32, "archhash", "enc-v1"
    assert model_id_for(w, a, e) == hashlib.sha256(f"{w}:{a}:{e}".encode()).hexdigest()
    try:
        from engine.nn.checkpoint import ModelIdentity
    except Exception:  # noqa: BLE001 - torch missing: the formula above is the contract
        return
    assert model_id_for(w, a, e) == ModelIdentity(w, a, e).model_id


def test_player_spec_id_is_canonical():
    assert player_spec_id({"a": 1, "b": [1, 2]}) == player_spec_id({"b": [1, 2], "a": 1})
    assert player_spec_id({"a": 1}) == hashlib.sha256(canonical_json({"a": 1}).encode()).hexdigest()
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'
    with pytest.raises(TypeError):
        player_spec_id(["not", "a", "mapping"])  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        player_spec_id({"x": float("nan")})
