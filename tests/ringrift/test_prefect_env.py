"""The main command on a busy machine: Prefect's environment set before Prefect is imported
(a generous ephemeral-server startup timeout), no spurious warnings in local mode, and progress
lines for self-play, export, training and evaluation -- through the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ringrift._prefect_env import EPHEMERAL_STARTUP_TIMEOUT, EPHEMERAL_TIMEOUT_ENV, configure
from tests.tiny_config import TINY

ROOT = Path(__file__).resolve().parents[2]



def test_defaults_are_set_and_a_users_value_is_kept():
    env: dict[str, str] = {}
    configure(env)
    assert env[EPHEMERAL_TIMEOUT_ENV] == str(EPHEMERAL_STARTUP_TIMEOUT) == "300"
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"
    env = {EPHEMERAL_TIMEOUT_ENV: "45", "PREFECT_SERVER_ANALYTICS_ENABLED": ""}
    configure(env)
    assert env[EPHEMERAL_TIMEOUT_ENV] == "45" and env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false"


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_", "RINGRIFT_")) or k == "PREFECT_SERVER_ANALYTICS_ENABLED"}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-home"), "PYTHONUNBUFFERED": "1", **extra})
    return env


def test_the_cli_sets_the_timeout_before_prefect_reads_its_settings(tmp_path):
    """Prefect reads its settings once, at import: the command line must set them first."""
    code = ("import sys; from ringrift import cli; "
            "cli.main(['worker', '--pool', 'cpu', '--dry-run', '--host', 'h']); "
            "from prefect.settings import get_current_settings; "
            "print('timeout', get_current_settings().server.ephemeral.startup_timeout_seconds)")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_clean_env(tmp_path), capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "timeout 300" in p.stdout
    env = _clean_env(tmp_path, **{EPHEMERAL_TIMEOUT_ENV: "77"})
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "timeout 77" in p.stdout, p.stderr


@pytest.mark.slow
def test_main_command_in_local_mode_is_quiet_and_shows_progress(tmp_path):
    """`ringrift master-loop` in local mode (Prefect's ephemeral server): it completes, Prefect
    warns about no concurrency limit (it did on every run), nothing is left queued at exit, and
    every long stage reports its progress (throttle lowered so the tiny stages show lines)."""
    cfg = tmp_path / "forge.yaml"
    cfg.write_text(yaml.safe_dump({"home": str(tmp_path / "home"), **TINY}))
    env = _clean_env(tmp_path, RINGRIFT_PROGRESS_SECONDS="0.01")
    p = subprocess.run([sys.executable, "-m", "ringrift", "master-loop", "--config", str(cfg),
                        "--stages", "selfplay,export,train,gauntlet,promotion"],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    err = p.stderr
    assert p.returncode == 0, err[-4000:]
    assert "do not exist - skipping acquisition" not in err
    assert "Still processing items" not in err and "Traceback" not in err
    lines = err.splitlines()

    def progress(prefix: str, *needles: str) -> list[str]:
        return [x for x in lines if f" - {prefix}" in x and all(n in x for n in needles)]

    assert progress("selfplay square8_2p batch", "/4 games ("), err[-4000:]
    assert progress("export square8_2p: ", "games", "positions/s", "shard 1/"), err[-4000:]
    assert progress("training square8_2p on ", "steps (", "loss "), err[-4000:]
    assert progress("gauntlet square8_2p ", "games ("), err[-4000:]
    assert progress("promotion square8_2p ", "(SPRT): ", "games", "LLR "), err[-4000:]
    assert "promotion:" in p.stdout
