"""engine.db.registry: models (idempotent, lineage), pointers (compare-and-set, history order),
champion, promotions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from engine.db import (
    PointerConflict,
    PromotionRow,
    champion_pointer,
    current_champion,
    get_model,
    get_pointer,
    get_promotion,
    lineage,
    list_models,
    list_promotions,
    pointer_history,
    record_pointer_move,
    record_promotion,
    register_model,
    set_champion,
    set_model_role,
    update_model_metrics,
)
from tests.db.helpers import at, model


def _chain(s, n: int, config_key: str = "square8_2p"):
    rows, parent = [], None
    for i in range(n):
        m = model(f"{config_key}-gen{i}", parent=parent, config_key=config_key, created_at=at(i))
        register_model(s, m)
        rows.append(m)
        parent = m.model_id
    return rows


def test_register_is_idempotent(db, other_host):
    m = model("a", metrics={"val_loss": 1.25})
    with db.session() as s:
        assert register_model(s, m)
        assert not register_model(s, m)
    with other_host.session() as s:
        assert not register_model(s, replace(m, checkpoint_uri="elsewhere"))  # first registration wins
    with db.session(write=False) as s:
        got = get_model(s, m.model_id)
        assert get_model(s, "nope") is None
    assert replace(got, created_at=None) == m
    assert got.created_at.tzinfo is not None


def test_register_checks_identity_and_references(db):
    m = model("a")
    with pytest.raises(ValueError, match="does not match its identity"):
        with db.session() as s:
            register_model(s, replace(m, model_id="0" * 64))
    with pytest.raises(ValueError, match="role"):
        with db.session() as s:
            register_model(s, replace(m, role="king"))
    with pytest.raises(IntegrityError):
        with db.session() as s:
            register_model(s, model("b", parent=m.model_id))  # parent not registered
    with pytest.raises(IntegrityError):
        with db.session() as s:
            register_model(s, replace(m, dataset_id="no-such-dataset"))


def test_lineage_walks_to_the_root(db):
    with db.session() as s:
        chain = _chain(s, 5)
        other = _chain(s, 2, "hex8_2p")
    with db.session(write=False) as s:
        assert [m.model_id for m in lineage(s, chain[-1].model_id)] == [m.model_id for m in reversed(chain)]
        assert [m.model_id for m in lineage(s, chain[2].model_id)] == [chain[2].model_id, chain[1].model_id,
                                                                       chain[0].model_id]
        assert [m.model_id for m in lineage(s, chain[0].model_id)] == [chain[0].model_id]
        assert [m.model_id for m in lineage(s, other[1].model_id)] == [other[1].model_id, other[0].model_id]
        assert lineage(s, "unknown") == []
        assert lineage(s, chain[-1].model_id)[1] == replace(chain[-2], created_at=at(3))


def test_list_models(db):
    with db.session() as s:
        chain = _chain(s, 4)
        _chain(s, 1, "hex8_2p")
        set_model_role(s, chain[1].model_id, "champion")
        set_model_role(s, chain[0].model_id, "retired")
        with pytest.raises(KeyError):
            set_model_role(s, "nope", "retired")
        with pytest.raises(ValueError):
            set_model_role(s, chain[0].model_id, "king")
    with db.session(write=False) as s:
        assert [m.model_id for m in list_models(s, "square8_2p")] == [m.model_id for m in reversed(chain)]
        assert [m.model_id for m in list_models(s, "square8_2p", limit=2)] == [chain[3].model_id, chain[2].model_id]
        assert [m.model_id for m in list_models(s, "square8_2p", role="candidate")] == [chain[3].model_id,
                                                                                        chain[2].model_id]
        assert [m.role for m in list_models(s, "square8_2p")] == ["candidate", "candidate", "champion", "retired"]
        assert len(list_models(s, "hex8_2p")) == 1


def test_update_model_metrics_merges(db):
    m = model("a", metrics={"val_loss": 1.0, "steps": 10})
    with db.session() as s:
        register_model(s, m)
        assert update_model_metrics(s, m.model_id, {"elo": 35.5, "steps": 12}) == {"val_loss": 1.0, "steps": 12,
                                                                                   "elo": 35.5}
        with pytest.raises(KeyError):
            update_model_metrics(s, "nope", {})
    with db.session(write=False) as s:
        assert get_model(s, m.model_id).metrics == {"val_loss": 1.0, "steps": 12, "elo": 35.5}


def test_pointer_moves_and_history_order(db):
    name = "champion/square8_2p"
    with db.session() as s:
        assert get_pointer(s, name) is None
        first = record_pointer_move(s, name, None, "m1", "bootstrap", decided_by="manual:test")
        record_pointer_move(s, name, "m1", "m2", "SPRT accepted", decided_by="p2")
    with db.session() as s:
        record_pointer_move(s, name, "m2", "m3", "SPRT accepted", decided_by="p3")
        record_pointer_move(s, "champion/hex8_2p", None, "h1", "bootstrap")
    with db.session(write=False) as s:
        hist = pointer_history(s, name)
        assert [(h.old_target, h.new_target) for h in hist] == [(None, "m1"), ("m1", "m2"), ("m2", "m3")]
        assert [h.decided_by for h in hist] == ["manual:test", "p2", "p3"]
        assert hist[0] == first
        assert [h.id for h in hist] == sorted(h.id for h in hist)
        assert [h.created_at for h in hist] == sorted(h.created_at for h in hist)
        assert [(h.old_target, h.new_target) for h in pointer_history(s, name, limit=2)] == [("m1", "m2"),
                                                                                           ("m2", "m3")]
        assert get_pointer(s, name) == "m3"
        assert [h.new_target for h in pointer_history(s, "champion/hex8_2p")] == ["h1"]
        assert pointer_history(s, "nothing") == []


def test_pointer_compare_and_set(db, other_host):
    name = "champion/square8_2p"
    with db.session() as s:
        record_pointer_move(s, name, None, "m1", "bootstrap")
    with pytest.raises(PointerConflict) as e:
        with other_host.session() as s:
            record_pointer_move(s, name, None, "m9", "a second bootstrap")
    assert (e.value.expected, e.value.actual) == (None, "m1")
    with db.session() as s:
        record_pointer_move(s, name, "m1", "m2", "promotion A")
    with pytest.raises(PointerConflict):
        with other_host.session() as s:  # a promoter that evaluated against the old champion loses
            record_pointer_move(s, name, "m1", "m3", "promotion B")
    with db.session() as s:  # retrying the committed move is a no-op returning it
        again = record_pointer_move(s, name, "m1", "m2", "promotion A (retry)")
        assert (again.old_target, again.new_target, again.reason) == ("m1", "m2", "promotion A")
        assert len(pointer_history(s, name)) == 2


def test_set_champion(db):
    with db.session() as s:
        a, b = _chain(s, 2)
        assert current_champion(s, "square8_2p") is None
        set_champion(s, "square8_2p", a.model_id, previous=None, reason="first model")
        move = set_champion(s, "square8_2p", b.model_id, previous=a.model_id, reason="SPRT", decided_by="p1")
        assert move.name == champion_pointer("square8_2p") == "champion/square8_2p"
        with pytest.raises(KeyError):
            set_champion(s, "square8_2p", "nope", previous=b.model_id, reason="x")
    with db.session(write=False) as s:
        assert current_champion(s, "square8_2p") == b.model_id
        assert get_model(s, a.model_id).role == "retired"
        assert get_model(s, b.model_id).role == "champion"
        assert [m.model_id for m in list_models(s, "square8_2p", role="champion")] == [b.model_id]


def test_promotions(db):
    with db.session() as s:
        champ, cand = _chain(s, 2)
        p = PromotionRow(config_key="square8_2p", candidate_model_id=cand.model_id,
                         champion_model_id=champ.model_id, decision="promote", llr=2.96, lower_bound=-2.94,
                         upper_bound=2.94, elo0=0.0, elo1=10.0, games=412, wins=160, draws=120, losses=132,
                         alpha=0.05, beta=0.05, details={"match_source": "promotion", "run_id": "r1"},
                         created_at=at(5))
        pid = record_promotion(s, p)
        assert record_promotion(s, replace(p, promotion_id=pid, decision="reject")) == pid  # first wins
        pid2 = record_promotion(s, replace(p, decision="reject", created_at=at(6)))
        assert pid2 != pid
        with pytest.raises(ValueError):
            record_promotion(s, replace(p, decision="maybe"))
    with db.session(write=False) as s:
        assert get_promotion(s, pid) == replace(p, promotion_id=pid)
        assert [x.promotion_id for x in list_promotions(s, "square8_2p")] == [pid2, pid]
        assert [x.promotion_id for x in list_promotions(s, "square8_2p", limit=1)] == [pid2]
        assert get_promotion(s, "nope") is None
    with pytest.raises(IntegrityError):
        with db.session() as s:
            record_promotion(s, replace(p, candidate_model_id="unregistered"))
