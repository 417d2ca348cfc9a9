"""The artifact store is the source of truth; the database is an index of it that can be rebuilt.

* The store records which database indexes it (the pointer ``pipeline/database`` -> a manifest
  whose metadata holds the database's instance id, the database pointer ``pipeline/identity``).
  ``check_pipeline`` compares the two: a database that was deleted (empty, or a SQLite file that
  is gone) or belongs to another pipeline is reported with ``DatabaseLost`` -- never silently
  replaced by an empty one.
* ``rebuild_from_store`` (``ringrift aggregate --from-store``) fills a database from the store,
  idempotently: the selfplay and imported shards (their games), the datasets (pointers
  ``datasets/<config>/<id>``), the models with their training runs and lineage, the promotion
  decisions (pointers ``promotions/<config>/<id>``), and the champion pointers with their whole
  history. Match logs of gauntlets are not in the store and are not rebuilt.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from .artifacts import fetch_object

log = logging.getLogger("ringrift.loop")

DB_RECORD = "pipeline/database"  # store pointer: which database indexes this store
DB_IDENTITY = "pipeline/identity"  # database pointer: the database's random instance id
IMPORT_PREFIX = "imports/"  # store pointers of shards put in by `ringrift aggregate FILES`


class DatabaseLost(RuntimeError):
    """The database does not index this store (deleted, emptied or another pipeline's)."""


def dataset_pointer_name(config_key: str, dataset_id: str) -> str:
    return f"datasets/{config_key}/{dataset_id}"


def promotion_pointer_name(config_key: str, promotion_id: str) -> str:
    return f"promotions/{config_key}/{promotion_id}"


def import_pointer_name(sha: str) -> str:
    return f"{IMPORT_PREFIX}{sha}"


def publish_once(store, name: str, target: str, metadata: dict) -> None:
    """Set pointer ``name`` once (a second attempt with the same name changes nothing)."""
    from engine.storage import PointerConflict

    if store.read_pointer(name) is not None:
        return
    try:
        store.swap_pointer(name, target, expected=None, metadata=metadata)
    except PointerConflict:
        pass  # set by another attempt first


def _games_in_store(store) -> int:
    return sum(1 for p in store.list_pointers() if p.startswith(("batches/", IMPORT_PREFIX)))


def _rebuild_hint(store) -> str:
    return f"rebuild it from the store with `ringrift aggregate --from-store` ({store.url})"


def sqlite_file_lost(cfg, store) -> str | None:
    """The message for a SQLite database file that is gone while the store records one (checked
    before opening, so that no empty database file is created in its place)."""
    from engine.db.database import sqlite_file

    path = sqlite_file(cfg.database_url)
    if path is None:
        return None
    if path.exists() or store.read_pointer(DB_RECORD) is None:
        return None
    return (f"the database {path} is missing but the store indexes {_games_in_store(store)} game shards "
            f"through it: {_rebuild_hint(store)}")


def database_instance(db, *, create: bool) -> str | None:
    """The database's instance id (created when missing and ``create``)."""
    from engine.db import PointerConflict, get_pointer, record_pointer_move

    with db.session(write=False) as s:
        cur = get_pointer(s, DB_IDENTITY)
    if cur is None and create:
        try:
            with db.session() as s:
                cur = record_pointer_move(s, DB_IDENTITY, None, uuid.uuid4().hex,
                                          "pipeline instance (task cache keys)").new_target
        except PointerConflict:
            with db.session(write=False) as s:
                cur = get_pointer(s, DB_IDENTITY)
    return cur


def _record_database(store, instance: str, expected=None) -> None:
    from engine.storage import Manifest, PointerConflict

    mid = store.put_manifest(Manifest.build("pipeline-database", [], {"instance": instance}))
    try:
        store.swap_pointer(DB_RECORD, mid, expected=expected,
                           metadata={"recorded": datetime.now(UTC).isoformat()})
    except PointerConflict:
        pass  # recorded by another process first; check_pipeline compares it


def recorded_instance(store) -> str | None:
    p = store.read_pointer(DB_RECORD)
    return None if p is None else str(store.get_manifest(p.target).metadata.get("instance"))


def check_pipeline(store, db) -> None:
    """Raise ``DatabaseLost`` when ``db`` is not the database that indexes ``store``; record the
    pairing on first use (a new pipeline, or one from before the pairing existed)."""
    from engine.db import count_games

    rec = recorded_instance(store)
    inst = database_instance(db, create=False)
    if rec is not None:
        if inst is None:
            raise DatabaseLost(f"the database {db.url} is empty but the store indexes {_games_in_store(store)} game "
                               f"shards through another one: {_rebuild_hint(store)}")
        if inst != rec:
            raise DatabaseLost(f"the database {db.url} (instance {inst[:12]}) is not the one the store {store.url} "
                               f"records (instance {rec[:12]}): another pipeline's database, or a replaced one; "
                               f"{_rebuild_hint(store)}")
        return
    n = _games_in_store(store)
    if n:
        with db.session(write=False) as s:
            games = count_games(s, status=None)
        if games == 0:
            raise DatabaseLost(f"the database {db.url} has no games but the store holds {n} game shards: "
                               f"{_rebuild_hint(store)}")
    _record_database(store, database_instance(db, create=True))


# -- rebuild -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RebuildReport:
    shards: int
    games_inserted: int
    datasets: int
    models: int
    promotions: int
    champion_moves: int

    def summary(self) -> str:
        return (f"{self.shards} shards ({self.games_inserted} new games), {self.datasets} datasets, "
                f"{self.models} models, {self.promotions} promotion decisions, {self.champion_moves} champion moves")


def _pointers(store, prefix: str):
    out = []
    for name in store.list_pointers():
        if name.startswith(prefix):
            p = store.read_pointer(name)
            if p is not None:
                out.append(p)
    return sorted(out, key=lambda p: (p.updated_at, p.name))


def rebuild_from_store(ctx) -> RebuildReport:
    """Fill ``ctx.db`` from ``ctx.store`` (module doc); idempotent. Afterwards the store records
    this database as its index."""
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db

    rec, inst = recorded_instance(ctx.store), database_instance(ctx.db, create=False)
    if rec is not None and inst is not None and inst != rec:
        raise DatabaseLost(f"the database {ctx.db.url} belongs to another pipeline (instance {inst[:12]}): "
                           f"rebuild {ctx.store.url} into an empty database, not into that one")
    # 1. games: every selfplay batch and imported shard, oldest first (the export window's order)
    sources = []
    for p in _pointers(ctx.store, "batches/") + _pointers(ctx.store, IMPORT_PREFIX):
        man = ctx.store.get_manifest(p.target)
        if man.kind != "shards":
            continue
        for e in man.entries:
            sources.append(ShardSource(fetch_object(ctx.store, e.sha256, ctx.cache_dir, "shard.jsonl.zst"), e.sha256,
                                       f"{ctx.store.url}#{e.sha256}",
                                       f"selfplay:{man.metadata.get('batch_id')}" if p.name.startswith("batches/")
                                       else "aggregate"))
    rep = aggregate_jsonl_to_db(ctx.db, sources) if sources else None
    datasets = _rebuild_datasets(ctx)
    models = _rebuild_models(ctx)
    promotions = _rebuild_promotions(ctx)
    moves = _rebuild_champions(ctx)
    inst = database_instance(ctx.db, create=True)
    if recorded_instance(ctx.store) != inst:
        _record_database(ctx.store, inst, expected=ctx.store.read_pointer(DB_RECORD))
    return RebuildReport(len(sources), rep.inserted if rep else 0, datasets, models, promotions, moves)


def _rebuild_datasets(ctx) -> int:
    from engine.db import DatasetRow, record_dataset

    n = 0
    for p in _pointers(ctx.store, "datasets/"):
        man = ctx.store.get_manifest(p.target)
        md = man.metadata
        with ctx.db.session() as s:
            n += record_dataset(s, DatasetRow(
                dataset_id=p.target, config_key=md["config_key"], encoder_version=md["encoder_version"],
                num_samples=int(sum(int(v) for v in dict(md.get("samples", {})).values())),
                num_games=int(p.metadata.get("games", 0)), window={"samples": md.get("window"),
                                                                   "total": p.metadata.get("total")},
                splits=dict(md.get("samples", {})), lineage={"shards": list(md.get("shards", []))},
                manifest_uri=f"{ctx.store.url}#{p.target}", created_at=p.updated_at))
    return n


def _rebuild_models(ctx) -> int:
    from engine.db import (
        ModelRow,
        TrainingRunRow,
        finish_training_run,
        get_dataset,
        get_model,
        get_training_run,
        register_model,
        start_training_run,
    )

    from .artifacts import load_model

    found = {}
    for mid in ctx.store.list_manifests():
        man = ctx.store.get_manifest(mid)
        if man.kind == "model":
            found.setdefault(man.metadata["model_id"], mid)
    done: set[str] = set()
    n = 0

    def register(model_id: str) -> None:
        nonlocal n
        if model_id in done:
            return
        done.add(model_id)
        ck = load_model(ctx.store, found[model_id])
        parent = ck.meta.lineage.parent
        if parent in found:
            register(parent)
        ident = ck.meta.identity
        with ctx.db.session() as s:
            if get_model(s, model_id) is not None:
                return
            did = ck.meta.lineage.dataset if ck.meta.lineage.dataset and get_dataset(s, ck.meta.lineage.dataset) \
                else None
            run = ck.meta.lineage.training_run
            if run and get_training_run(s, run) is None:
                start_training_run(s, TrainingRunRow(run_id=run, config_key=ck.meta.config_key,
                                                     init_from=parent or "scratch", dataset_id=did,
                                                     hyperparameters={"training": ck.meta.extra.get("config", {})}))
                finish_training_run(s, run, metrics={"model_id": model_id, "rebuilt_from_store": True})
            register_model(s, ModelRow(
                model_id=model_id, weights_sha256=ident.weights_sha256, arch_hash=ident.arch_hash,
                encoder_version=ident.encoder_version, config_key=ck.meta.config_key, arch=ck.net.arch.to_dict(),
                parent_model_id=parent if parent in found else None, dataset_id=did, training_run_id=run or None,
                checkpoint_uri=f"manifests/{found[model_id]}.json",
                created_at=datetime.fromtimestamp(ck.meta.created_at, UTC) if ck.meta.created_at else None))
            n += 1

    for model_id in sorted(found):
        register(model_id)
    return n


def _rebuild_promotions(ctx) -> int:
    from engine.db import PromotionRow, get_model, get_promotion, record_promotion, set_model_role

    n = 0
    for p in _pointers(ctx.store, "promotions/"):
        md = dict(p.metadata)
        with ctx.db.session() as s:
            if get_promotion(s, md["promotion_id"]) is not None:
                continue
            record_promotion(s, PromotionRow(**{k: md[k] for k in PromotionRow.__dataclass_fields__
                                                if k in md and k != "created_at"}, created_at=p.updated_at))
            if md["decision"] != "promote" and get_model(s, md["candidate_model_id"]) is not None:
                set_model_role(s, md["candidate_model_id"], "rejected")
            n += 1
    return n


def _rebuild_champions(ctx) -> int:
    from engine.db import get_model, pointer_history, set_champion

    n = 0
    for name in ctx.store.list_pointers():
        if not name.startswith("champion/"):
            continue
        ck = name[len("champion/"):]
        hist = ctx.store.pointer_history(name)
        with ctx.db.session(write=False) as s:
            have = len(pointer_history(s, name))
        prev = None
        for i, p in enumerate(hist):
            model_id = ctx.store.get_manifest(p.target).metadata["model_id"]
            if i >= have:
                with ctx.db.session() as s:
                    if get_model(s, model_id) is None:
                        raise DatabaseLost(f"rebuild: champion {model_id[:12]} of {ck} has no model manifest in the "
                                           "store")
                    set_champion(s, ck, model_id, previous=prev, reason="rebuilt from the store",
                                 decided_by=p.metadata.get("run_id"))
                n += 1
            prev = model_id
    return n
