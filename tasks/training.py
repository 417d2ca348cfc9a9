"""Training task: a candidate network from a dataset."""

from __future__ import annotations

from .artifacts import Progress
from .common import forge_context, require_local, route_engine_logs, run_logger, stage_task, trace


def train_limit_name(config_key: str) -> str:
    """The global concurrency limit (1 slot) that keeps one training per config at a time."""
    return f"ringrift-train-{config_key}"


@stage_task("train", name="train-candidate")
def train_candidate(config_key: str, dataset_id: str, run_id: str | None = None, init: str = "champion"):
    """Train (from the champion, or from scratch) on ``dataset_id``, publish and register the
    candidate (``engine.loop.run_training``; the same ``run_id`` resumes a killed run).
    Returns a ``TrainStageResult``."""
    from engine.loop import run_training

    from .limits import stage_limit

    require_local("train")
    route_engine_logs()
    trace("train_candidate %s dataset=%s run=%s init=%s", config_key, dataset_id[:12], run_id, init)
    prog: list[Progress] = []

    def on_step(line: dict) -> None:
        if not prog:
            prog.append(Progress(f"training {config_key} on {dataset_id[:12]}", line.get("total_steps") or 1,
                                 unit="steps"))
        prog[0].update(line.get("step", 0), loss=line.get("loss"))

    with stage_limit(train_limit_name(config_key)):
        tr = run_training(forge_context(), config_key, dataset_id, run_id=run_id, init=init, progress=on_step)
    if prog:
        prog[0].done()
    run_logger().info("training %s: candidate %s (%d steps, init %s, stopped: %s, best val %s)", config_key,
                      tr.model_id[:12], tr.steps, tr.init, tr.stopped, tr.best_val)
    return tr
