"""Analysis and operations: game statistics, the Elo trend, replay parity, the health check, the
watchdog and the worker launcher. Library code over the database, the artifact store and the
Prefect API; the ``ringrift`` subcommands (stats, elo-trend, parity, health, watchdog, worker) and
the flows call these.

    from engine.analysis import analyze_game_statistics, track_elo_improvement, check_replay_parity
    stats = analyze_game_statistics(db, store=store, configs=["square8_2p"], last=2000)
    print(stats.format()); stats.to_markdown()             # tables; Markdown for a Prefect artifact
    trend = track_elo_improvement(db, out="elo.png")        # ratings per generation + PNG plot
    parity = check_replay_parity(db, store=store, last=50, conformance=True)

    from engine.analysis import health_snapshot, watchdog_pass, worker_commands
    rep = health_snapshot(cfg); print(rep.format()); rep.unhealthy

docs/OPERATIONS.md describes the checks, the watchdog's policy and the worker layout.
"""

from .elo_trend import (
                        EloPoint,
                        EloTrendReport,
                        elo_inputs_from_database,
                        elo_trend_from_records,
                        match_record_of,
                        plot_elo_trend,
                        track_elo_improvement,
)
from .health import (
                        ChampionInfo,
                        Check,
                        DeploymentRuns,
                        DiskInfo,
                        HealthReport,
                        PoolHealth,
                        gpus_by_host,
                        health_snapshot,
)
from .parity import (
                        ConformanceSummary,
                        GameParity,
                        ParityReport,
                        check_game_parity,
                        check_replay_parity,
                        run_conformance,
)
from .prefect_api import FakeGateway, PoolInfo, PrefectGateway, RunInfo, WorkerInfo
from .settings import HealthSettings, OpsSettings, WatchdogSettings, WorkerSettings, ops_settings
from .sources import StoredGame, load_database_games
from .stats import Distribution, GameStatistics, GroupStats, SearchStats, analyze_game_statistics
from .watchdog import Finding, Watchdog, WatchdogReport, WatchdogState, watchdog_pass
from .workers import WorkerCommand, detect_gpus, run_workers, worker_commands

check_ts_python_replay_parity = check_replay_parity  # the seed's name

__all__ = [
    "ChampionInfo", "Check", "ConformanceSummary", "DeploymentRuns", "DiskInfo", "Distribution", "EloPoint",
    "EloTrendReport", "FakeGateway", "Finding", "GameParity", "GameStatistics", "GroupStats", "HealthReport",
    "HealthSettings", "OpsSettings", "ParityReport", "PoolHealth", "PoolInfo", "PrefectGateway", "RunInfo",
    "SearchStats", "StoredGame", "Watchdog", "WatchdogReport", "WatchdogSettings", "WatchdogState", "WorkerCommand",
    "WorkerInfo", "WorkerSettings", "analyze_game_statistics", "check_game_parity", "check_replay_parity",
    "check_ts_python_replay_parity", "detect_gpus", "elo_inputs_from_database", "elo_trend_from_records",
    "gpus_by_host", "health_snapshot", "load_database_games", "match_record_of", "ops_settings", "plot_elo_trend",
    "run_conformance", "run_workers", "track_elo_improvement", "watchdog_pass", "worker_commands",
]
