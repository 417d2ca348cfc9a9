"""Worker commands: one per GPU with CUDA_VISIBLE_DEVICES and limit 1; the CPU worker; the launcher."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

from engine.config import WorkerSettings
from ops import WorkerCommand, parse_gpus, run_workers, worker_commands


def test_gpu_pool_one_worker_per_gpu():
    cmds = worker_commands("gpu", gpus=[0, 2], host="h1", prefect=["prefect"], base_env={"PREFECT_API_URL": "http://p/api"},
                           detected=[0, 1, 2])
    assert [c.name for c in cmds] == ["h1-gpu0", "h1-gpu2"]
    for c, i in zip(cmds, (0, 2)):
        assert c.env["CUDA_VISIBLE_DEVICES"] == str(i) and c.gpu == i
        assert c.argv[:3] == ("prefect", "worker", "start")
        a = list(c.argv)
        assert a[a.index("--pool") + 1] == "gpu" and a[a.index("--limit") + 1] == "1"
        assert a[a.index("--type") + 1] == "process" and a[a.index("--name") + 1] == c.name
        assert c.env["PREFECT_API_URL"] == "http://p/api" and c.env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "30"
        assert c.env["RINGRIFT_DEVICE"] == "cuda"
    with pytest.raises(ValueError, match="no GPU"):
        worker_commands("gpu", gpus=[], host="h1", detected=[0])


def test_gpu_pool_without_a_gpu_points_at_device_cpu():
    for detected in (None, []):  # nvidia-smi absent / listing nothing
        with pytest.raises(ValueError, match="--device cpu"):
            worker_commands("gpu", host="h", detected=detected)
        with pytest.raises(ValueError, match="GPU 0 is not on this host"):
            worker_commands("gpu", gpus=[0], host="h", detected=detected)
    with pytest.raises(ValueError, match="GPU 3 is not on this host"):
        worker_commands("gpu", gpus=[3], host="h", detected=[0, 1])


def test_gpu_pool_served_on_the_cpu():
    (c,) = worker_commands("gpu", device="cpu", host="dev", prefect=["prefect"], base_env={}, detected=None)
    a = list(c.argv)
    assert a[a.index("--pool") + 1] == "gpu" and a[a.index("--limit") + 1] == "1"
    assert c.name == "dev-cpu" and c.gpu is None  # no -gpu<i> in the name: health counts no GPU for it
    assert c.env["RINGRIFT_DEVICE"] == "cpu" and c.env["CUDA_VISIBLE_DEVICES"] == ""
    # --env RINGRIFT_DEVICE=cpu alone means the same
    (d,) = worker_commands("gpu", env={"RINGRIFT_DEVICE": "cpu"}, host="dev", prefect=["prefect"], base_env={},
                           detected=None)
    assert d.argv == c.argv and d.env["RINGRIFT_DEVICE"] == "cpu"
    with pytest.raises(ValueError, match="--device cuda is for --pool gpu"):
        worker_commands("cpu", device="cuda")
    with pytest.raises(ValueError, match="cannot be combined"):
        worker_commands("gpu", device="cpu", gpus=[0], detected=[0])


def test_explicit_env_wins_over_the_pool_defaults():
    (c,) = worker_commands("gpu", gpus=[0], env={"RINGRIFT_DEVICE": "cpu", "X": "y"}, host="h", prefect=["prefect"],
                           base_env={}, detected=[0])
    assert c.env["RINGRIFT_DEVICE"] == "cpu" and c.env["X"] == "y"
    (c,) = worker_commands("cpu", env={"CUDA_VISIBLE_DEVICES": "1"}, host="h", prefect=["prefect"], base_env={})
    assert c.env["CUDA_VISIBLE_DEVICES"] == "1"


def test_cpu_pool_and_settings():
    st = WorkerSettings(cpu_pool="cpu-big", cpu_limit=6, env={"X": "1"}, heartbeat_seconds=15)
    (c,) = worker_commands("cpu", settings=st, host="h2", prefect=["prefect"], base_env={"AWS_SECRET_ACCESS_KEY": "s"})
    a = list(c.argv)
    assert c.name == "h2-cpu" and a[a.index("--pool") + 1] == "cpu-big" and a[a.index("--limit") + 1] == "6"
    assert c.env["CUDA_VISIBLE_DEVICES"] == "" and c.env["X"] == "1"
    assert c.env["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"] == "15"
    assert "AWS_SECRET_ACCESS_KEY='***'" in c.shell() or "AWS_SECRET_ACCESS_KEY=***" in c.shell()
    with pytest.raises(ValueError):
        worker_commands("tpu")


def test_parse_gpus():
    # indices, never a count: "0" is GPU 0 (it used to mean zero GPUs)
    assert parse_gpus("0") == [0] and parse_gpus("3") == [3] and parse_gpus("0,2") == [0, 2]
    assert parse_gpus(" 1, 0 ,1") == [1, 0]
    for bad in ("", "x", "-1", "0,a", ","):
        with pytest.raises(ValueError, match="expected GPU indices"):
            parse_gpus(bad)


def test_launcher_stops_the_others_when_one_exits(tmp_path):
    quick = WorkerCommand("a", "cpu", (sys.executable, "-c", "import sys; sys.exit(3)"))
    slow = WorkerCommand("b", "cpu", (sys.executable, "-c", "import time; time.sleep(30)"))
    import io
    import time

    t0 = time.monotonic()
    assert run_workers([slow, quick], poll=0.05, grace=5, out=io.StringIO()) == 3
    assert time.monotonic() - t0 < 10


def _cli(argv):
    from ringrift import worker as cmd

    p = argparse.ArgumentParser()
    cmd.add_arguments(p)
    return cmd.run(p.parse_args(argv))


def test_cli_dry_run_prints_the_commands(capsys, tmp_path, monkeypatch):
    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path}\n")
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect:4200/api")
    monkeypatch.setattr("ops.workers.detect_gpus", lambda: [0, 1])  # this host has no GPU
    assert _cli(["--pool", "gpu", "--gpus", "0,1", "--host", "box", "--dry-run", "--config", str(cfg)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("CUDA_VISIBLE_DEVICES=0 ") and "--name box-gpu0 --limit 1" in lines[0]
    assert "CUDA_VISIBLE_DEVICES=1 " in lines[1] and "PREFECT_API_URL=http://prefect:4200/api" in lines[1]
    assert f"RINGRIFT_CONFIG_PATH={cfg}" in lines[0]
    assert _cli(["--pool", "cpu", "--limit", "3", "--host", "box", "--dry-run", "--json", "--config", str(cfg)]) == 0
    (c,) = json.loads(capsys.readouterr().out)
    assert c["name"] == "box-cpu" and c["argv"][-2:] == ["--limit", "3"]
    assert _cli(["--pool", "cpu", "--env", "oops", "--dry-run"]) == 2
    monkeypatch.delenv("PREFECT_API_URL")
    assert _cli(["--pool", "cpu", "--config", str(cfg)]) == 2  # no server: nothing started


@pytest.mark.slow
def test_real_worker_serves_the_gpu_pool_on_the_cpu(prefect_server, tmp_path):
    """`ringrift worker --pool gpu --device cpu` on this host (no GPU): a real Prefect worker joins the
    gpu pool of a real server; SIGTERM stops it and the command exits 0."""
    import os
    import signal
    import subprocess
    import time

    from ops import prefect_client

    cfg = tmp_path / "f.yaml"
    cfg.write_text(f"home: {tmp_path}\n")
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "ringrift", "worker", "--pool", "gpu", "--device", "cpu",
                             "--host", "devbox", "--config", str(cfg)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        names: list[str] = []
        deadline = time.monotonic() + 180  # generous: a loaded machine starts Prefect slowly
        while time.monotonic() < deadline and proc.poll() is None:
            with prefect_client() as c:
                try:
                    names = [w.name for w in c.read_workers_for_work_pool("gpu", limit=50, offset=0)]
                except Exception:  # noqa: BLE001 - the pool is created by the worker when it starts
                    names = []
            if "devbox-cpu" in names:
                break
            time.sleep(1)
        if "devbox-cpu" not in names:
            proc.send_signal(signal.SIGTERM)
            pytest.fail(f"no worker devbox-cpu in the gpu pool: {names}; output:\n{proc.communicate(timeout=60)[0]}")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, out
    assert "RINGRIFT_DEVICE=cpu" in out and "--pool gpu" in out
