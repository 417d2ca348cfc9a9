"""The store as the source of truth: the pairing of store and database, a lost database reported
(never silently replaced), and the database rebuilt from the store."""

from __future__ import annotations

import pytest

from engine.config import config_from_dict
from engine.db import count_games, list_datasets
from engine.loop import open_context, run_export, run_selfplay
from engine.loop.truth import DB_RECORD, DatabaseLost, rebuild_from_store, recorded_instance
from tests.loop.helpers import SMALL


def _cfg(tmp_path, db: str = "forge.db", home: str = "home"):
    return config_from_dict({"home": str(tmp_path / home), **SMALL,
                             "database": {"url": f"sqlite:///{tmp_path / 'home' / db}"}}, env={})


def _counts(ctx) -> tuple[int, list[str]]:
    with ctx.db.session(write=False) as s:
        return count_games(s, "square8_2p", status=None), [d.dataset_id for d in list_datasets(s, "square8_2p")]


def test_a_lost_database_is_reported_and_rebuilt_from_the_store(tmp_path):
    ctx = open_context(_cfg(tmp_path))
    assert recorded_instance(ctx.store) is not None  # the store knows its database
    run_selfplay(ctx, "square8_2p", 4, seed=3)
    ex = run_export(ctx, "square8_2p")
    assert ex.ok
    before = _counts(ctx)
    ctx.close()

    open_context(_cfg(tmp_path, "other.db", home="home2")).close()  # another pipeline's database
    with pytest.raises(DatabaseLost, match="other.db .* is not the one the store .* records"):
        open_context(_cfg(tmp_path, "other.db"))
    other = open_context(_cfg(tmp_path, "other.db"), check=False)
    with pytest.raises(DatabaseLost, match="belongs to another pipeline"):  # never merged into it
        rebuild_from_store(other)
    other.close()
    db_file = tmp_path / "home" / "forge.db"
    for f in db_file.parent.glob("forge.db*"):
        f.unlink()
    with pytest.raises(DatabaseLost, match="forge.db is missing .* `ringrift aggregate --from-store`"):
        open_context(_cfg(tmp_path))
    assert not db_file.exists()  # not re-created empty

    ctx = open_context(_cfg(tmp_path), check=False)
    rep = rebuild_from_store(ctx)
    assert rep.games_inserted == 4 and rep.datasets == 1 and rep.models == 0
    assert _counts(ctx) == before
    again = rebuild_from_store(ctx)  # idempotent
    assert again.games_inserted == 0 and again.datasets == 0 and _counts(ctx) == before
    ctx.close()
    ctx = open_context(_cfg(tmp_path))  # the rebuilt database is now the store's
    assert _counts(ctx) == before
    ctx.close()


def test_an_empty_database_beside_a_store_with_games_is_refused(tmp_path):
    ctx = open_context(_cfg(tmp_path))
    run_selfplay(ctx, "square8_2p", 2, seed=4)
    # a store from before the pairing was recorded: only its games tell that a database existed
    assert ctx.store.read_pointer(DB_RECORD) is not None
    ctx.store.backend.delete(f"pointers/{DB_RECORD}.json")
    assert ctx.store.read_pointer(DB_RECORD) is None
    ctx.close()
    with pytest.raises(DatabaseLost, match="has no games but the store holds 1 game shards"):
        open_context(_cfg(tmp_path, "empty.db"))
    ctx = open_context(_cfg(tmp_path))  # the database with the games is adopted
    assert recorded_instance(ctx.store) is not None
    ctx.close()
