"""The ``ringrift.*`` events the flows emit, and how automations recognise them.

=============================  ================================  =========================================
event                          resource (id and labels)          payload
=============================  ================================  =========================================
``ringrift.games.committed``   ``ringrift.config.<config>``;     games, inserted, games_since_training,
                               ``ringrift.threshold``:           threshold, batches (ids)
                               ``reached`` / ``below``
``ringrift.candidate.trained`` ``ringrift.model.<model id>``     model_id, dataset_id, run_id, steps,
                                                                 best_val
``ringrift.gauntlet.finished`` ``ringrift.model.<model id>``     model_id, run_id, games, rows
=============================  ================================  =========================================

Every resource also carries ``ringrift.config`` (e.g. ``square8_2p``) and ``ringrift.chain``:
``auto`` when the emitting run wants the next stage started by the automations, ``manual`` when
its caller (the master loop) runs the next stage itself. Prefect adds the emitting flow run,
flow and deployment as related resources.
"""

from __future__ import annotations

from typing import Any

GAMES_COMMITTED = "ringrift.games.committed"
CANDIDATE_TRAINED = "ringrift.candidate.trained"
GAUNTLET_FINISHED = "ringrift.gauntlet.finished"
EVENTS = (GAMES_COMMITTED, CANDIDATE_TRAINED, GAUNTLET_FINISHED)


def config_resource_id(config_key: str) -> str:
    return f"ringrift.config.{config_key}"


def model_resource_id(model_id: str) -> str:
    return f"ringrift.model.{model_id}"


def _chain(chain: bool) -> str:
    return "auto" if chain else "manual"


def _emit(event: str, resource: dict[str, str], payload: dict[str, Any]):
    from prefect.events import emit_event

    from .common import run_logger

    ev = emit_event(event=event, resource=resource, payload=payload)
    run_logger().info("event %s %s", event, {k: v for k, v in resource.items() if k != "prefect.resource.id"})
    return ev


def games_committed(config_key: str, *, games: int, inserted: int, games_since_training: int, threshold: int,
                    batches: list[str], chain: bool = True):
    reached = games_since_training >= threshold
    return _emit(GAMES_COMMITTED,
                 {"prefect.resource.id": config_resource_id(config_key), "prefect.resource.name": config_key,
                  "ringrift.config": config_key, "ringrift.threshold": "reached" if reached else "below",
                  "ringrift.chain": _chain(chain)},
                 {"config_key": config_key, "games": games, "inserted": inserted,
                  "games_since_training": games_since_training, "threshold": threshold, "batches": list(batches)})


def candidate_trained(config_key: str, *, model_id: str, dataset_id: str, run_id: str, steps: int,
                      best_val: float | None, chain: bool = True):
    return _emit(CANDIDATE_TRAINED,
                 {"prefect.resource.id": model_resource_id(model_id), "prefect.resource.name": model_id[:12],
                  "ringrift.config": config_key, "ringrift.chain": _chain(chain)},
                 {"config_key": config_key, "model_id": model_id, "dataset_id": dataset_id, "run_id": run_id,
                  "steps": steps, "best_val": best_val})


def gauntlet_finished(config_key: str, *, model_id: str, run_id: str, games: int, rows: list, chain: bool = True):
    return _emit(GAUNTLET_FINISHED,
                 {"prefect.resource.id": model_resource_id(model_id), "prefect.resource.name": model_id[:12],
                  "ringrift.config": config_key, "ringrift.chain": _chain(chain)},
                 {"config_key": config_key, "model_id": model_id, "run_id": run_id, "games": games,
                  "rows": _jsonable(rows)})


def _jsonable(obj):
    import json

    return json.loads(json.dumps(obj, default=str))
