"""A flow run killed (SIGKILL) in the middle of an export, marked crashed, and retried with
`prefect flow-run retry` finishes without duplicates."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import flow_runs

ROOT = Path(__file__).resolve().parents[2]


def _env(prefect_server, forge) -> dict[str, str]:
    env = dict(os.environ)
    env.update(prefect_server.env())
    env.update(forge.env())
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


@pytest.mark.slow
def test_killed_export_retried_finishes_without_duplicates(prefect_server, forge, tmp_path):
    from prefect.states import Crashed

    from engine.db import list_datasets
    from flows.export import export_flow
    from flows.selfplay import selfplay_flow
    from ops.gateway import prefect_client

    sp = selfplay_flow(config_key="square8_2p", games=8, engine="heuristic", seed=31, chain=False)
    assert sp.inserted == 8
    marker = tmp_path / "killed.txt"
    env = _env(prefect_server, forge)
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("kill_during_export.py")), "square8_2p",
                           str(marker)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == -9, proc.stdout[-2000:] + proc.stderr[-2000:]
    fid, chunk = marker.read_text().split()
    (fr,) = flow_runs(ids=[fid])
    assert fr.state.is_running()  # the process died: nobody reported the end
    ctx = forge.ctx
    assert ctx.store.has(chunk)  # half published: a chunk, no manifest, no record
    assert not [m for m in ctx.store.list_manifests() if ctx.store.get_manifest(m).kind == "dataset"]
    with ctx.db.session(write=False) as s:
        assert list_datasets(s, "square8_2p") == []

    with prefect_client() as c:  # what the zombie automation does after its timeout
        c.set_flow_run_state(fr.id, Crashed(message="no heartbeat: worker killed"), force=True)
    retry = subprocess.run([str(Path(sys.executable).with_name("prefect")), "flow-run", "retry", fid,
                            "--entrypoint", "flows/export.py:export_flow"], env=env, cwd=ROOT, capture_output=True,
                           text=True, timeout=180)
    assert retry.returncode == 0, retry.stdout[-3000:] + retry.stderr[-3000:]
    (fr,) = flow_runs(ids=[fid])
    assert fr.state.is_completed() and fr.run_count >= 2

    datasets = [m for m in ctx.store.list_manifests() if ctx.store.get_manifest(m).kind == "dataset"]
    with ctx.db.session(write=False) as s:
        rows = list_datasets(s, "square8_2p")
    assert len(datasets) == 1 and [r.dataset_id for r in rows] == datasets
    man = ctx.store.get_manifest(datasets[0])
    assert chunk in {e.sha256 for e in man.entries}  # the chunk of the killed attempt, reused
    assert len({e.sha256 for e in man.entries}) == len(man.entries)
    again = export_flow(config_key="square8_2p")  # and once more: the same dataset, no new record
    assert again.dataset_id == datasets[0]
    with ctx.db.session(write=False) as s:
        assert len(list_datasets(s, "square8_2p")) == 1
