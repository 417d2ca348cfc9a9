"""The selfplay stage: a batch of games published as one shard and ingested into the database.

Idempotent by batch id: a batch already published (pointer ``batches/<config>/<batch id>``) is
returned as it is, its shard ingested if a crash came between the two. The players come from
``PlayerSpec``s: the champion's Gumbel search at the self-play budget (``selfplay.simulations``,
``selfplay.max_considered``), its moves drawn at the scheduled temperature, or the heuristic or
random player before there is a champion.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from engine.data import generate_games, record_from_match, write_shard
from engine.data.bootstrap import bootstrap_games
from engine.data.ingest import IngestReport, ShardSource, aggregate_jsonl_to_db
from engine.db import get_shard
from engine.evaluation.settings import parse_config_key
from engine.names import safe_join
from engine.players import EvaluatorCache, GumbelPlayer, PlayerSpec, make_player, play_lockstep
from engine.storage import Manifest, ManifestEntry, PointerConflict

from ..artifacts import batch_pointer_name, fetch_object
from ..context import Context
from ..hooks import pause_point
from ..identity import config_fingerprint, resolve_engine, selfplay_batch_id
from .champion import champion, generation_of
from .players import model_loader, search_spec
from .results import SelfplayResult, StageError

log = logging.getLogger("ringrift.loop")

# the name self-play records carry for the champion's player (the search kind, as before specs)
SELFPLAY_LABEL = "gumbel"


class ScheduledGumbel(GumbelPlayer):
    """A Gumbel player whose move is drawn from its improved policy at the scheduled temperature
    (``selfplay.temperature``: exploratory openings, the search's own choice later)."""
    def __init__(self, *args, scheduler, generation: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scheduler = scheduler
        self.generation = int(generation)

    def search(self, state):
        move = yield from super().search(state)
        st = self.last_stats
        i = self.scheduler.choose(st, state.move_count, self.generation, self.rng)
        if i != st.chosen:
            self.last_stats = replace(st, chosen=i)
            move = st.moves[i]
        return move

    def spec(self) -> dict:
        return super().spec() | {"temperature": self.scheduler.to_json(), "generation": self.generation}


def selfplay_spec(ctx: Context, model_id: str, simulations: int | None = None) -> PlayerSpec:
    """The spec of a self-play player: ``model_id``'s search at the self-play budget."""
    return search_spec(ctx, model_id, SELFPLAY_LABEL, simulations=simulations)


def run_selfplay(ctx: Context, config_key: str, games: int | None = None, *, seed: int = 0,
                 batch_id: str | None = None, engine: str | None = None, simulations: int | None = None,
                 progress=None) -> SelfplayResult:
    """Play a batch of games, publish them as one shard, ingest them. Idempotent by ``batch_id``:
    a batch already published is returned as it is (pointer ``batches/<config>/<batch id>``)."""
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
    done = selfplay_result(ctx, config_key, batch_id)
    if done is not None:
        with ctx.db.session(write=False) as s:
            known = get_shard(s, done.shard_id) is not None
        rep = IngestReport() if known else ingest_shards(ctx, [done.shard_id], {done.shard_id: f"selfplay:{batch_id}"})
        return replace(done, inserted=rep.inserted, quarantined=rep.quarantined, seconds=time.perf_counter() - t0)
    namespace = f"selfplay:{batch_id}"
    if kind == "heuristic":
        bs = sp.bootstrap  # generation 0's recipe (docs/TRAINING.md, "Recipe")
        records = bootstrap_games(board, n, bs.games or games, seed=seed, profile=bs.profile, plies=bs.plies,
                                  temperature=bs.temperature, epsilon=bs.epsilon, mistakes=bs.mistakes,
                                  target=bs.target, max_moves=sp.max_moves, namespace=namespace, workers=sp.workers)
    elif kind == "random":
        records = generate_games(board, n, [kind] * n, games, seed=seed, max_moves=sp.max_moves,
                                 namespace=namespace, workers=sp.workers)
    elif kind == "gumbel":
        # torch (through the trainer's package): loaded only when a network plays
        from engine.training import TemperatureScheduler

        spec = selfplay_spec(ctx, model_id, simulations)
        evaluators = EvaluatorCache(model_loader(ctx))
        scheduler = TemperatureScheduler(sp.temperature)
        generation = generation_of(ctx, config_key)

        def make(g: int):
            return [make_player(spec, seed * 1000 + g * 10 + i, evaluators, player_class=ScheduledGumbel,
                                scheduler=scheduler, generation=generation) for i in range(n)]
        run = play_lockstep(board, n, make, games, seed=seed, max_moves=sp.max_moves,
                            concurrency=sp.concurrency or None, workers=sp.workers,
                            on_result=(lambda r: progress(r)) if progress is not None else None)
        records = [record_from_match(r, max_moves=sp.max_moves, namespace=namespace) for r in run.results]
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
        ctx.store.swap_pointer(batch_pointer_name(config_key, batch_id), mid, expected=None)
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


def selfplay_result(ctx: Context, config_key: str, batch_id: str) -> SelfplayResult | None:
    """The published batch ``batch_id`` as its manifest describes it (None: not published);
    ``inserted`` and ``quarantined`` are 0, since reading it ingests nothing."""
    p = ctx.store.read_pointer(batch_pointer_name(config_key, batch_id))
    if p is None:
        return None
    man = ctx.store.get_manifest(p.target)
    md = man.metadata
    return SelfplayResult(config_key, batch_id, man.entries[0].sha256, p.target, md["games"], md["decisions"],
                          md["engine"], md.get("model_id"), 0, 0, reused=True)


def ingest_shards(ctx: Context, shard_ids: list[str], producers: dict[str, str] | None = None):
    """(Re-)ingest shards of the store into the database (idempotent); ``producers`` names the
    producer of a shard (``selfplay:<batch id>``) where it is known."""
    producers = producers or {}
    return aggregate_jsonl_to_db(ctx.db, [ShardSource(fetch_object(ctx.store, s, ctx.cache_dir, "shard.jsonl.zst"), s,
                                                      f"{ctx.store.url}#{s}", producers.get(s)) for s in shard_ids])
