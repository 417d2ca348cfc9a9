"""Analysis: game statistics, the Elo trend, replay parity and the health checks of what the engine
owns (store, database, disk, champions). Library code over the database and the artifact store,
with no Prefect; the ``ringrift`` subcommands (stats, elo-trend, parity) and the flows call these.
The Prefect-facing operations (health snapshot, watchdog, workers) are in the top-level ``ops``.

    from engine.analysis import analyze_game_statistics, track_elo_improvement, check_replay_parity
    stats = analyze_game_statistics(db, store=store, configs=["square8_2p"], last=2000)
    print(stats.format()); stats.to_markdown()             # tables; Markdown for a Prefect artifact
    trend = track_elo_improvement(db, out="elo.png")        # ratings per generation + PNG plot
    parity = check_replay_parity(db, store=store, last=50, conformance=True)

    from engine.analysis import probe, check_store
    probe("store", lambda: check_store(cfg), timeout=10)      # Check("store", "ok", "...: readable ...")
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
from .health_checks import (
                        ChampionInfo,
                        Check,
                        DiskInfo,
                        champions,
                        check_database,
                        check_disk,
                        check_store,
                        disk_info,
                        probe,
)
from .parity import (
                        ConformanceSummary,
                        GameParity,
                        ParityReport,
                        check_game_parity,
                        check_replay_parity,
                        run_conformance,
)
from .sources import StoredGame, load_database_games
from .stats import Distribution, GameStatistics, GroupStats, SearchStats, analyze_game_statistics

check_ts_python_replay_parity = check_replay_parity  # the seed's name

__all__ = [
    "ChampionInfo", "Check", "ConformanceSummary", "DiskInfo", "Distribution", "EloPoint", "EloTrendReport",
    "GameParity", "GameStatistics", "GroupStats", "ParityReport", "SearchStats",
    "StoredGame", "analyze_game_statistics", "champions", "check_database",
    "check_disk", "check_game_parity", "check_replay_parity", "check_store", "check_ts_python_replay_parity",
    "disk_info", "elo_inputs_from_database", "elo_trend_from_records", "load_database_games", "match_record_of",
    "plot_elo_trend", "probe", "run_conformance", "track_elo_improvement",
]
