"""Suite-wide hooks.

Summary tables: a test adds a row with

    record_property("summary_table", {"title": "...", "columns": [...], "row": [...], "sum": True})

and the rows of every table are printed at the end of the run, in the terminal summary (also
under pytest-xdist: user properties travel with the reports to the controller). With
``"sum": True`` the numeric columns are summed per value of the first column, plus a total row.
"""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _restore_ringrift_environment():
    """The CLI exports ``RINGRIFT_CONFIG_PATH`` (``--config``) for what it runs next; called in
    process by a test, that would leak into every later test of the worker. Restore the
    ``RINGRIFT_*`` variables as they were before each test (a session or module fixture's
    settings were made before this snapshot and stay)."""
    before = {k: v for k, v in os.environ.items() if k.startswith("RINGRIFT_")}
    yield
    for k in [k for k in os.environ if k.startswith("RINGRIFT_") and k not in before]:
        del os.environ[k]
    os.environ.update(before)


def _summary_tables(stats) -> dict[str, dict]:
    tables: dict[str, dict] = {}
    for reports in stats.values():
        for rep in reports:
            if getattr(rep, "when", None) != "call":
                continue
            for name, value in getattr(rep, "user_properties", None) or ():
                if name == "summary_table" and isinstance(value, dict):
                    t = tables.setdefault(value["title"], {"columns": list(value["columns"]), "rows": [],
                                                           "sum": bool(value.get("sum"))})
                    t["rows"].append(list(value["row"]))
    return tables


def _summed(rows: list[list]) -> list[list]:
    groups: dict[str, list] = {}
    for row in rows:
        acc = groups.setdefault(str(row[0]), [str(row[0])] + [0] * (len(row) - 1))
        for i, v in enumerate(row[1:], 1):
            acc[i] += int(v)
    out = [groups[k] for k in sorted(groups)]
    return out + [["total"] + [sum(r[i] for r in out) for i in range(1, len(rows[0]))]]


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for title, t in _summary_tables(terminalreporter.stats).items():
        rows = _summed(t["rows"]) if t["sum"] else t["rows"]
        cells = [t["columns"]] + [[str(c) for c in r] for r in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(t["columns"]))]
        terminalreporter.write_sep("=", title)
        for j, r in enumerate(cells):
            terminalreporter.write_line("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
            if j == 0:
                terminalreporter.write_line("|" + "|".join("-" * (w + 2) for w in widths) + "|")


# -- the quick tier ---------------------------------------------------------------------------------
# `bash scripts/test.sh -m "not slow"` runs the suite without the tests marked `slow`: under 90 s on
# 2 cores. Long tests are marked here, in one place, so that the tier is defined (and reviewed) as a
# whole; a module may still mark its own with @pytest.mark.slow. CI runs everything.
# tests/test_quick_tier.py checks that every entry still names a test.

# A test that uses one of these fixtures is slow: the fixture starts a server.
SLOW_FIXTURES = {
    "prefect_server": "a Prefect test server per worker (10-15 s to start)",
    "deployed": "a Prefect test server with every deployment applied",
    "sqlite_server": "a `prefect server start` process",
    "pg_server": "a `prefect server start` process on PostgreSQL",
    "server": "a `prefect server start` process",
    "trained_candidate": "selfplay, export and a training, once per session (tests/loop/stages)",
}

# node id (with parameters: that variant; without: every variant) -> why it is slow (times measured on a busy 2-core
# machine with --durations; see README, "Quick start")
SLOW_TESTS = {
    "tests/game/test_properties.py::test_random_games_big_boards": "complete games on the big boards (25-100 s each)",
    "tests/game/test_properties.py::test_random_games_small_boards": "8-10 complete checked games per config (9-25 s)",
    "tests/training/test_trainer.py::test_trains_from_scratch_and_writes_metrics": "a full training run",
    "tests/training/test_trainer.py::test_early_stop": "trains until the patience runs out",
    "tests/training/test_trainer.py::test_killed_run_resumes_to_the_same_weights": "a training run killed and resumed",
    "tests/training/test_curriculum.py::test_an_interrupted_stage_resumes_to_the_same_weights": "two training runs",
    "tests/training/test_curriculum.py::test_stages_chain_and_a_rerun_skips_finished_stages": "two stages trained",
    "tests/training/test_calibration.py::test_from_network_on_real_chunks": "trains a network first",
    "tests/flows/test_pipeline_timeouts.py::test_a_changed_train_timeout_reaches_the_task_the_deployment_and_the_watchdog":
        "imports the flows (Prefect, torch) in a subprocess, as a worker does",
    "tests/storage/test_crash.py::test_sigkill_at_a_random_moment_leaves_no_half_written_state":
        "kills writer processes",
    "tests/storage/test_pointers.py::test_processes_racing_exactly_one_wins": "racing processes",
    "tests/data/test_export.py::test_tiny_torch_training_step": "exports, then trains (43 s)",
    "tests/data/test_export.py::test_kill_9_and_rerun": "kills an export process and reruns it",
    "tests/data/test_export.py::test_samples_equal_replayed_positions": "replays every exported game (21 s)",
    "tests/data/test_export.py::test_gate_failure_writes_nothing": "heuristic games exported (12 s)",
    "tests/data/test_export.py::test_rerun_reuse_conflict_overwrite": "three exports (11 s)",
    "tests/data/test_augment.py::test_transformed_sample_equals_transformed_position": "every symmetry of "
        "every sample against the replayed position (13-20 s per board)",
    "tests/data/test_augment.py::test_augment_random": "augments a whole export (13 s)",
    "tests/loop/test_lock.py::test_the_master_loop_command_refuses_a_home_held_by_another_loop":
        "two `ringrift master-loop` processes (63 s)",
    "tests/loop/test_lock.py::test_a_second_holder_is_refused_and_a_dead_holders_lock_is_taken_over":
        "lock holders in processes (27 s)",
    "tests/loop/test_recover.py::test_a_dataset_is_pending_until_its_candidate_is_decided":
        "selfplay, export, two trainings and a promotion (330 s)",
    "tests/loop/stages/test_generation.py::test_one_generation_and_reruns": "a whole generation, then reruns (42 s)",
    "tests/loop/stages/test_promotion.py::test_promotion_moves_the_pointer_and_rollback_moves_it_back":
        "trains, promotes, plays with the champion, trains and promotes again (420 s)",
    "tests/loop/stages/test_generation.py::test_one_generation_on_s3_and_postgresql":
        "a whole generation on S3 + PostgreSQL",
    "tests/bench/test_training_bench.py::test_training_bench_last_line_is_json": "the training benchmark (200 s)",
    "tests/bench/test_network_bench.py::test_network_bench_last_line_is_json": "the network benchmark (130 s)",
    "tests/bench/test_generations_bench.py::test_generations_bench_last_line_is_json": "generations of the loop (78 s)",
    "tests/bench/test_ladder_bench.py::test_ladder_bench_runs_and_prints_json_last": "a ladder run (59 s)",
    "tests/bench/test_gpu_check.py::test_gpu_check_refuses_cuda_without_a_gpu": "runs the GPU check script (54 s)",
    "tests/bench/test_export_bench.py::test_export_bench_last_line_is_json": "the export benchmark (10 s)",
    "tests/viewer/test_game.py::test_save_game_writes_frames_and_page": "renders every frame of a game (15 s)",
    "tests/viewer/test_game.py::test_load_game_record_through_database_and_store": "ingests games first (14 s)",
    "tests/nn/test_actions.py::test_unique_indices_and_round_trip": "every legal move of many positions, 12 configs "
        "(5-15 s each)",
    "tests/nn/test_evaluator.py::test_priors_are_the_softmax_of_the_legal_logits":
        "many positions through a network (32 s)",
    "tests/nn/test_evaluator.py::test_network_search_players_play_every_config": "network search games, 12 configs",
    "tests/nn/test_evaluator.py::test_temperature_flattens": "many evaluations at several temperatures (67 s)",
    "tests/nn/test_evaluator.py::test_cache_serves_repeats_with_identical_answers": "network evaluations (25 s)",
    "tests/nn/test_evaluator.py::test_answers_do_not_depend_on_the_batch": "network evaluations (24 s)",
    "tests/nn/test_evaluator.py::test_finished_games_get_exact_values_without_the_network": "plays games out (14 s)",
    "tests/nn/test_evaluator.py::test_make_player_from_a_checkpoint": "games with a network player (10 s)",
    "tests/nn/test_network.py::test_it_learns_a_fixed_batch": "trains until the loss falls (31 s)",
    "tests/nn/test_inference.py::test_small_batches_are_padded_so_outputs_do_not_depend_on_the_batch":
        "compiled inference at every batch size (9 s)",
    "tests/players/test_policy_player.py::test_lockstep_batches_every_game_and_matches_play_match":
        "a match played twice with a network (22 s)",
    "tests/training/test_curriculum.py::test_a_stage_on_another_board_starts_from_a_transfer": "two stages trained",
    "tests/training/test_curriculum.py::test_base_init_and_foreign_run_dir": "two stages trained",
    "tests/ringrift/test_bad_input.py::test_bad_input_is_one_line": "about 50 `ringrift` processes (40 s of CPU)",
    "tests/ringrift/test_health.py::test_health_prints_no_password_of_the_database_url": "`ringrift health` "
        "processes waiting on unreachable databases (5-10 s each)",
    "tests/ringrift/test_prefect_env.py::test_the_cli_sets_the_timeout_before_prefect_reads_its_settings":
        "a `ringrift` process importing Prefect (9 s)",
    "tests/loop/stages/test_status.py::test_promotion_row_matches_its_match_rows_and_status_shows_the_rating":
        "trains and promotes (210 s)",
    "tests/evaluation/test_promotion.py::test_real_network_evaluators": "SPRT games between networks (23 s)",
    "tests/players/test_lockstep.py::test_workers_with_the_network_play_the_same_games": "worker processes with "
        "a network (79 s)",
    "tests/players/test_lockstep.py::test_same_games_as_play_match": "a match played twice (12 s)",
    "tests/players/test_lockstep.py::test_workers_play_the_same_games_as_one_process": "worker processes (10 s)",
    "tests/players/test_mcts.py::test_gumbel_selection_equals_its_definition[network]": "a network search (31 s)",
    "tests/players/test_heuristic.py::test_v2_beats_random_fixed_seed": "a match against random (9 s)",
}


def _slow_reason(item) -> str | None:
    for key in (item.nodeid, item.nodeid.split("[", 1)[0]):  # one variant, or every variant
        if key in SLOW_TESTS:
            return SLOW_TESTS[key]
    for name in getattr(item, "fixturenames", ()):
        if name in SLOW_FIXTURES:
            return SLOW_FIXTURES[name]
    return None


@pytest.hookimpl(tryfirst=True)  # before -m "not slow" deselects
def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if _slow_reason(item) is not None:
            item.add_marker(pytest.mark.slow)
