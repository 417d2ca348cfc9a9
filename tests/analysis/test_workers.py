"""Worker commands: one per GPU with CUDA_VISIBLE_DEVICES and limit 1; the CPU worker; the launcher."""

from __future__ import annotations

import argparse
import json
import sys

import pytest

from engine.analysis import WorkerSettings, run_workers, worker_commands
from engine.analysis.workers import WorkerCommand, parse_gpus


def test_gpu_pool_one_worker_per_gpu():
    cmds = worker_commands("gpu", gpus=[0, 2], host="h1", prefect=["prefect"], base_env={"PREFECT_API_URL": "http://p/api"})
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
        worker_commands("gpu", gpus=[], host="h1")


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
    assert parse_gpus("3") == [0, 1, 2] and parse_gpus("0,2") == [0, 2] and parse_gpus("0") == []


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
