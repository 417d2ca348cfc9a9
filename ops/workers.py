"""Prefect workers the way this project runs them (``ringrift worker``).

* GPU pool: one worker per GPU, each with ``CUDA_VISIBLE_DEVICES=<i>`` and ``--limit 1`` (one
  flow run per GPU at a time), named ``<host>-gpu<i>`` (the health check counts GPUs per host
  from these names); only GPUs ``nvidia-smi`` lists (``--gpus`` names indices, never a count);
* GPU pool on the CPU (``device="cpu"``, a development host without a GPU): one worker
  ``<host>-cpu`` in the GPU pool with ``RINGRIFT_DEVICE=cpu``, ``CUDA_VISIBLE_DEVICES`` empty and
  ``--limit`` ``gpu_limit``; its name has no ``-gpu<i>``, so no GPU is counted for it;
* CPU pool: one worker ``<host>-cpu`` with ``--limit`` = ``ops.workers.cpu_limit`` (default: half
  the cores, at least 1), ``CUDA_VISIBLE_DEVICES`` empty so CPU work never grabs a GPU;
* every worker: ``--type process`` (flows run from the project folder ``$RINGRIFT_FORGE_DIR``,
  default this checkout), ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` set (the zombie automation and
  the watchdog need heartbeats), ``RINGRIFT_CONFIG_PATH`` passed on when set, analytics off;
  ``env`` (``--env KEY=VALUE``) is applied last, so an explicit ``RINGRIFT_DEVICE`` wins.

``worker_commands`` plans the commands (``ringrift worker --dry-run`` prints them);
``run_workers`` starts them, forwards SIGINT/SIGTERM, and when one exits stops the others and
returns its exit code (a supervisor -- systemd, compose, Kubernetes -- restarts the whole set).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.config import WorkerSettings
from engine.redact import redact_env

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PASSED_ENV = ("PREFECT_API_URL", "PREFECT_API_KEY", "RINGRIFT_CONFIG_PATH", "RINGRIFT_HOME", "RINGRIFT_STORE_URL",
              "RINGRIFT_DB_URL", "RINGRIFT_CACHE_DIR", "RINGRIFT_S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class WorkerCommand:
    name: str
    pool: str
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)  # set on top of the inherited environment
    gpu: int | None = None

    def shell(self) -> str:
        """The command as one shell line (``KEY=value ... prefect worker start ...``); secrets masked."""
        env = " ".join(f"{k}={shlex.quote(_mask(k, v))}" for k, v in sorted(self.env.items()))
        return (env + " " if env else "") + " ".join(shlex.quote(a) for a in self.argv)


def _mask(key: str, value: str) -> str:
    return redact_env(key, value)


def detect_gpus() -> list[int] | None:
    """GPU indices of this host from ``nvidia-smi -L`` (None when it is not installed or fails;
    ``CUDA_VISIBLE_DEVICES`` restricts the list when set)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = list(range(sum(1 for line in out.splitlines() if line.startswith("GPU "))))
    vis = os.environ.get("CUDA_VISIBLE_DEVICES")
    if vis is not None and vis.strip() != "":
        allowed = [int(x) for x in vis.split(",") if x.strip().isdigit()]
        found = [i for i in found if i in allowed]
    return found


def parse_gpus(text: str) -> list[int]:
    """``"0,1,3"`` or ``"0"`` -> GPU indices (always indices: ``"0"`` is GPU 0, not zero GPUs)."""
    parts = [x.strip() for x in text.split(",")]
    if not any(parts) or not all(x.isdigit() for x in parts if x):
        raise ValueError(f"--gpus {text!r}: expected GPU indices such as 0 or 0,1,3")
    out: list[int] = []
    for x in parts:
        if x and int(x) not in out:
            out.append(int(x))
    return out


DEVICES = ("cuda", "cpu")


def prefect_executable() -> list[str]:
    """How to call the Prefect CLI of this interpreter's environment."""
    exe = Path(sys.executable).with_name("prefect")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("prefect")
    return [found] if found else [sys.executable, "-m", "prefect"]


def worker_commands(pool: str, *, settings: WorkerSettings | None = None, gpus: Sequence[int] | None = None,
                    host: str | None = None, limit: int | None = None, workdir: str | None = None,
                    worker_type: str | None = None, env: Mapping[str, str] | None = None,
                    prefect: Sequence[str] | None = None, base_env: Mapping[str, str] | None = None,
                    device: str | None = None, detected: Sequence[int] | None | str = "detect"
                    ) -> list[WorkerCommand]:
    """The worker commands for ``pool`` (``"gpu"``/``"cpu"`` or the configured pool names).

    ``device``: ``"cuda"`` (the GPU pool's default) or ``"cpu"`` (the GPU pool served on the CPU,
    one worker; the CPU pool's only device). ``gpus``: the GPU indices (default: every GPU
    ``nvidia-smi`` lists); each must be one ``nvidia-smi`` lists, else ValueError (a GPU pool
    without a GPU is a ValueError that points at ``--device cpu``). ``detected``: the GPUs of this
    host (default: ``detect_gpus()``; None = no NVIDIA tooling). ``base_env``: the environment the
    values of ``PASSED_ENV`` are read from (default ``os.environ``)."""
    st = settings or WorkerSettings()
    kind = "gpu" if pool in ("gpu", st.gpu_pool) else "cpu" if pool in ("cpu", st.cpu_pool) else None
    if kind is None:
        raise ValueError(f"unknown pool {pool!r}: expected gpu or cpu ({st.gpu_pool}/{st.cpu_pool})")
    pool_name = st.gpu_pool if kind == "gpu" else st.cpu_pool
    host = host or socket.gethostname().split(".")[0]
    base_env = os.environ if base_env is None else base_env
    prefect = list(prefect or prefect_executable())
    wtype = worker_type or st.worker_type
    common = {k: base_env[k] for k in PASSED_ENV if base_env.get(k)}
    common.update({"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(st.heartbeat_seconds),
                   "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                   "RINGRIFT_FORGE_DIR": workdir or base_env.get("RINGRIFT_FORGE_DIR") or str(PROJECT_ROOT),
                   "PYTHONUNBUFFERED": "1"})
    common.update(st.env)
    extra = dict(env or {})  # applied last: an explicit --env (RINGRIFT_DEVICE=cpu, ...) wins
    # --env RINGRIFT_DEVICE=cpu without --device or --gpus means the same as --device cpu
    env_cpu = gpus is None and extra.get("RINGRIFT_DEVICE") == "cpu"
    dev = device or ("cpu" if env_cpu or kind == "cpu" else "cuda")
    if dev not in DEVICES:
        raise ValueError(f"--device {dev!r}: expected one of {', '.join(DEVICES)}")
    if kind == "cpu" and dev != "cpu":
        raise ValueError(f"the {pool_name} pool runs on the CPU; --device {dev} is for --pool gpu")
    if gpus is not None and dev == "cpu":
        raise ValueError("--gpus names GPUs to use; it cannot be combined with --device cpu")

    def argv(name: str, lim: int) -> tuple[str, ...]:
        return tuple(prefect + ["worker", "start", "--pool", pool_name, "--type", wtype, "--name", name,
                                "--limit", str(lim)])

    if kind == "gpu" and dev == "cuda":
        have = detect_gpus() if detected == "detect" else detected
        listed = "nvidia-smi is not installed or failed" if have is None else \
            ("nvidia-smi lists no GPU" if not have else "nvidia-smi lists " + ",".join(map(str, have)))
        ids = list(have or []) if gpus is None else list(gpus)
        if not ids:
            raise ValueError(f"no GPU on this host ({listed}); to serve the {pool_name} pool on the CPU "
                             f"(a development host) use --device cpu")
        missing = [i for i in ids if i not in (have or [])]
        if missing:
            raise ValueError(f"--gpus {','.join(map(str, ids))}: GPU {missing[0]} is not on this host ({listed}); "
                             f"use --device cpu to serve the {pool_name} pool without a GPU")
        lim = int(limit or st.gpu_limit)
        return [WorkerCommand(f"{host}-gpu{i}", pool_name, argv(f"{host}-gpu{i}", lim),
                              {**common, "CUDA_VISIBLE_DEVICES": str(i), "RINGRIFT_DEVICE": "cuda", **extra}, gpu=i)
                for i in ids]
    if kind == "gpu":  # the GPU pool on the CPU: one worker, as many runs as one GPU worker takes
        lim = int(limit or st.gpu_limit)
    else:
        lim = int(limit or st.cpu_limit or max(1, (os.cpu_count() or 2) // 2))
    return [WorkerCommand(f"{host}-cpu", pool_name, argv(f"{host}-cpu", lim),
                          {**common, "CUDA_VISIBLE_DEVICES": "", "RINGRIFT_DEVICE": "cpu", **extra})]


def run_workers(commands: Sequence[WorkerCommand], *, cwd: str | os.PathLike | None = None,
                poll: float = 0.5, grace: float = 20.0, out=None) -> int:
    """Start every command, wait; when one exits (or on SIGINT/SIGTERM) stop the others (SIGTERM,
    then SIGKILL after ``grace`` seconds). Returns the first exit code (0 after a signal)."""
    out = out or sys.stderr
    procs: list[tuple[WorkerCommand, subprocess.Popen]] = []
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for c in commands:
            print(f"worker {c.name}: {c.shell()}", file=out, flush=True)
            procs.append((c, subprocess.Popen(list(c.argv), env={**os.environ, **c.env}, cwd=cwd)))
        code = 0
        while True:
            done = [(c, p) for c, p in procs if p.poll() is not None]
            if done:
                c, p = done[0]
                code = p.returncode
                print(f"worker {c.name} exited with {code}; stopping the others", file=out, flush=True)
                break
            if stop["signal"] is not None:
                print(f"signal {stop['signal']}: stopping {len(procs)} worker(s)", file=out, flush=True)
                break
            time.sleep(poll)
        _stop_all([p for _, p in procs], grace)
        return code
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _stop_all(procs: Sequence[subprocess.Popen], grace: float) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
