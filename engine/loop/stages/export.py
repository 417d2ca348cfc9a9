"""The export stage: the config's window of games as an NPZ dataset in the store (or a refusal by
the data-quality gates). Idempotent: the same window gives the same dataset id."""

from __future__ import annotations

import logging
import time

from engine.config import GateConfig
from engine.data import export_replay_dataset
from engine.data.window import data_window, select_window
from engine.db import DatasetRow, games_since, get_dataset, list_datasets, record_dataset
from engine.evaluation.settings import parse_config_key
from engine.names import safe_join
from engine.nn import ENCODER_VERSION
from engine.storage import Manifest, ManifestEntry

from ..artifacts import fetch_object
from ..context import Context
from ..hooks import pause_point
from ..identity import config_fingerprint
from ..identity import export_id as make_export_id
from ..truth import dataset_pointer_name, publish_once
from .results import ExportStageResult, StageError

log = logging.getLogger("ringrift.loop")


def _window_shards(ctx: Context, config_key: str) -> tuple[list[tuple[str, int]], int, list[str], list]:
    """Shards newest first with their decision counts, total decisions, quarantined game ids, games."""
    with ctx.db.session(write=False) as s:
        ok = games_since(s, config_key, status="ok")
        bad = games_since(s, config_key, status="quarantined")
    per: dict[str, list] = {}
    for g in ok:
        e = per.setdefault(g.shard_id, [0, g.ingested_at])
        e[0] += g.num_decisions
        e[1] = max(e[1], g.ingested_at)
    order = sorted(per.items(), key=lambda kv: (kv[1][1], kv[0]), reverse=True)
    return [(sid, v[0]) for sid, v in order], sum(v[0] for v in per.values()), [g.game_id for g in bad], ok


def run_export(ctx: Context, config_key: str, *, export_id: str | None = None, progress=None) -> ExportStageResult:
    """Export the config's current window of shards to NPZ and publish it as a dataset (or refuse,
    with the failed gates). Idempotent: the same window gives the same dataset id. ``progress``:
    called after every game read (``export_replay_dataset``'s callback)."""
    t0 = time.perf_counter()
    board, n = parse_config_key(config_key)
    ex = ctx.cfg.export
    shards, total, quarantined, ok_games = _window_shards(ctx, config_key)
    if not shards:
        raise StageError(f"export {config_key}: no games in the database (run selfplay first)")
    w = data_window(total, min_window=ex.window.min_window, alpha=ex.window.alpha, beta=ex.window.beta,
                    max_window=ex.window.max_window)
    chosen = select_window(shards, w)
    with ctx.db.session(write=False) as s:
        last = list_datasets(s, config_key, limit=1)
    seen = set(last[0].lineage.get("shards", [])) if last else set()
    export_id = export_id or make_export_id(config_key, chosen, config_fingerprint(ctx.cfg, "export"), ENCODER_VERSION)
    out = safe_join(ctx.work_dir / "exports", f"{config_key}-{export_id}", kind="export")
    paths = [fetch_object(ctx.store, sid, ctx.cache_dir, "shard.jsonl.zst") for sid in chosen]
    new_games = sum(1 for g in ok_games if g.shard_id not in seen) if seen else None
    rep = export_replay_dataset(paths, out, board=board, num_players=n, val_fraction=ex.val_fraction,
                                chunk_samples=ex.chunk_samples, dedup=ex.dedup, include_capped=ex.include_capped,
                                compress=ex.compress, shuffle=ex.shuffle, seed=ex.seed,
                                gates=ex.gates if isinstance(ex.gates, GateConfig) else GateConfig(**dict(ex.gates)),
                                new_games=new_games, exclude_games=quarantined, max_reuse=ex.max_reuse,
                                overwrite=True, progress=progress)
    gates = [] if rep.gates is None else rep.gates.to_json()["gates"]
    exported = int(rep.counts.get("games_exported", 0) or 0)
    if not rep.ok:
        reason = "; ".join(g["reason"] or g["name"] for g in gates if not g["ok"]) or "quality gates failed"
        log.warning("export %s refused: %s", config_key, reason)
        return ExportStageResult(config_key, False, None, dict(rep.samples), exported, gates, reason,
                                 seconds=time.perf_counter() - t0)
    entries = []
    for split in ("train", "val"):
        for c in rep.chunks[split]:
            ref = ctx.store.put_file(out / c["name"])
            pause_point("export")  # test hook: a chunk in the store, no manifest, no record
            entries.append(ManifestEntry.for_object(c["name"], ref, {"split": split, "samples": c["samples"]}))
    man = Manifest.build("dataset", entries, {"config_key": config_key, "encoder_version": ENCODER_VERSION,
                                              "samples": dict(rep.samples), "shards": list(chosen), "window": w,
                                              "train_budget": rep.train_budget, "fingerprint": rep.fingerprint})
    did = ctx.store.put_manifest(man)
    with ctx.db.session() as s:
        record_dataset(s, DatasetRow(dataset_id=did, config_key=config_key, encoder_version=ENCODER_VERSION,
                                     num_samples=rep.total_samples, num_games=exported,
                                     window={"samples": w, "total": total}, splits=dict(rep.samples),
                                     lineage={"shards": list(chosen)}, manifest_uri=f"{ctx.store.url}#{did}"))
    publish_once(ctx.store, dataset_pointer_name(config_key, did), did,  # the store's index of datasets
                 {"games": exported, "total": total})
    log.info("export %s: dataset %s, %s samples from %d shards", config_key, did[:12], rep.samples, len(chosen))
    return ExportStageResult(config_key, True, did, dict(rep.samples), exported, gates, "", reused=rep.reused,
                             seconds=time.perf_counter() - t0)



def dataset_result(ctx: Context, dataset_id: str) -> ExportStageResult:
    """The recorded dataset ``dataset_id`` as an export's result (a generation continuing after its
    export, or a deployment's export read back): its gates passed, or it would not be recorded."""
    with ctx.db.session(write=False) as s:
        row = get_dataset(s, dataset_id)
    if row is None:
        raise StageError(f"dataset {dataset_id} is not in the database")
    return ExportStageResult(row.config_key, True, dataset_id, dict(row.splits), row.num_games, [], reused=True)
