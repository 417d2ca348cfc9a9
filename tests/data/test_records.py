"""Game records: built from real matches of every config, JSON round trip, deterministic ids, field errors."""

from __future__ import annotations

import dataclasses
import json

import pytest

from engine.data import (
    RECORD_SCHEMA_VERSION,
    GameRecord,
    RecordConfig,
    RecordError,
    check_parity,
    game_id_for,
    generate_games,
    model_identity,
    outcome_values,
    record_from_match,
)
from engine.game import BOOKKEEPING_TYPES, apply_in_place
from engine.nn import ENCODER_VERSION
from engine.players import GumbelPlayer, HeuristicEvaluator, RandomPlayer, play_match, terminal_values

# board, players, games, move cap (square19 / hexagonal random games run to ~600-1000+ moves: capped)
CONFIGS = [(b, n, 2, None) for b in ("square8", "hex8") for n in (2, 3, 4)] + \
          [(b, n, 1, 90) for b in ("square19", "hexagonal") for n in (2, 3, 4)]


def _wire(rec: GameRecord) -> GameRecord:
    return GameRecord.from_line(json.dumps(json.loads(rec.to_line())))


@pytest.mark.parametrize("board,n,games,cap", CONFIGS)
def test_round_trip_every_config(board, n, games, cap):
    recs = generate_games(board, n, ["random"] * n, games, seed=7, max_moves=cap)
    for rec in recs:
        assert rec.config == RecordConfig(board, n, max_moves=cap)
        back = _wire(rec)
        assert back == rec
        assert back.to_json() == rec.to_json()
        assert rec.schema == RECORD_SCHEMA_VERSION and rec.encoder_version == ENCODER_VERSION
        assert rec.engine_version.startswith("ringrift-forge")
        assert len(rec.players) == n and all(p["kind"] == "random" for p in rec.players)
        # decisions sit on the non-bookkeeping moves, and bookkeeping moves are recorded too
        plies = [d.ply for d in rec.decisions]
        assert plies == [i for i, m in enumerate(rec.moves) if m.type not in BOOKKEEPING_TYPES]
        if cap is None:
            assert not rec.outcome.capped and any(m.type in BOOKKEEPING_TYPES for m in rec.moves)
        else:
            assert rec.outcome.capped and len(rec.moves) == cap and rec.outcome.victory_reason == "move_cap"
        assert check_parity(back).ok


def test_heuristic_record_policy_over_legal_order(heuristic_games):
    rec = heuristic_games[0]
    s = rec.config.initial_state()
    from engine.game import legal_moves
    k = 0
    for ply, m in enumerate(rec.moves):
        if k < len(rec.decisions) and rec.decisions[k].ply == ply:
            d = rec.decisions[k]
            legal = legal_moves(s)
            assert d.legal_count == len(legal) and legal[d.chosen] == m and d.player == s.current_player
            assert list(d.policy_index) == sorted(set(d.policy_index))
            assert abs(sum(d.policy) - 1) < 1e-4 and len(d.values) == 2
            if legal[0].type == "place_ring" and len(legal) > 8:
                assert len(d.policy_index) < len(legal)  # pruned placements: sparse over the legal moves
            k += 1
        apply_in_place(s, m)
    assert k == len(rec.decisions)


def test_gumbel_record(tmp_path):
    ev = HeuristicEvaluator()
    pl = [GumbelPlayer(ev, simulations=8, max_considered=4, seed=1), GumbelPlayer(ev, simulations=8, seed=2)]
    r = play_match("square8", 2, pl, seed=3, max_moves=30)
    rec = record_from_match(r, max_moves=30)
    assert rec.outcome.capped and len(rec.decisions) == r.decisions
    assert all(len(d.policy_index) == d.legal_count for d in rec.decisions)  # full improved policy
    assert model_identity(rec.players[0]) == "gumbel[heuristic:heuristic-v1]"
    assert _wire(rec) == rec and check_parity(rec).ok


def test_record_without_stats():
    pl = [RandomPlayer(1, record_stats=False), RandomPlayer(2)]
    r = play_match("square8", 2, pl, seed=5)
    rec = record_from_match(r)
    by_player = {d.player: d for d in rec.decisions}
    assert by_player[1].policy_index is None and by_player[1].values is None
    assert by_player[2].policy_index is not None
    assert _wire(rec) == rec and check_parity(rec).ok


def test_game_ids_deterministic():
    a = generate_games("square8", 2, ["random", "random"], 3, seed=4)
    b = generate_games("square8", 2, ["random", "random"], 3, seed=4)
    assert [r.game_id for r in a] == [r.game_id for r in b]
    assert [r.to_json()["moves"] for r in a] == [r.to_json()["moves"] for r in b]
    assert len({r.game_id for r in a}) == 3
    c = generate_games("square8", 2, ["random", "random"], 3, seed=4, namespace="batch-2")
    assert not {r.game_id for r in a} & {r.game_id for r in c}
    cfg = RecordConfig("square8", 2)
    assert game_id_for(cfg, 1, [{"kind": "x"}]) == game_id_for(cfg, 1, [{"kind": "x"}])
    assert game_id_for(cfg, 1, [{"kind": "x"}]) != game_id_for(cfg, 2, [{"kind": "x"}])
    r = play_match("square8", 2, [RandomPlayer(1), RandomPlayer(2)], seed=0, max_moves=10)
    assert record_from_match(r, game_id="my-uuid", max_moves=10).game_id == "my-uuid"


def test_outcome_values_match_terminal_values(random_games):
    for (_board, n), recs in random_games.items():
        for rec in recs:
            s = rec.config.initial_state()
            for m in rec.moves:
                apply_in_place(s, m)
            assert s.is_over
            seat = terminal_values(s)  # seat 0 = s.current_player
            absolute = outcome_values(rec.outcome, n)
            for k, v in enumerate(seat):
                assert absolute[(s.current_player - 1 + k) % n] == pytest.approx(v)


def test_capped_outcome_values_are_zero():
    rec = generate_games("square8", 3, ["random"] * 3, 1, seed=1, max_moves=20)[0]
    assert rec.outcome.capped and outcome_values(rec.outcome, 3) == (0.0, 0.0, 0.0)


def test_model_identity():
    assert model_identity({"kind": "heuristic", "profile": "heuristic-v1"}) == "heuristic:heuristic-v1"
    assert model_identity({"kind": "random", "version": "random-v1"}) == "random:random-v1"
    assert model_identity({"kind": "gumbel", "model": "net-abc"}) == "net-abc"
    assert model_identity({"kind": "gumbel", "evaluator": {"kind": "network", "model": {"id": "m7"}}}) == "m7"
    assert model_identity({"kind": "mcts", "evaluator": "Foo"}) == "mcts[Foo]"


# -- malformed records: the error names the field ---------------------------------------------------

@pytest.fixture(scope="module")
def good():
    return generate_games("square8", 2, ["random", "random"], 1, seed=9)[0].to_json()


def _broken(good, mutate):
    obj = json.loads(json.dumps(good))
    mutate(obj)
    return obj


@pytest.mark.parametrize("mutate,field,words", [
    (lambda o: o.pop("game_id"), "game_id", "missing"),
    (lambda o: o.update(schema=99), "schema", "unsupported schema version 99"),
    (lambda o: o["config"].update(board="square9"), "config.board", "unknown board"),
    (lambda o: o["config"].update(num_players=5), "config.num_players", "expected 2, 3 or 4"),
    (lambda o: o.update(seed="7"), "seed", "expected an integer"),
    (lambda o: o.update(players=[{"kind": "random"}]), "players", "1 player specs for a 2-player game"),
    (lambda o: o["moves"][3].update(type="teleport"), "moves[3]", "unknown move type 'teleport'"),
    (lambda o: o["moves"].__setitem__(2, 17), "moves[2]", "expected an object"),
    (lambda o: o["decisions"][2].update(policy=[[0, "x"]]), "decisions[2].policy[0]", "[index, probability]"),
    (lambda o: o["decisions"][1].pop("chosen"), "decisions[1].chosen", "missing"),
    (lambda o: o["decisions"][0].update(values=["a"]), "decisions[0].values", "expected numbers"),
    (lambda o: o["outcome"].update(winner="one"), "outcome.winner", "expected an integer or null"),
    (lambda o: o["outcome"].pop("winner"), "outcome.winner", "missing"),
    (lambda o: o["outcome"].update(ranking=[1]), "outcome.ranking", "1 ranks for a 2-player game"),
    (lambda o: o.pop("versions"), "versions", "expected {engine, encoder}"),
    (lambda o: o["timings"].update(moves=3), "timings.moves", "says 3 moves"),
])
def test_malformed_fields_are_named(good, mutate, field, words):
    with pytest.raises(RecordError) as ei:
        GameRecord.from_json(_broken(good, mutate))
    assert ei.value.field == field
    assert f"record field {field!r}" in str(ei.value) and words in str(ei.value)


def test_not_json():
    with pytest.raises(RecordError, match="invalid JSON"):
        GameRecord.from_line("{not json")
    with pytest.raises(RecordError, match="must be a JSON object"):
        GameRecord.from_line("[1, 2]")


@pytest.mark.parametrize("gid", ["../../../../../../PWNED_show_dir", "a/b", "", ".x", "a b", "x" * 129])
def test_game_ids_follow_the_path_safe_name_rule(gid):
    r = play_match("square8", 2, [RandomPlayer(1), RandomPlayer(2)], seed=0, max_moves=10)
    rec = record_from_match(r, max_moves=10)
    doc = rec.to_json() | {"game_id": gid}
    with pytest.raises(RecordError) as e:
        GameRecord.from_json(doc)
    assert e.value.field == "game_id" and "\n" not in str(e.value)
    with pytest.raises(ValueError):
        record_from_match(r, game_id=gid or "..", max_moves=10)
    with pytest.raises(RecordError):
        dataclasses.replace(rec, game_id=gid)
