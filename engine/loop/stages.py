"""The stages of one generation as plain functions over the store and the database.

selfplay -> (ingest) -> export -> train -> gauntlet -> promotion. Each takes a ``Context`` and ids,
returns a small frozen dataclass, and can be killed and rerun: a finished step is found and
returned again (selfplay batches by their pointer, exports by their content fingerprint, training
runs by their run directory, promotions by their run id), a half-done one resumes or restarts
without duplicates. The Prefect tasks (``tasks/``) wrap these one to one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, replace

from engine.evaluation import RANDOM_SPEC, PlayerSpec
from engine.evaluation.settings import parse_config_key
from engine.names import safe_join
from engine.redact import redact_exception

from .artifacts import (
    batch_pointer_name,
    champion_pointer_name,
    dataset_chunks,
    fetch_object,
    load_model,
    model_manifest_of,
    publish_model,
)
from .context import Context
from .hooks import pause_point
from .identity import config_fingerprint, identity, resolve_engine, selfplay_batch_id, stage_config, training_run_id
from .identity import export_id as make_export_id
from .truth import dataset_pointer_name, promotion_pointer_name, publish_once

log = logging.getLogger("ringrift.loop")


class StageError(RuntimeError):
    """A stage could not produce its result (the message says why); never a silent default."""


# -- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SelfplayResult:
    config_key: str
    batch_id: str
    shard_id: str
    manifest_id: str
    games: int
    decisions: int
    engine: str
    model_id: str | None
    inserted: int
    quarantined: int
    reused: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class ExportStageResult:
    config_key: str
    ok: bool
    dataset_id: str | None
    samples: dict
    games: int
    gates: list  # [{name, ok, reason}]
    reason: str = ""
    reused: bool = False
    seconds: float = 0.0


@dataclass(frozen=True)
class TrainStageResult:
    config_key: str
    run_id: str
    model_id: str
    manifest_id: str
    init: str
    steps: int
    stopped: str
    best_val: float | None
    val_history: tuple = ()
    calibration: dict | None = None  # value-head calibration on the validation split (ECE, fitted scale)
    seconds: float = 0.0


@dataclass(frozen=True)
class GauntletStageResult:
    config_key: str
    model_id: str
    run_id: str
    rows: list  # GauntletReport.to_rows()
    table: str
    games: int
    new_matches: int
    seconds: float = 0.0


@dataclass(frozen=True)
class PromotionStageResult:
    config_key: str
    model_id: str
    champion_id: str | None
    run_id: str
    decision: str  # accept / reject / inconclusive
    promoted: bool
    sprt: dict
    wins: int
    draws: int
    losses: int
    games: int
    reason: str
    seconds: float = 0.0


@dataclass(frozen=True)
class GenerationResult:
    config_key: str
    selfplay: tuple[SelfplayResult, ...]
    export: ExportStageResult | None
    training: TrainStageResult | None
    gauntlet: GauntletStageResult | None
    promotion: PromotionStageResult | None
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        parts = [f"{self.config_key}: {sum(s.games for s in self.selfplay)} games"]
        if self.export is not None:
            parts.append(f"dataset {self.export.dataset_id[:12] if self.export.dataset_id else '-'} "
                         f"({self.export.samples.get('train', 0)} train samples)" if self.export.ok
                         else f"export refused: {self.export.reason}")
        if self.training is not None:
            parts.append(f"model {self.training.model_id[:12]} ({self.training.steps} steps, {self.training.init})")
        if self.promotion is not None:
            parts.append(f"promotion {self.promotion.decision}: {self.promotion.reason}")
        return "; ".join(parts)


# -- champion --------------------------------------------------------------------------------------

def champion(ctx: Context, config_key: str) -> tuple[str, str] | None:
    """``(model_id, manifest_id)`` of the config's champion (the store's pointer is authoritative)."""
    p = ctx.store.read_pointer(champion_pointer_name(config_key))
    if p is None:
        return None
    man = ctx.store.get_manifest(p.target)
    return man.metadata["model_id"], p.target


def _model_loader(ctx: Context, device: str = "auto"):
    from engine.nn.evaluator import NetworkEvaluator
    from engine.nn.inference import Inference

    def load(model_id: str):
        ck = load_model(ctx.store, model_manifest_of(ctx.db, model_id))
        return NetworkEvaluator(Inference(ck.net, device=device), model_id=ck.model_id)
    return load


def generation_of(ctx: Context, config_key: str) -> int:
    """The config's generation: how many times its champion pointer has moved (0 before any)."""
    from engine.db import pointer_history

    with ctx.db.session(write=False) as s:
        return len(pointer_history(s, f"champion/{config_key}"))


def _scheduled_gumbel(scheduler, generation: int):
    """A Gumbel player whose move is drawn from its improved policy at the scheduled temperature
    (``selfplay.temperature``: exploratory openings, the search's own choice later)."""
    from engine.players import GumbelPlayer

    class ScheduledGumbel(GumbelPlayer):
        def search(self, state):
            move = yield from super().search(state)
            st = self.last_stats
            i = scheduler.choose(st, state.move_count, generation, self.rng)
            if i != st.chosen:
                self.last_stats = replace(st, chosen=i)
                move = st.moves[i]
            return move

        def spec(self) -> dict:
            return super().spec() | {"temperature": scheduler.to_json(), "generation": generation}

    return ScheduledGumbel


def _search_spec(ctx: Context, model_id: str, label: str) -> PlayerSpec:
    sp = ctx.cfg.selfplay
    return PlayerSpec("gumbel", model_id=model_id, simulations=sp.simulations, max_considered=sp.max_considered,
                      label=label)


# -- selfplay + ingest -----------------------------------------------------------------------------

def run_selfplay(ctx: Context, config_key: str, games: int | None = None, *, seed: int = 0,
                 batch_id: str | None = None, engine: str | None = None, simulations: int | None = None,
                 progress=None) -> SelfplayResult:
    """Play a batch of games, publish them as one shard, ingest them. Idempotent by ``batch_id``:
    a batch already published is returned as it is (pointer ``batches/<config>/<batch id>``)."""
    from engine.data import generate_games, record_from_match, write_shard
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db
    from engine.players import play_lockstep
    from engine.storage import Manifest, ManifestEntry, PointerConflict

    t0 = time.perf_counter()
    board, n = parse_config_key(config_key)
    sp = ctx.cfg.selfplay
    games = int(games or sp.games_per_batch)
    if games < 1:
        raise StageError(f"selfplay of {games} games: nothing to play")
    champ = champion(ctx, config_key)
    kind = resolve_engine(engine or sp.engine, champ[0] if champ else None)
    if kind == "gumbel" and not champ:
        raise StageError(f"selfplay with engine gumbel needs a champion network for {config_key}; there is none yet "
                         "(use engine heuristic or auto to bootstrap)")
    model_id = champ[0] if kind == "gumbel" else None
    batch_id = batch_id or selfplay_batch_id(config_key, index=0, games=games, seed=seed, engine=kind,
                                             champion=model_id, simulations=int(simulations or sp.simulations),
                                             fingerprint=config_fingerprint(ctx.cfg, "selfplay"))
    pname = batch_pointer_name(config_key, batch_id)
    existing = ctx.store.read_pointer(pname)
    if existing is not None:
        man = ctx.store.get_manifest(existing.target)
        md = man.metadata
        shard = man.entries[0]
        from engine.data.ingest import IngestReport
        from engine.db import get_shard

        with ctx.db.session(write=False) as s:
            known = get_shard(s, shard.sha256) is not None
        rep = IngestReport() if known else ingest_shards(ctx, [shard.sha256],
                                                         {shard.sha256: f"selfplay:{batch_id}"})
        return SelfplayResult(config_key, batch_id, shard.sha256, existing.target, md["games"], md["decisions"],
                              md["engine"], md.get("model_id"), rep.inserted, rep.quarantined, reused=True,
                              seconds=time.perf_counter() - t0)
    namespace = f"selfplay:{batch_id}"
    if kind == "heuristic":
        records = generate_games(board, n, ["heuristic"] * n, games, seed=seed, max_moves=sp.max_moves,
                                 namespace=namespace, workers=sp.workers)
    elif kind == "gumbel":
        from engine.training import TemperatureScheduler

        ev = _model_loader(ctx)(model_id)
        sims = int(simulations or sp.simulations)
        player_cls = _scheduled_gumbel(TemperatureScheduler(sp.temperature), generation_of(ctx, config_key))

        def make(g: int):
            ps = [player_cls(ev, simulations=sims, max_considered=sp.max_considered, seed=seed * 1000 + g * 10 + i)
                  for i in range(n)]
            return ps
        run = play_lockstep(board, n, make, games, seed=seed, max_moves=sp.max_moves,
                            concurrency=sp.concurrency or None, workers=sp.workers,
                            on_result=(lambda r: progress(r)) if progress is not None else None)
        records = [record_from_match(r, max_moves=sp.max_moves, namespace=namespace) for r in run.results]
    elif kind in ("random",):
        records = generate_games(board, n, ["random"] * n, games, seed=seed, max_moves=sp.max_moves,
                                 namespace=namespace, workers=sp.workers)
    else:
        raise StageError(f"unknown selfplay engine {kind!r} (auto, heuristic, gumbel, random)")
    tmp = safe_join(ctx.work_dir / "selfplay", f"{config_key}-{batch_id}.jsonl.zst", kind="self-play shard")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    write_shard(records, tmp, compression=ctx.cfg.export.shard_compression)
    ref = ctx.store.put_file(tmp)
    decisions = sum(len(r.decisions) for r in records)
    man = Manifest.build("shards", [ManifestEntry.for_object(tmp.name, ref)],
                         {"config_key": config_key, "batch_id": batch_id, "games": len(records), "decisions": decisions,
                          "engine": kind, "model_id": model_id, "seed": seed})
    mid = ctx.store.put_manifest(man)
    try:
        ctx.store.swap_pointer(pname, mid, expected=None)
    except PointerConflict:
        pass  # another attempt published the same batch first; its games are the same ids
    pause_point("selfplay")  # test hook: the batch is published, its games not yet in the database
    rep = aggregate_jsonl_to_db(ctx.db, [ShardSource(tmp, ref.sha256, f"{ctx.store.url}#{ref.sha256}",
                                                     f"selfplay:{batch_id}")])
    tmp.unlink(missing_ok=True)
    log.info("selfplay %s batch %s: %d games (%s), %d decisions, %d new in the database", config_key, batch_id,
             len(records), kind, decisions, rep.inserted)
    return SelfplayResult(config_key, batch_id, ref.sha256, mid, len(records), decisions, kind, model_id,
                          rep.inserted, rep.quarantined, seconds=time.perf_counter() - t0)


def ingest_shards(ctx: Context, shard_ids: list[str], producers: dict[str, str] | None = None):
    """(Re-)ingest shards of the store into the database (idempotent); ``producers`` names the
    producer of a shard (``selfplay:<batch id>``) where it is known."""
    from engine.data.ingest import ShardSource, aggregate_jsonl_to_db

    producers = producers or {}
    return aggregate_jsonl_to_db(ctx.db, [ShardSource(fetch_object(ctx.store, s, ctx.cache_dir, "shard.jsonl.zst"), s,
                                                      f"{ctx.store.url}#{s}", producers.get(s)) for s in shard_ids])


# -- export ----------------------------------------------------------------------------------------

def _window_shards(ctx: Context, config_key: str) -> tuple[list[tuple[str, int]], int, list[str], list]:
    """Shards newest first with their decision counts, total decisions, quarantined game ids, games."""
    from engine.db import games_since

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
    from engine.data import export_replay_dataset
    from engine.data.gates import GateConfig
    from engine.data.window import data_window, select_window
    from engine.db import DatasetRow, list_datasets, record_dataset
    from engine.nn import ENCODER_VERSION
    from engine.storage import Manifest, ManifestEntry

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


# -- training --------------------------------------------------------------------------------------

def run_training(ctx: Context, config_key: str, dataset_id: str, *, run_id: str | None = None,
                 init: str = "champion", progress=None) -> TrainStageResult:
    """Train a candidate on a dataset (from the champion, or from scratch when there is none or
    ``init="scratch"``), publish it and register it. Resumable: the same ``run_id`` continues."""
    from engine.data.augment import augment
    from engine.db import (
        ModelRow,
        TrainingRunRow,
        abandon_training_runs,
        claim_training_run,
        finish_training_run,
        register_model,
        start_training_run,
    )
    from engine.nn.checkpoint import load_checkpoint
    from engine.nn.network import NetworkArch
    from engine.training import TrainingRun, train

    from .owner import process_tag, tag_alive

    t0 = time.perf_counter()
    board, n = parse_config_key(config_key)
    if init not in ("champion", "scratch"):
        raise StageError(f"training init {init!r}: champion or scratch")
    champ = champion(ctx, config_key) if init == "champion" else None
    start_from = champ[0] if champ else "scratch"
    run_id = run_id or training_run_id(config_key, dataset_id, start_from, config_fingerprint(ctx.cfg, "train"))
    train_paths, val_paths, meta = dataset_chunks(ctx.store, dataset_id, ctx.cache_dir)
    init_ck = load_model(ctx.store, champ[1]) if champ else None
    arch = None if init_ck else NetworkArch.from_size(board, n, ctx.cfg.network.size_of())
    if init_ck is None:
        log.info("training %s: no champion to start from -> from scratch (%s network)", config_key,
                 ctx.cfg.network.size)
    cfg = ctx.cfg.training
    done = _finished_training(ctx, config_key, run_id, t0)
    if done is not None:
        return done
    owner = process_tag()
    with ctx.db.session() as s:
        gone = abandon_training_runs(s, config_key, lambda tag: tag_alive(tag) is False, keep=run_id)
        if not start_training_run(s, TrainingRunRow(run_id=run_id, config_key=config_key, init_from=start_from,
                                                    hyperparameters=stage_config(ctx.cfg, "train"),
                                                    dataset_id=dataset_id, host=owner)):
            claim_training_run(s, run_id, owner)  # a rerun resumes the run (its directory's checkpoint)
    for g in gone:
        log.warning("training %s: run %s was left running by a process that is gone: marked abandoned", config_key, g)

    def on_step(line: dict) -> None:
        if progress is not None:
            progress(line)
        if line.get("step") == cfg.checkpoint_every + 1:
            pause_point("train")  # test hook: a checkpoint exists, the run is not finished
    try:
        run_dir = safe_join(ctx.work_dir / "runs", f"{config_key}-{run_id}", kind="training run")
        res = train(TrainingRun(train_paths, val_paths, run_dir, arch=arch, init=init_ck, dataset=dataset_id,
                                run_id=run_id, device=ctx.cfg.network.device, augment_fn=augment),
                    cfg, progress_cb=on_step)
    except Exception as e:
        with ctx.db.session() as s:
            finish_training_run(s, run_id, status="failed", metrics={"error": redact_exception(e)})
        raise
    ck = load_checkpoint(res.checkpoint)
    calibration = None
    val_paths = list(res.val_chunks) or val_paths  # games the trainer held out when the dataset had none
    if val_paths:
        from engine.training import CalibrationTracker, ValueCalibrator

        c = ctx.cfg.calibration
        report = ValueCalibrator.from_network(ck, val_paths, seats=c.seats, weight_by_count=c.weight_by_count,
                                              device="cpu", bins=c.bins, objective=c.objective).report()
        CalibrationTracker(ctx.cfg.local_path(c.history)).record(generation_of(ctx, config_key), report,
                                                                  model_id=ck.model_id, config_key=config_key)
        calibration = report.to_json()
    stem = res.checkpoint
    mid = publish_model(ctx.store, stem.with_name(stem.name + ".safetensors").read_bytes(),
                        stem.with_name(stem.name + ".json").read_bytes(), ck.meta)
    ident = ck.meta.identity
    with ctx.db.session() as s:
        register_model(s, ModelRow(model_id=ident.model_id, weights_sha256=ident.weights_sha256,
                                   arch_hash=ident.arch_hash, encoder_version=ident.encoder_version,
                                   config_key=config_key, arch=ck.net.arch.to_dict(),
                                   parent_model_id=ck.meta.lineage.parent, dataset_id=dataset_id,
                                   training_run_id=run_id, checkpoint_uri=f"manifests/{mid}.json",
                                   metrics={"best_val": res.best_val, "steps": res.steps,
                                            "ece": calibration.get("ece") if calibration else None}))
        finish_training_run(s, run_id, metrics={"best_val": res.best_val, "steps": res.steps,
                                                "model_id": ident.model_id, "stopped": res.stopped,
                                                "val_history": list(res.val_history)})
    log.info("training %s: model %s (%s, %d steps, best val %.4f)", config_key, ident.model_id[:12], res.init,
             res.steps, res.best_val or float("nan"))
    return TrainStageResult(config_key, run_id, ident.model_id, mid, res.init, res.steps, res.stopped, res.best_val,
                            tuple(res.val_history), calibration, seconds=time.perf_counter() - t0)


def _finished_training(ctx: Context, config_key: str, run_id: str, t0: float) -> TrainStageResult | None:
    """The result of run ``run_id`` when it finished and registered its model (a rerun)."""
    from engine.db import get_model, get_training_run

    with ctx.db.session(write=False) as s:
        run = get_training_run(s, run_id)
        m = (run.metrics or {}) if run is not None and run.status == "finished" else {}
        model = get_model(s, m["model_id"]) if m.get("model_id") else None
    if model is None or not model.checkpoint_uri:
        return None
    log.info("training %s: run %s finished before: model %s", config_key, run_id, model.model_id[:12])
    return TrainStageResult(config_key, run_id, model.model_id, model_manifest_of(ctx.db, model.model_id),
                            f"reused:{run.init_from}", int(m.get("steps", 0)), str(m.get("stopped", "")),
                            m.get("best_val"), tuple(m.get("val_history", ())), None,
                            seconds=time.perf_counter() - t0)


# -- evaluation ------------------------------------------------------------------------------------

def _store_matches(ctx: Context, records) -> int:
    from engine.db import MatchRow, MatchSeat, record_matches

    rows = []
    with ctx.db.session() as s:
        for r in records:
            seats = []
            n = len(r.seats)
            for i, (sid, rank) in enumerate(r.seats):
                # per-seat score from the ranks: 1 for first alone, shared ranks share (0 for last)
                better = sum(1 for _, q in r.seats if q > rank) + 0.5 * (sum(1 for _, q in r.seats if q == rank) - 1)
                seats.append(MatchSeat(seat=i + 1, player_spec_id=sid, rank=rank, score=better / (n - 1)))
            rows.append(MatchRow(match_id=r.match_id, config_key=r.config_key, source=r.source, seats=tuple(seats),
                                 run_id=r.run_id, details={"moves": r.moves, "victory_reason": r.victory_reason,
                                                           "game_index": r.game_index, "seed": r.seed}))
        new, _ = record_matches(s, rows)
    return new


def _recorded_matches(ctx: Context, config_key: str, source: str, run_id: str) -> dict:
    """The match log's games of one gauntlet or promotion run as ``{match_id: MatchRecord}``: a
    rerun after a crash continues from them instead of playing them again."""
    from engine.db import matches_for
    from engine.evaluation.records import MatchRecord

    with ctx.db.session(write=False) as s:
        rows = matches_for(s, config_key, source=source, run_id=run_id)
    out = {}
    for m in rows:
        d = dict(m.details or {})
        out[m.match_id] = MatchRecord(
            match_id=m.match_id, config_key=m.config_key, seats=tuple((x.player_spec_id, x.rank) for x in m.seats),
            source=m.source, run_id=m.run_id or run_id, game_index=int(d.get("game_index", 0)),
            moves=int(d.get("moves", 0)), victory_reason=d.get("victory_reason"),
            created_at=m.created_at.isoformat() if m.created_at else "", seed=d.get("seed"))
    return out


def _register_specs(ctx: Context, specs) -> None:
    from engine.db import upsert_player_spec

    with ctx.db.session() as s:
        for sp in specs:
            sid = upsert_player_spec(s, sp.identity(), label=sp.name)
            assert sid == sp.spec_id, "spec ids of engine.evaluation and engine.db must agree"


def run_gauntlet_stage(ctx: Context, config_key: str, model_id: str, *, run_id: str | None = None,
                       games_per_opponent: int | None = None, seed: int = 0, progress=None) -> GauntletStageResult:
    """The candidate against the config's ladder (and earlier champions); results into the match log.
    ``progress(games_done, games_total)`` after every game."""
    from engine.db import list_models
    from engine.evaluation import EvaluatorCache, default_ladder, run_gauntlet

    t0 = time.perf_counter()
    cand = _search_spec(ctx, model_id, f"candidate-{model_id[:8]}")
    with ctx.db.session(write=False) as s:
        champs = [m.model_id for m in list_models(s, config_key, role="champion")]
        champs += [m.model_id for m in list_models(s, config_key, role="retired", limit=ctx.cfg.gauntlet.champions)]
    champs = [c for c in champs if c != model_id][:ctx.cfg.gauntlet.champions]
    champ_specs = [_search_spec(ctx, c, f"champion-{c[:8]}") for c in champs]
    opponents = default_ladder(ctx.cfg.gauntlet, champions=champ_specs)
    _register_specs(ctx, [cand, *opponents])
    run_id = run_id or identity("gauntlet", config_key, model_id, [o.spec_id for o in opponents], games_per_opponent,
                                seed, config_fingerprint(ctx.cfg, "gauntlet"))
    per = games_per_opponent if games_per_opponent is not None else ctx.cfg.gauntlet.games_per_opponent
    n = parse_config_key(config_key)[1]
    total = len(opponents) * -(-per // n) * n  # colour-balanced blocks of n games per opponent
    # a rerun continues from the match log: the games it has are not played again
    done = _recorded_matches(ctx, config_key, "gauntlet", run_id)
    played = [len(done)]

    def on_result(_r) -> None:
        played[0] += 1
        if progress is not None:
            progress(played[0], total)
        pause_point("gauntlet")

    rep = run_gauntlet(cand, config_key, opponents, settings=ctx.cfg.gauntlet, games_per_opponent=games_per_opponent,
                       evaluators=EvaluatorCache(_model_loader(ctx)), seed=seed, run_id=run_id, on_result=on_result,
                       done=done, on_record=lambda rec: _store_matches(ctx, [rec]))
    if not rep.records:
        raise StageError(f"gauntlet {config_key} {model_id[:12]}: no game was played")
    _store_matches(ctx, rep.records)  # idempotent; stores nothing new unless a game's own write failed
    log.info("%s", rep.format())
    return GauntletStageResult(config_key, model_id, rep.run_id, rep.to_rows(), rep.format(), len(rep.records),
                               rep.played, seconds=time.perf_counter() - t0)


def run_promotion_stage(ctx: Context, config_key: str, model_id: str, *, run_id: str | None = None,
                        seed: int = 0, progress=None) -> PromotionStageResult:
    """SPRT of the candidate against the champion (against ``random`` before the first champion);
    on accept the champion pointer moves by compare-and-swap and the history records it.

    Resumable: the decision is recorded before the pointer moves, so a rerun after a crash finds
    it (a candidate already decided against the same champion is not tested again) and finishes
    what is missing (the pointer, the database's champion)."""
    from engine.db import PromotionRow, get_model, list_promotions
    from engine.evaluation import EvaluatorCache, run_promotion
    from engine.nn import ENCODER_VERSION

    t0 = time.perf_counter()
    with ctx.db.session(write=False) as s:
        row = get_model(s, model_id)
        earlier = [p for p in list_promotions(s, config_key) if p.candidate_model_id == model_id]
    if row is None:
        raise StageError(f"promotion {config_key}: model {model_id} is not in the registry")
    if row.config_key != config_key:
        raise StageError(f"promotion {config_key}: model {model_id[:12]} is for {row.config_key}")
    if row.encoder_version != ENCODER_VERSION:
        raise StageError(f"promotion {config_key}: model {model_id[:12]} uses encoder {row.encoder_version!r}, "
                         f"this code {ENCODER_VERSION!r}")
    champ = champion(ctx, config_key)
    current = champ[0] if champ else None
    ptr = ctx.store.read_pointer(champion_pointer_name(config_key))
    moved_by = ptr.metadata.get("run_id") if ptr is not None else None

    def decided(p) -> bool:
        if current == model_id:  # champion by this very decision (a rerun after the pointer moved)
            return p.decision == "promote" and p.promotion_id == moved_by
        return p.champion_model_id == current  # tested against the present champion already

    done = next((p for p in earlier if decided(p)), None)
    if done is not None:
        return _finish_promotion(ctx, done, time.perf_counter() - t0)
    if current == model_id:
        raise StageError(f"promotion {config_key}: {model_id[:12]} is already the champion")
    cand = _search_spec(ctx, model_id, f"candidate-{model_id[:8]}")
    opp = _search_spec(ctx, current, f"champion-{current[:8]}") if current else RANDOM_SPEC
    _register_specs(ctx, [cand, opp])
    run_id = run_id or identity("promotion", config_key, model_id, opp.spec_id, seed,
                                config_fingerprint(ctx.cfg, "promotion"))
    def on_block(sprt) -> None:
        if progress is not None:
            progress(sprt)  # the SPRT after each counted block: games, LLR, decision
        pause_point("promotion")

    # each block is stored as the SPRT counts it, so a rerun continues the test from the match log;
    # only counted games are stored (the promotion row's games, W/D/L): the rest of the last batch
    # were played after the decision and would make the match log disagree with the row
    res = run_promotion(cand, opp, config_key, ctx.cfg.promotion, evaluators=EvaluatorCache(_model_loader(ctx)),
                        seed=seed, run_id=run_id, on_block=on_block,
                        done=_recorded_matches(ctx, config_key, "promotion", run_id),
                        on_counted=lambda recs: _store_matches(ctx, recs))
    if res.counted_games == 0:
        raise StageError(f"promotion {config_key}: no game was counted")
    sprt = res.sprt.to_json()
    decision = {"accept": "promote", "reject": "reject"}.get(res.decision, "inconclusive")
    pr = ctx.cfg.promotion
    prow = PromotionRow(config_key=config_key, candidate_model_id=model_id, champion_model_id=current,
                        decision=decision, llr=float(sprt.get("llr", 0.0)), lower_bound=float(sprt.get("lower", 0.0)),
                        upper_bound=float(sprt.get("upper", 0.0)), elo0=pr.elo0, elo1=pr.elo1,
                        games=res.counted_games, wins=res.wins, draws=res.draws, losses=res.losses, alpha=pr.alpha,
                        beta=pr.beta, details=sprt, promotion_id=res.run_id)
    from engine.db import record_promotion

    publish_once(ctx.store, promotion_pointer_name(config_key, prow.promotion_id), model_manifest_of(ctx.db, model_id),
                 {k: v for k, v in asdict(prow).items() if k != "created_at"})
    with ctx.db.session() as s:
        record_promotion(s, prow)
    return _finish_promotion(ctx, prow, time.perf_counter() - t0)


def _finish_promotion(ctx: Context, p, seconds: float) -> PromotionStageResult:
    """Carry a recorded decision out (idempotent): on ``promote`` the store's champion pointer
    moves by compare-and-swap from the champion it was tested against, then the database's;
    otherwise the candidate is marked rejected."""
    from engine.db import current_champion, set_champion, set_model_role
    from engine.storage import PointerConflict

    ck, model_id, vs_id = p.config_key, p.candidate_model_id, p.champion_model_id
    vs = f"champion {vs_id[:12]}" if vs_id else "random (no champion yet)"
    pname = champion_pointer_name(ck)
    if p.decision == "promote":
        cur = ctx.store.read_pointer(pname)
        cur_model = ctx.store.get_manifest(cur.target).metadata["model_id"] if cur else None
        if cur_model != model_id:
            if cur_model != vs_id:
                raise StageError(f"promotion {ck}: the champion moved while the candidate was evaluated (now "
                                 f"{(cur_model or '-')[:12]}, tested against {(vs_id or '-')[:12]}); rerun the "
                                 "promotion against the new champion")
            try:
                ctx.store.swap_pointer(pname, model_manifest_of(ctx.db, model_id), expected=cur,
                                       metadata={"model_id": model_id, "run_id": p.promotion_id})
            except PointerConflict as e:
                raise StageError(f"promotion {ck}: the champion moved while the candidate was evaluated ({e}); "
                                 "rerun the promotion against the new champion") from None
        with ctx.db.session() as s:
            if current_champion(s, ck) != model_id:
                set_champion(s, ck, model_id, previous=vs_id, reason=f"SPRT accept vs {vs}", decided_by=p.promotion_id)
        reason = f"SPRT accepted H1 (+{p.elo1:g} Elo) vs {vs} after {p.games} games"
    else:
        with ctx.db.session() as s:
            set_model_role(s, model_id, "rejected")
        reason = (f"SPRT {p.decision} vs {vs} after {p.games} games "
                  f"(W/D/L {p.wins}/{p.draws}/{p.losses}, LLR {p.llr:.2f})")
    log.info("promotion %s: %s", ck, reason)
    decision = {"promote": "accept", "reject": "reject"}.get(p.decision, "inconclusive")
    return PromotionStageResult(ck, model_id, vs_id, p.promotion_id, decision, p.decision == "promote",
                                dict(p.details or {}), p.wins, p.draws, p.losses, p.games, reason, seconds=seconds)


def rollback(ctx: Context, config_key: str, to_model: str | None = None):
    """Move the champion back to ``to_model`` (default: the previous champion)."""
    from engine.db import set_champion

    pname = champion_pointer_name(config_key)
    cur = ctx.store.read_pointer(pname)
    if cur is None:
        raise StageError(f"rollback {config_key}: there is no champion")
    cur_model = ctx.store.get_manifest(cur.target).metadata["model_id"]
    if to_model is None:
        hist = [p for p in ctx.store.pointer_history(pname) if p.target != cur.target]
        if not hist:
            raise StageError(f"rollback {config_key}: no earlier champion to go back to")
        target = hist[-1].target
        to_model = ctx.store.get_manifest(target).metadata["model_id"]
    else:
        target = model_manifest_of(ctx.db, to_model)
    ctx.store.swap_pointer(pname, target, expected=cur, metadata={"model_id": to_model, "rollback_from": cur_model})
    with ctx.db.session() as s:
        return set_champion(s, config_key, to_model, previous=cur_model, reason=f"rollback from {cur_model[:12]}")


# -- one generation (in process) -------------------------------------------------------------------

def generation(ctx: Context, config_key: str, *, games: int | None = None, seed: int = 0,
               batches: int | None = None) -> GenerationResult:
    """selfplay -> export -> train -> gauntlet -> promotion for one config, in this process."""
    t0 = time.perf_counter()
    sps = []
    for b in range(batches or ctx.cfg.loop.selfplay_batches):
        sps.append(run_selfplay(ctx, config_key, games, seed=seed * 1000 + b))
    ex = run_export(ctx, config_key)
    if not ex.ok:
        return GenerationResult(config_key, tuple(sps), ex, None, None, None, time.perf_counter() - t0)
    tr = run_training(ctx, config_key, ex.dataset_id)
    ga = run_gauntlet_stage(ctx, config_key, tr.model_id, seed=seed)
    pr = run_promotion_stage(ctx, config_key, tr.model_id, seed=seed)
    return GenerationResult(config_key, tuple(sps), ex, tr, ga, pr, time.perf_counter() - t0)


# -- sync, prune, status ---------------------------------------------------------------------------

def run_sync(ctx: Context, remote_url: str | None = None, *, pointers: list[str] | None = None):
    """Mirror the champions (and what they reference) of the shared store into this host's cache
    store (``storage.cache_dir``); ``remote_url`` defaults to the configured store."""
    from engine.storage import open_store, sync_store

    st = ctx.cfg.storage
    remote = ctx.store if remote_url is None else open_store(remote_url, s3_endpoint_url=st.s3_endpoint_url,
                                                            s3_region=st.s3_region)
    local = open_store(str(ctx.cache_dir / "mirror"))
    names = pointers if pointers is not None else [p for p in remote.list_pointers() if p.startswith("champion/")]
    return sync_store(remote, local, pointers=names)


def run_prune(ctx: Context, *, dry_run: bool = True, grace_seconds: float | None = None):
    """Delete what no pointer (current or past), recent dataset or the last K candidates reference."""
    from engine.db import list_datasets, list_models
    from engine.storage import DEFAULT_GRACE_SECONDS, prune

    keep: set[str] = set()
    with ctx.db.session(write=False) as s:
        for ck in _known_configs(ctx):
            for m in list_models(s, ck, limit=ctx.cfg.loop.keep_candidates):
                if m.checkpoint_uri:
                    keep.add(m.checkpoint_uri.rsplit("/", 1)[-1].removesuffix(".json"))
            for d in list_datasets(s, ck, limit=2):
                keep.add(d.dataset_id)
    return prune(ctx.store, keep_manifests=keep, dry_run=dry_run,
                 grace_seconds=DEFAULT_GRACE_SECONDS if grace_seconds is None else grace_seconds)


def _known_configs(ctx: Context) -> list[str]:
    from engine.nn import CONFIGS

    return [f"{b}_{n}p" for b, n in CONFIGS]


@dataclass(frozen=True)
class ConfigStatus:
    config_key: str
    champion: str | None
    champion_since: str | None
    rating: float | None
    games: int
    games_since_training: int
    last_dataset: str | None
    last_promotion: str | None


def _match_log_rating(session, config_key: str, spec_id: str) -> float | None:
    """``spec_id``'s Elo fitted over every match row of the config (random = 0); None when it
    played no game. Nothing saves rating snapshots in the loop, so the match log is the source."""
    from engine.db import matches_for
    from engine.evaluation import MatchRecord, fit_ratings

    rows = matches_for(session, config_key)
    if not any(seat.player_spec_id == spec_id for r in rows for seat in r.seats):
        return None
    recs = [MatchRecord(match_id=r.match_id, config_key=r.config_key,
                        seats=tuple((seat.player_spec_id, seat.rank) for seat in r.seats), source=r.source,
                        run_id=r.run_id or "", game_index=0, moves=int((r.details or {}).get("moves", 0) or 0),
                        victory_reason=(r.details or {}).get("victory_reason"), created_at="") for r in rows]
    table = fit_ratings(recs, config_key=config_key)
    return float(table[spec_id].elo) if spec_id in table else None


def loop_status(ctx: Context, configs: list[str] | None = None) -> list[ConfigStatus]:
    """Per config: champion, its rating, games stored, games since the last training."""
    from engine.db import count_games, games_since, latest_ratings, list_datasets, list_promotions, pointer_history

    out = []
    with ctx.db.session(write=False) as s:
        for ck in configs or _known_configs(ctx):
            total = count_games(s, ck)
            ch = champion(ctx, ck)
            hist = pointer_history(s, f"champion/{ck}", limit=1)
            ds = list_datasets(s, ck, limit=1)
            used = set(ds[0].lineage.get("shards", [])) if ds else set()
            since = total if not ds else sum(1 for g in games_since(s, ck) if g.shard_id not in used)
            rating = None
            if ch:
                spec_id = _search_spec(ctx, ch[0], "").spec_id
                rating = _match_log_rating(s, ck, spec_id)
                if rating is None:
                    rating = next((r.rating for r in latest_ratings(s, ck) if r.player_spec_id == spec_id), None)
            pr = list_promotions(s, ck, limit=1) if total else []
            out.append(ConfigStatus(ck, ch[0] if ch else None, str(hist[-1].created_at) if hist else None, rating,
                                    total, since, ds[0].dataset_id if ds else None,
                                    pr[0].decision if pr else None))
    return out
