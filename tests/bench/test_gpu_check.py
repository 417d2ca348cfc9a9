"""bench/gpu_check.sh in its CPU smoke mode, under an interpreter that sees only what the lent GPU
machine has (the standard library, PyTorch and its own dependencies, numpy, safetensors, PyYAML,
fsspec: no pytest, Prefect, SQLAlchemy, zstandard or matplotlib), so the script is known to run there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GPU_MACHINE = ("torch", "numpy", "safetensors", "PyYAML", "fsspec")


def _closure(names) -> set[str]:
    """The distributions ``names`` need, recursively (extras left out)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        n = todo.pop()
        key = n.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(n)
        except metadata.PackageNotFoundError:
            continue
        seen.add(key)
        for req in dist.requires or []:
            if "extra ==" in req:
                continue
            todo.append(re.split(r"[ ;<>=!~\[(]", req, maxsplit=1)[0])
    return seen


def _bare_site(tmp: Path) -> Path:
    """A folder with links to the top-level modules of the GPU machine's distributions only."""
    site = tmp / "site"
    site.mkdir()
    keep = _closure(GPU_MACHINE)
    for top, dists in metadata.packages_distributions().items():
        if not any(d.lower().replace("_", "-") in keep for d in dists):
            continue
        for base in map(Path, sys.path):
            for cand in (base / top, base / f"{top}.py", *base.glob(f"{top}.*.so")):
                if cand.exists() and not (site / cand.name).exists() and "site-packages" in str(base):
                    (site / cand.name).symlink_to(cand)
    for libs in Path(metadata.distribution("numpy").locate_file("")).glob("numpy*.libs"):
        (site / libs.name).symlink_to(libs)
    return site


@pytest.mark.slow
def test_gpu_check_runs_on_a_bare_interpreter_in_cpu_quick_mode(tmp_path):
    site = _bare_site(tmp_path)
    assert (site / "torch").exists() and not (site / "prefect").exists() and not (site / "sqlalchemy").exists()
    py = tmp_path / "python3"
    py.write_text(f"#!/bin/sh\nexec {sys.executable} -S \"$@\"\n")  # -S: no site-packages of the venv
    py.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGRIFT_", "PYTHON"))}
    env.update(PYTHON=str(py), PYTHONPATH=str(site))
    probe = subprocess.run([str(py), "-c", "import prefect"], env=env, capture_output=True, text=True)
    assert probe.returncode != 0  # the bare interpreter really lacks Prefect
    p = subprocess.run(["bash", str(ROOT / "bench" / "gpu_check.sh"), "--device", "cpu", "--quick",
                        "--also-test", "tests.nn.test_inference::test_predict_matches_the_module_and_counts"],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["bench"] == "gpu_check" and res["ok"] and res["errors"] == []
    assert "tests.nn.test_inference::test_cuda_autocast_close_to_cpu" in res["cuda_tests"]["found"]
    ran = res["cuda_tests"]["ran"]
    assert res["cuda_tests"]["runner"] == "direct" and [r["ok"] for r in ran] == [True]  # no pytest there
    sizes = set(res["parameters"])
    assert {"tiny", "standard"} <= sizes
    for s in sizes:
        assert [r["batch"] for r in res["forward"][s]] == [4, 8] and all(r["positions_per_s"] > 0
                                                                         for r in res["forward"][s])
        assert res["training"][s]["samples_per_s"] > 0
    assert [r["lockstep"] for r in res["selfplay"]["tiny"]] == [2] and res["selfplay"]["tiny"][0]["decisions"] > 0


def test_gpu_check_refuses_cuda_without_a_gpu():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    p = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py")], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 1 and "no CUDA GPU" in p.stderr
    assert json.loads(p.stdout.strip().splitlines()[-1])["errors"] == ["no CUDA GPU"]


def _gpu_check_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "bench" / "gpu_check.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cuda_only_tests_are_found_by_their_skip_condition(tmp_path):
    gc = _gpu_check_module()
    (tmp_path / "tests" / "a").mkdir(parents=True)
    (tmp_path / "tests" / "a" / "test_one.py").write_text(
        "import pytest, torch\n"
        "@pytest.mark.skipif(not torch.cuda.is_available(), reason='gpu')\n"
        "def test_gpu():\n    pass\n"
        "@pytest.mark.parametrize('device', ['cuda', 'cpu'])\n"  # names cuda but runs anywhere
        "def test_both(device):\n    pass\n"
        "def test_cpu():\n    pass\n")
    (tmp_path / "tests" / "a" / "test_two.py").write_text(
        "import pytest, torch\npytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason='gpu')\n"
        "def test_x():\n    pass\ndef helper():\n    pass\n")
    assert gc.cuda_only_tests(tmp_path) == [("tests.a.test_one", "test_gpu"), ("tests.a.test_two", "test_x")]
    # the repository's own: at least the CUDA autocast test
    assert ("tests.nn.test_inference", "test_cuda_autocast_close_to_cpu") in gc.cuda_only_tests(ROOT)


def test_stand_in_pytest_runs_plain_tests_and_reports_failures():
    gc = _gpu_check_module()
    fake = gc._stand_in_pytest()
    with fake.raises(ValueError, match="bad"):
        raise ValueError("bad input")
    with pytest.raises(AssertionError, match="DID NOT RAISE"):
        with fake.raises(ValueError):
            pass
    assert fake.mark.skipif(True, reason="x")(len) is len and fake.mark.slow(len) is len
    rows = gc.run_tests([("tests.nn.test_inference", "test_large_requests_are_split"),
                         ("tests.bench.test_gpu_check", "test_cuda_only_tests_are_found_by_their_skip_condition")],
                        use_pytest=False, root=ROOT, timeout=300)
    assert rows[0]["ok"] is True
    assert rows[1]["ok"] is None and "needs fixtures" in rows[1]["error"]  # reported, not run
