"""What the command line does with an error: bad input is one line on stderr and an exit code,
a bug is a traceback.

``explain(exc)`` sorts an exception raised by a subcommand into

* bad input of the command line or the config (``UsageError``, ``ConfigError``, an unsafe name):
  exit 2;
* the project's own refusals and data errors (``StageError``, a malformed record, a missing model
  or object, a checkpoint or profile that cannot be used, a database that cannot be opened, a file
  that cannot be read): exit 1;
* anything else: ``None``, a bug, which keeps its traceback.

The project's error types are matched by module and name, so this module imports nothing heavy
(a failing argument check must not pay for Prefect or torch).
"""

from __future__ import annotations

import errno
import logging
import os

TRACE_ENV = "RINGRIFT_TRACE_DEBUG"  # set: show the traceback of every error instead of one line


class UsageError(Exception):
    """Bad command-line input the parser could not see (an unknown id, a contradiction between
    options): the message is the one line the user reads; exit 2."""


# (module, class name) -> exit code; subclasses match too
_KNOWN: dict[tuple[str, str], int] = {
    ("engine.config", "ConfigError"): 2,
    ("engine.names", "UnsafeName"): 2,
    ("engine.loop.stages.results", "StageError"): 1,
    ("engine.data.records", "RecordError"): 1,
    ("engine.data.export", "ExportError"): 1,
    ("engine.nn.checkpoint", "CheckpointError"): 1,
    ("engine.nn.encoding", "EncoderVersionError"): 1,
    ("engine.players.heuristic", "ProfileError"): 1,
    ("engine.training.curriculum", "CurriculumError"): 1,
    ("engine.game.errors", "IllegalMoveError"): 1,
    ("engine.game.errors", "StateFormatError"): 1,
    ("engine.storage.errors", "StorageError"): 1,
    ("engine.db.database", "DatabaseError"): 1,
    ("engine.loop.truth", "DatabaseLost"): 2,  # as master-loop answers it: rebuild with aggregate --from-store
    ("engine.loop.lock", "LoopLocked"): 3,  # another master-loop holds the home
    ("engine.training.trainer", "ConfigMismatch"): 2,  # a run directory resumed with other settings
    ("engine.viewer.load", "GameNotFound"): 1,
    ("flows.dispatch", "DispatchError"): 1,
    ("tasks.common", "LocalTasksDisabled"): 1,
    ("prefect.exceptions", "ParameterTypeError"): 2,  # a flow parameter of the wrong type
}


def trace_enabled() -> bool:
    return os.environ.get(TRACE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def one_line(text: object) -> str:
    """``text`` on one line, secrets redacted (a URL with a password, a token in a message)."""
    line = " ".join(str(text).split())
    try:
        from engine.redact import redact_text
    except ImportError:  # pragma: no cover - the redaction module is optional here
        return line
    return redact_text(line)


def explain(exc: BaseException) -> tuple[int, str] | None:
    """``(exit code, one line)`` for bad input and the project's own errors, ``None`` for a bug."""
    if isinstance(exc, UsageError):
        return 2, one_line(exc)
    for cls in type(exc).__mro__:
        code = _KNOWN.get((cls.__module__, cls.__name__))
        if code is not None:
            return code, one_line(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        what = exc.strerror or type(exc).__name__
        return 1, one_line(f"{exc.filename}: {what}")
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        # a full disk or quota is the machine's state, not a bug; the atomic writers raise it
        # without a filename (their temporary file is already removed)
        return 1, one_line(f"no space left to write: {exc.strerror or exc}")
    return None


_NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class QuietKnownErrors(logging.Filter):
    """Prefect logs a failed run's exception with its traceback. For the project's own errors (a
    stage's refusal, a malformed record, bad input found inside a run) the message is the whole
    story: the traceback is dropped here, in the command-line process, unless tracing is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and not trace_enabled() and explain(exc) is not None:
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_known_tracebacks() -> None:
    """Install ``QuietKnownErrors`` on Prefect's run loggers (idempotent; imports nothing)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        lg = logging.getLogger(name)
        if not any(isinstance(f, QuietKnownErrors) for f in lg.filters):
            lg.addFilter(QuietKnownErrors())
