"""Tasks against the Prefect test server: retries, permanent errors, caching within a retried
flow run and across runs, the local-tasks switch."""

from __future__ import annotations

import pytest
from conftest import flow_runs, retry_flow_run, task_runs_of, wait_for

import engine.loop


@pytest.fixture
def counted_selfplay(monkeypatch):
    """Count (and optionally break) the engine's ``run_selfplay`` calls, by batch id."""
    real = engine.loop.run_selfplay
    calls: list[str] = []
    fail: dict[str, list] = {}

    def wrapper(ctx, config_key, games=None, **kw):
        bid = kw.get("batch_id")
        calls.append(bid)
        for key in (bid, "*"):
            if fail.get(key):
                raise fail[key].pop(0)
        return real(ctx, config_key, games, **kw)

    monkeypatch.setattr(engine.loop, "run_selfplay", wrapper)
    return calls, fail


def test_a_task_failing_once_is_retried_and_the_run_completes(prefect_server, forge, fast_retries,
                                                                counted_selfplay):
    from flows.selfplay import selfplay_flow

    calls, fail = counted_selfplay
    fail["*"] = [ConnectionError("store unreachable (transient)")]
    state = selfplay_flow(config_key="square8_2p", games=4, batch_games=4, engine="heuristic", seed=11, chain=False,
                          return_state=True)
    assert state.is_completed(), state.message
    res = state.result()
    assert res.games == 4 and res.inserted == 4
    assert len(calls) == 2 and calls[0] == calls[1]  # the same batch, twice
    (tr,) = [t for t in task_runs_of(state.state_details.flow_run_id) if t.name.startswith("selfplay-batch")]
    assert tr.state.is_completed() and tr.run_count == 2


def test_a_permanent_error_is_not_retried(prefect_server, forge, fast_retries, counted_selfplay):
    from flows.selfplay import selfplay_flow

    calls, _ = counted_selfplay
    state = selfplay_flow(config_key="hex8_2p", games=2, engine="gumbel", seed=1, chain=False, return_state=True)
    assert state.is_failed()
    assert "needs a champion network" in str(state.message) + repr(state.result(raise_on_failure=False))
    assert len(calls) == 1  # StageError: no retry


def test_a_retried_flow_run_does_not_redo_finished_tasks(prefect_server, forge, counted_selfplay, monkeypatch):
    from flows.selfplay import selfplay_flow
    from tasks.settings import DEFAULT_RUNTIME, StageRuntime

    monkeypatch.setitem(DEFAULT_RUNTIME, "selfplay", StageRuntime(0, (0,), 600))  # no task retries
    calls, fail = counted_selfplay
    from flows._common import batch_plan

    plan = batch_plan("square8_2p", 8, 4, 21, "heuristic")
    fail[plan[1][2]] = [RuntimeError("worker lost")]  # the second batch fails once
    state = selfplay_flow(config_key="square8_2p", games=8, batch_games=4, engine="heuristic", seed=21, chain=False,
                          return_state=True)
    assert state.is_failed()
    assert sorted(calls) == sorted(b for _, _, b in plan)
    fid = state.state_details.flow_run_id
    calls.clear()

    again = retry_flow_run(selfplay_flow, fid)
    assert again.is_completed(), again.message
    assert calls == [plan[1][2]]  # only the failed batch ran again
    (fr,) = flow_runs(ids=[fid])
    assert fr.run_count == 2 and fr.state.is_completed()
    states = sorted(t.state.name for t in task_runs_of(fid) if t.name.startswith("selfplay-batch"))
    assert "Cached" in states
    assert again.result().games == 8


def test_a_new_run_with_the_same_inputs_is_served_from_the_cache(prefect_server, forge, counted_selfplay):
    from flows.export import export_flow
    from flows.selfplay import selfplay_flow

    calls, _ = counted_selfplay
    first = selfplay_flow(config_key="square8_2p", games=4, engine="heuristic", seed=5, chain=False)
    assert len(calls) == 1
    second = selfplay_flow(config_key="square8_2p", games=4, engine="heuristic", seed=5, chain=False)
    assert len(calls) == 1  # cache hit across flow runs (results persisted)
    assert second.batches == first.batches
    e1 = export_flow(config_key="square8_2p")
    e2 = export_flow(config_key="square8_2p")
    assert e1.ok and e1.dataset_id == e2.dataset_id


def test_the_cache_is_per_pipeline(prefect_server, make_forge, counted_selfplay):
    """The same inputs on another store/database -- or on the same URLs deleted and recreated --
    are not served another pipeline's results."""
    import shutil

    from flows.selfplay import selfplay_flow
    from tasks.common import close_contexts

    calls, _ = counted_selfplay
    make_forge()
    selfplay_flow(config_key="square8_2p", games=2, engine="heuristic", seed=7, chain=False)
    forge = make_forge()
    res = selfplay_flow(config_key="square8_2p", games=2, engine="heuristic", seed=7, chain=False)
    assert len(calls) == 2 and res.inserted == 2
    close_contexts()
    shutil.rmtree(forge.home)  # the same config, its store and database gone
    forge.home.mkdir()
    res = selfplay_flow(config_key="square8_2p", games=2, engine="heuristic", seed=7, chain=False)
    assert len(calls) == 3 and res.inserted == 2 and res.games_since_training == 2


def test_a_coordinator_runs_no_heavy_stage(prefect_server, forge, monkeypatch, counted_selfplay):
    from flows.master_loop import resolve_mode
    from flows.selfplay import selfplay_flow

    monkeypatch.setenv("RINGRIFT_DISABLE_LOCAL_TASKS", "1")
    state = selfplay_flow(config_key="square8_2p", games=2, engine="heuristic", seed=3, chain=False,
                          return_state=True)
    assert state.is_failed() and counted_selfplay[0] == []
    assert resolve_mode("auto") == "deployments"
    with pytest.raises(ValueError, match="coordinator"):
        resolve_mode("inprocess")
    monkeypatch.delenv("RINGRIFT_DISABLE_LOCAL_TASKS")
    monkeypatch.setenv("RINGRIFT_UNIFIED_LOOP_LEGACY", "1")
    assert resolve_mode("auto") == "legacy"


def test_a_missing_gpu_is_not_retried(prefect_server, forge, fast_retries, counted_selfplay):
    """DeviceUnavailable (RINGRIFT_DEVICE=cuda on a host without CUDA) fails the task at once: a retry on
    the same host cannot find a GPU (it used to be retried as a transient RuntimeError)."""
    from engine.nn.inference import DeviceUnavailable
    from flows.selfplay import selfplay_flow

    calls, fail = counted_selfplay
    fail["*"] = [DeviceUnavailable("device 'cuda' requested but no CUDA GPU is available on this host")] * 3
    state = selfplay_flow(config_key="square8_2p", games=4, batch_games=4, engine="heuristic", seed=12, chain=False,
                          return_state=True)
    assert state.is_failed()
    assert len(calls) == 1


def test_a_changed_training_config_is_a_new_run_and_no_cache_hit(prefect_server, forge):
    """The train task's cache key and the run id carry the training config's fingerprint."""
    import yaml

    from flows.export import export_flow
    from flows.selfplay import selfplay_flow
    from flows.train import train_flow

    selfplay_flow(config_key="square8_2p", games=8, engine="heuristic", seed=41, chain=False)
    did = export_flow(config_key="square8_2p").dataset_id

    def train() -> tuple:
        st = train_flow(config_key="square8_2p", dataset_id=did, chain=False, return_state=True)
        assert st.is_completed(), st.message

        def trained():  # the server records a task's final state a moment after the flow returns
            runs = [t for t in task_runs_of(st.state_details.flow_run_id) if t.name.startswith("train-candidate")]
            return runs if runs and all(t.state is not None and t.state.is_final() for t in runs) else None

        (t,) = wait_for(trained, timeout=120) or [None]
        return st.result(), t.state.name

    a, _ = train()
    b, state = train()
    assert state == "Cached" and b.run_id == a.run_id and b.model_id == a.model_id
    data = yaml.safe_load(forge.config_path.read_text())
    data["training"]["lr"] = 0.01
    forge.config_path.write_text(yaml.safe_dump(data))
    c, state = train()
    assert state != "Cached" and c.run_id != a.run_id and c.model_id != a.model_id
