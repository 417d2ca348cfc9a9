"""Real processes for the integration tests: ``prefect server start`` with its services,
``prefect worker start`` workers, Prefect's CLI, and kill -9 of a process tree.

Everything runs from this virtual environment's ``bin/`` (the ``prefect`` of the pinned set).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]

# Settings of every Prefect process of these tests: no analytics, a generous startup timeout for a
# loaded machine, the scheduler every few seconds (60 s by default), workers polling often.
PREFECT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "300",
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
    "PREFECT_WORKER_QUERY_SECONDS": "2",
    "PREFECT_WORKER_HEARTBEAT_SECONDS": "5",
    "PREFECT_CLI_COLORS": "false",
    "PREFECT_CLI_WRAP_LINES": "false",
    "COLUMNS": "250",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment without Prefect/RingRift settings of the caller, plus ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RINGRIFT_"))}
    env.update(PREFECT_ENV)
    env.update({"OMP_NUM_THREADS": "1", "RINGRIFT_PROGRESS": "0", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


@dataclass
class ServerProcess:
    """A running ``prefect server start`` (API, UI and the services: scheduler, triggers, ...)."""

    url: str  # http://127.0.0.1:PORT
    home: Path
    log: Path
    proc: subprocess.Popen
    backend: str  # sqlite | postgresql

    @property
    def api_url(self) -> str:
        return self.url + "/api"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment of a client process (CLI, worker, ringrift) of this server."""
        return base_env(PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home / "client"), **extra)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def settings(self):
        """A context in which this process's Prefect clients talk to this server (the settings
        are read once per process, so setting ``PREFECT_API_URL`` later would not do)."""
        from prefect.settings import PREFECT_API_URL, temporary_settings

        return temporary_settings({PREFECT_API_URL: self.api_url})

    def stop(self) -> None:
        stop_tree(self.proc)


def start_server(home: Path, database_url: str | None = None, timeout: float = 300.0) -> ServerProcess:
    """``prefect server start`` on a free port, SQLite under ``home`` or ``database_url``
    (``postgresql+asyncpg://...``); returns once ``/api/health`` answers."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # the UI's JavaScript calls the API at this URL (default: port 4200, not ours)
    env = base_env(PREFECT_HOME=str(home), PREFECT_UI_API_URL=f"{url}/api")
    if database_url:
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    log = home / "server.log"
    proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=home,
                            start_new_session=True)
    srv = ServerProcess(url, home, log, proc, "postgresql" if database_url else "sqlite")
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with {proc.returncode}:\n{srv.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(srv.api_url + "/health", timeout=5) as r:
                if r.status == 200:
                    return srv
        except OSError:
            pass
        if time.monotonic() - t0 > timeout:
            srv.stop()
            raise RuntimeError(f"prefect server not healthy after {timeout:.0f} s:\n{srv.log_text()[-3000:]}")
        time.sleep(1.0)


@dataclass
class WorkerProcess:
    name: str
    pool: str
    log: Path
    proc: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill9(self) -> list[int]:
        """SIGKILL the worker and every process under it (its flow runs): a host that died."""
        return kill_tree(self.proc.pid, signal.SIGKILL)

    def stop(self) -> None:
        stop_tree(self.proc)


def start_worker(server: ServerProcess, pool: str, name: str, log_dir: Path, *, limit: int | None = None,
                 env: dict[str, str] | None = None) -> WorkerProcess:
    """``prefect worker start --pool POOL --type process`` (``--limit``), with ``env`` added."""
    cmd = [str(BIN / "prefect"), "worker", "start", "--pool", pool, "--type", "process", "--name", name]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    log = log_dir / f"worker-{name}.log"
    proc = subprocess.Popen(cmd, env={**server.env(), **(env or {})}, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    return WorkerProcess(name, pool, log, proc)


def cli(server: ServerProcess, *args: str, env: dict[str, str] | None = None, timeout: float = 300.0,
        program: str = "prefect") -> subprocess.CompletedProcess:
    """A command of this venv (``prefect ...``, ``ringrift ...``) against ``server``."""
    return subprocess.run([str(BIN / program), *args], env={**server.env(), **(env or {})}, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def descendants(pid: int) -> list[int]:
    """Every process under ``pid`` (from /proc), children first found, deepest last."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def kill_tree(pid: int, sig: int) -> list[int]:
    """Send ``sig`` to ``pid`` and all its descendants (listed first, so none escapes)."""
    pids = [pid] + descendants(pid)
    for p in pids:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    return pids


def stop_tree(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM a process and its descendants, SIGKILL what is left after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    pids = kill_tree(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def wait_for(fn, timeout: float, every: float = 2.0, what: str = "condition"):
    """Poll ``fn`` until it returns something truthy; AssertionError naming ``what`` on timeout."""
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {v!r})")
        time.sleep(every)
