"""What every task shares: the per-process stage context, the cache policy, retry rules, the
``stage_task`` decorator, and the environment switches.

* The context (config, store, database) is opened once per process and config, from
  ``engine.config.load_config()`` — i.e. ``$RINGRIFT_CONFIG_PATH`` and the ``RINGRIFT_*``
  overrides of the process running the task (a worker's job environment on a cluster); the cache
  is ``engine.loop.context``'s (``forge_config``, ``forge_context``, ``close_contexts``, re-exported
  here). Tasks take and return ids and small dataclasses only; nothing big crosses a task boundary.
* Cache key = the task's inputs + the task's source + which pipeline this is (store URL, database
  URL and the instance ids recorded in both, ``pipeline_identity``), so a retried or re-run flow
  reuses finished tasks of the same pipeline and never the results of another one (another home,
  another bucket, or the same URLs deleted and recreated).
* Results are persisted (``persist_result=True``) to Prefect's result storage: by default the
  local folder ``$PREFECT_LOCAL_STORAGE_PATH`` (``~/.prefect/storage``); on a cluster a shared
  block (``PREFECT_DEFAULT_RESULT_STORAGE_BLOCK``), see docs/PIPELINE.md, "Results and caching".
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC
from typing import Any

from prefect import task
from prefect.cache_policies import INPUTS, TASK_SOURCE, CachePolicy

# the per-process config and context (no Prefect there, so a command that needs none uses it
# directly); re-exported for the tasks and flows
from engine.loop.context import close_contexts as close_contexts
from engine.loop.context import forge_config, forge_context, on_close, target_of

from .settings import DEFAULT_RUNTIME, orchestration_settings

log = logging.getLogger("ringrift.tasks")

DISABLE_LOCAL_ENV = "RINGRIFT_DISABLE_LOCAL_TASKS"
TRACE_ENV = "RINGRIFT_TRACE_DEBUG"
SKIP_CONTRACTS_ENV = "RINGRIFT_SKIP_SHADOW_CONTRACTS"
LEGACY_ENV = "RINGRIFT_UNIFIED_LOOP_LEGACY"

# stages that do the heavy work; a coordinator host (RINGRIFT_DISABLE_LOCAL_TASKS) runs none of them
HEAVY_STAGES = frozenset({"selfplay", "export", "train", "gauntlet", "promotion"})


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def local_tasks_disabled() -> bool:
    return env_flag(DISABLE_LOCAL_ENV)


def trace_enabled() -> bool:
    return env_flag(TRACE_ENV)


class LocalTasksDisabled(RuntimeError):
    """This host is a coordinator (RINGRIFT_DISABLE_LOCAL_TASKS=1): it runs no heavy stage."""


def require_local(stage: str) -> None:
    if stage in HEAVY_STAGES and local_tasks_disabled():
        raise LocalTasksDisabled(
            f"{stage}: {DISABLE_LOCAL_ENV} is set, this host schedules work but runs no "
            "selfplay/training/evaluation itself; run the stage through its deployment (a worker)")


# -- caching ---------------------------------------------------------------------------------------

IDENTITY_POINTER = "pipeline/identity"
_identities: dict[str, str] = {}
_identity_lock = threading.Lock()


def _forget_identities() -> None:
    with _identity_lock:
        _identities.clear()


on_close(_forget_identities)  # close_contexts forgets them too: a pipeline recreated at the same URLs is new


def pipeline_identity(cfg=None) -> str:
    """Which pipeline this is: its store URL and database URL, and a random instance id recorded
    once in each (the store pointer and the database pointer ``pipeline/identity``). A store or
    database deleted and recreated at the same URL is a new pipeline, so results cached for the
    old one (which name games and datasets it no longer has) are not served for it."""
    cfg = cfg or forge_config()
    target = target_of(cfg)
    with _identity_lock:
        known = _identities.get(target)
    if known is not None:
        return known
    ctx = forge_context(cfg)
    parts = [target, _store_instance(ctx.store), _db_instance(ctx.db)]
    ident = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    with _identity_lock:
        _identities[target] = ident
    return ident


def _store_instance(store) -> str:
    import uuid
    from datetime import datetime

    from engine.storage import Manifest, PointerConflict

    p = store.read_pointer(IDENTITY_POINTER)
    if p is None:
        mid = store.put_manifest(Manifest.build("pipeline", [], {"instance": uuid.uuid4().hex,
                                                                 "created": datetime.now(UTC).isoformat()}))
        try:
            p = store.swap_pointer(IDENTITY_POINTER, mid, expected=None)
        except PointerConflict:  # another process created it first
            p = store.read_pointer(IDENTITY_POINTER)
    return p.target


def _db_instance(db) -> str:
    from engine.loop.truth import database_instance

    return database_instance(db, create=True)


class PipelineTarget(CachePolicy):
    """Cache key part: ``pipeline_identity()`` of this process's config."""

    def compute_key(self, task_ctx, inputs, flow_parameters, **kwargs) -> str | None:
        return pipeline_identity()


@dataclasses.dataclass
class StageConfig(CachePolicy):
    """Cache key part: the fingerprint of the config sections the stage reads
    (``engine.loop.identity.config_fingerprint``), so that changing ``training.lr`` is never
    answered from a result cached under the old value."""

    stage: str = ""

    def compute_key(self, task_ctx, inputs, flow_parameters, **kwargs) -> str | None:
        from engine.loop.identity import config_fingerprint

        return config_fingerprint(forge_config(), self.stage)


STAGE_CACHE = INPUTS + TASK_SOURCE + PipelineTarget()


def stage_cache(stage: str):
    """The cache policy of a stage's task: ``STAGE_CACHE`` plus the stage's config fingerprint."""
    from engine.loop.identity import STAGE_KINDS

    return STAGE_CACHE + StageConfig(stage=stage) if stage in STAGE_KINDS else STAGE_CACHE


# Errors a retry cannot fix (the stage said why; the same inputs give the same answer).
def _permanent(exc: BaseException) -> bool:
    import sys

    from engine.loop import StageError

    # a missing GPU (engine.nn.inference.DeviceUnavailable) is not transient; the module is only
    # looked up when loaded, so this check never imports torch
    inference = sys.modules.get("engine.nn.inference")
    device = (inference.DeviceUnavailable,) if inference is not None else ()
    if _foreign_key_violation(exc):
        return True
    # data of another encoder version, a database that is not the store's: the same answer every try
    loaded = [getattr(sys.modules.get(m), n, None) for m, n in (("engine.nn.encoding", "EncoderVersionError"),
                                                               ("engine.loop.truth", "DatabaseLost"))]
    other = tuple(c for c in loaded if isinstance(c, type))
    return isinstance(exc, (StageError, LocalTasksDisabled, ValueError, TypeError, LookupError, *device, *other))


def _foreign_key_violation(exc: BaseException) -> bool:
    """A row naming an id the database does not know (e.g. a dataset only the store has): the
    same inputs fail the same way. (A unique-key race may succeed on retry: not this one.)"""
    import sys

    sa = sys.modules.get("sqlalchemy.exc")
    return sa is not None and isinstance(exc, sa.IntegrityError) and "foreign key" in str(exc).lower()


def retry_transient(task_obj, task_run, state) -> bool:
    """Retry condition: retry anything except a permanent error (``StageError`` and friends)."""
    try:
        state.result()
    except BaseException as exc:  # noqa: BLE001 - we classify it
        return not _permanent(exc)
    return True


def stage_task(stage: str, *, cache: bool = True, **kwargs) -> Callable:
    """``@task`` with the stage's retries, retry delays, timeout, cache policy and tags."""
    rt = DEFAULT_RUNTIME[stage]
    opts: dict[str, Any] = dict(
        name=kwargs.pop("name", stage), retries=rt.retries, retry_delay_seconds=list(rt.retry_delays),
        timeout_seconds=rt.timeout_seconds, retry_condition_fn=retry_transient, tags=["ringrift", stage],
        persist_result=True, log_prints=True)
    if cache:
        opts["cache_policy"] = stage_cache(stage)
    else:
        from prefect.cache_policies import NO_CACHE

        opts["cache_policy"] = NO_CACHE
    opts.update(kwargs)
    return task(**opts)


def configured(task_obj, stage: str, cfg=None):
    """``task_obj`` with the stage's options from the config (``orchestration`` section, else
    the defaults of ``tasks.settings``), read when the flow runs."""
    rt = orchestration_settings(cfg if cfg is not None else _safe_config()).runtime(stage)
    return task_obj.with_options(retries=rt.retries, retry_delay_seconds=list(rt.retry_delays),
                                 timeout_seconds=rt.timeout_seconds)


def _safe_config():
    try:
        return forge_config()
    except Exception:  # noqa: BLE001 - options fall back to the defaults; the task reports the error
        return None


# -- logging ---------------------------------------------------------------------------------------

class _QuietThreadTimeout(logging.Filter):
    """Prefect warns on every submitted task that its timeout cannot interrupt a worker thread.
    Known and documented (docs/PIPELINE.md, "Retries and timeouts"): the timeout still fails the
    task when it ends late, and the flows' own timeouts interrupt the run."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Timeout of %s seconds configured"))


logging.getLogger("prefect.task_runs").addFilter(_QuietThreadTimeout())

def run_logger():
    """The Prefect run logger inside a run, else the module logger."""
    try:
        from prefect import get_run_logger

        return get_run_logger()
    except Exception:  # noqa: BLE001 - outside a run
        return log


_routed = False


def route_engine_logs() -> None:
    """Send the engine's loggers (``ringrift.*``) to the Prefect run logs (UI) while a run is
    active; DEBUG level with ``RINGRIFT_TRACE_DEBUG=1``, INFO otherwise."""
    global _routed
    lg = logging.getLogger("ringrift")
    lg.setLevel(logging.DEBUG if trace_enabled() else logging.INFO)
    if _routed:
        return
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.logging.handlers import APILogHandler

    class _RunOnly(APILogHandler):
        def emit(self, record: logging.LogRecord) -> None:
            if FlowRunContext.get() is None and TaskRunContext.get() is None:
                return
            super().emit(record)

    lg.addHandler(_RunOnly())
    _routed = True


def trace(msg: str, *args) -> None:
    """A debug line in the run log when ``RINGRIFT_TRACE_DEBUG`` is on."""
    if trace_enabled():
        run_logger().info("[trace] " + msg, *args)
