"""The ``selfplay`` flow: the shadow-contract check, then many game batches fanned out as tasks,
then ``ringrift.games.committed``.

    prefect deployment run 'selfplay/square8-2p' --param games=200
"""

from __future__ import annotations

from prefect import flow
from prefect.futures import wait

from engine.loop import SelfplayStageResult, champion
from engine.loop.identity import config_fingerprint, resolve_engine
from engine.loop.recover import first_unpublished
from tasks import artifacts, events
from tasks.common import configured, forge_context
from tasks.maintenance import loop_snapshot
from tasks.selfplay import check_contracts, selfplay_batch
from tasks.settings import flow_timeout

from ._common import batch_plan, check_config_key, forge_config, guard_crash_retries, run_logger, run_seed


def selfplay_plan(config_key: str, games: int | None = None, batch_games: int | None = None, engine: str = "auto",
                  simulations: int | None = None, seed: int = 0, resume: bool = False,
                  cfg=None) -> list[tuple[int, int, str]]:
    """``(games, seed, batch_id)`` per batch of a selfplay run (``batch_plan`` against the present
    champion): what the flow plays, and what the master loop reads back after a deployment's run.
    ``resume``: number the batches from the first one of this plan not yet published."""
    cfg = cfg or forge_config()
    games = int(games or cfg.loop.train_threshold_games)
    batch_games = int(batch_games or cfg.selfplay.games_per_batch)
    ctx = forge_context(cfg)
    champ = champion(ctx, config_key)
    champ_id = champ[0] if champ else None
    first = 0
    if resume:
        first = first_unpublished(ctx, config_key, batch_games=batch_games, seed=seed,
                                  engine=resolve_engine(engine, champ_id), champion=champ_id,
                                  simulations=int(simulations or cfg.selfplay.simulations),
                                  fingerprint=config_fingerprint(cfg, "selfplay"))
    return batch_plan(config_key, games, batch_games, seed, engine, champion=champ_id, simulations=simulations,
                      cfg=cfg, first_index=first)


def selfplay_stage(config_key: str, games: int | None = None, batch_games: int | None = None, engine: str = "auto",
                   simulations: int | None = None, seed: int | None = None, chain: bool = True,
                   resume: bool = False) -> SelfplayStageResult:
    """The selfplay flow's body (also run inline by the legacy master loop).

    Each batch is a task: a shard in the store, its games in the database. ``resume``: number the
    batches from the first one of this plan not yet published (the master loop continuing a
    generation); otherwise from 0, so the same command with the same seed reuses its batches."""
    check_config_key(config_key)
    cfg = forge_config()
    log = run_logger()
    games = int(games or cfg.loop.train_threshold_games)
    batch_games = int(batch_games or cfg.selfplay.games_per_batch)
    seed = run_seed(seed, "selfplay", config_key)
    check_contracts()
    plan = selfplay_plan(config_key, games, batch_games, engine, simulations, seed, resume, cfg)
    log.info("selfplay %s: %d games in %d batches of up to %d (engine %s, seed %d)", config_key, games, len(plan),
             batch_games, engine, seed)
    play = configured(selfplay_batch, "selfplay", cfg)
    futures = [play.submit(config_key, g, s, b, engine, simulations) for g, s, b in plan]
    wait(futures)
    results = [f.result() for f in futures]  # raises the first failure after every batch has ended
    artifacts.selfplay_table(config_key, results)
    (st,) = loop_snapshot([config_key])
    thr = int(cfg.loop.train_threshold_games)
    total = sum(r.games for r in results)
    inserted = sum(r.inserted for r in results)
    events.games_committed(config_key, games=total, inserted=inserted, games_since_training=st.games_since_training,
                           threshold=thr, batches=[r.batch_id for r in results], chain=chain)
    log.info("selfplay %s: %d games (%d new), %d since the last training (threshold %d)", config_key, total,
             inserted, st.games_since_training, thr)
    return SelfplayStageResult.of(config_key, seed, results, st.games_since_training, thr)


@flow(name="selfplay", flow_run_name="selfplay-{config_key}", persist_result=True, log_prints=True,
      timeout_seconds=flow_timeout("selfplay"))
def selfplay_flow(config_key: str = "square8_2p", games: int | None = None, batch_games: int | None = None,
                  engine: str = "auto", simulations: int | None = None, seed: int | None = None,
                  chain: bool = True, resume: bool = False) -> SelfplayStageResult:
    """Play ``games`` games of ``config_key`` (default: the training threshold) in batches of
    ``batch_games`` (default ``selfplay.games_per_batch``), one task per batch; then emit
    ``ringrift.games.committed``. ``engine``: auto (the champion network with Gumbel search, the
    heuristic until a champion exists), heuristic, gumbel, random. ``seed``: default derived from
    the flow run (a retry replays the same batches). ``chain``: let the automations start the
    training when the threshold is reached."""
    guard_crash_retries()
    return selfplay_stage(config_key, games, batch_games, engine, simulations, seed, chain, resume)
