"""Finding where a killed generation stopped, so that a rerun continues it instead of starting over.

* ``reconcile_batches``: selfplay batches published in the store whose games the database lacks
  (a process killed between publishing and ingesting) are ingested;
* ``first_unpublished``: the index of the first batch of a selfplay plan not yet published;
* ``pending_dataset``: the newest dataset of a config that no decided candidate was trained on --
  the generation stopped after its export (in training, gauntlet or promotion) and goes on there.
"""

from __future__ import annotations

from engine.db import get_shard, list_datasets, list_models, list_promotions, list_training_runs
from engine.nn import ENCODER_VERSION

from .artifacts import batch_pointer_name
from .context import Context
from .identity import selfplay_batch_id
from .stages import ingest_shards

MAX_BATCHES = 100_000  # a plan never has this many batches; bounds the search below


def published_batches(ctx: Context, config_key: str) -> list[tuple[str, str]]:
    """``(batch id, shard sha256)`` of every selfplay batch of ``config_key`` in the store."""
    prefix = batch_pointer_name(config_key, "")
    out = []
    for name in ctx.store.list_pointers():
        if not name.startswith(prefix):
            continue
        p = ctx.store.read_pointer(name)
        if p is None:
            continue
        man = ctx.store.get_manifest(p.target)
        if man.kind == "shards" and man.entries:
            out.append((name[len(prefix):], man.entries[0].sha256))
    return out


def reconcile_batches(ctx: Context, config_key: str) -> int:
    """Ingest the published batches of ``config_key`` whose shard the database does not know;
    returns how many shards were ingested (0 when the database is complete)."""
    missing = []
    with ctx.db.session(write=False) as s:
        for bid, sha in published_batches(ctx, config_key):
            if get_shard(s, sha) is None:
                missing.append((bid, sha))
    if missing:
        ingest_shards(ctx, [sha for _, sha in missing], {sha: f"selfplay:{bid}" for bid, sha in missing})
    return len(missing)


def first_unpublished(ctx: Context, config_key: str, *, batch_games: int, seed: int, engine: str,
                      champion: str | None, simulations: int, fingerprint: str) -> int:
    """The index of the first full-size batch of the plan ``(seed, engine, champion, ...)`` that
    is not in the store: where a rerun of the same generation continues."""
    names = set(ctx.store.list_pointers())
    for i in range(MAX_BATCHES):
        bid = selfplay_batch_id(config_key, index=i, games=batch_games, seed=seed, engine=engine, champion=champion,
                                simulations=simulations, fingerprint=fingerprint)
        if batch_pointer_name(config_key, bid) not in names:
            return i
    raise RuntimeError(f"selfplay {config_key}: {MAX_BATCHES} batches of one plan already published")


def pending_dataset(ctx: Context, config_key: str) -> str | None:
    """The newest dataset of the config when its generation is unfinished: no candidate trained on
    it has been decided (promoted, rejected) and no training on it failed. None otherwise."""
    with ctx.db.session(write=False) as s:
        last = list_datasets(s, config_key, limit=1)
        if not last or last[0].encoder_version != ENCODER_VERSION:
            return None
        did = last[0].dataset_id
        models = [m for m in list_models(s, config_key) if m.dataset_id == did]
        if any(m.role in ("champion", "retired", "rejected") for m in models):
            return None
        ids = {m.model_id for m in models}
        if any(p.candidate_model_id in ids for p in list_promotions(s, config_key)):
            return None
        if any(r.dataset_id == did for r in list_training_runs(s, config_key, status="failed")):
            return None
    return did
