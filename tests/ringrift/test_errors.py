"""The top-level error handler: bad input one line with exit 2, the project's errors one line with
exit 1, a bug keeps its traceback, RINGRIFT_TRACE_DEBUG=1 shows every traceback."""

from __future__ import annotations

import pytest

import ringrift.demo
from engine.config import ConfigError
from engine.names import UnsafeName
from ringrift import cli
from ringrift._errors import UsageError, explain


def test_explain_sorts_errors():
    assert explain(UsageError("--games: must be >= 1")) == (2, "--games: must be >= 1")
    assert explain(ConfigError("must be >= 1, got -5", file="c.yaml", key="selfplay.games_per_batch", line=3)) == (
        2, "c.yaml:3: selfplay.games_per_batch: must be >= 1, got -5")
    assert explain(UnsafeName("game id", "../x", "no '..'"))[0] == 2
    assert explain(FileNotFoundError(2, "No such file or directory", "/x/y.jsonl")) == (
        1, "/x/y.jsonl: No such file or directory")
    assert explain(RuntimeError("a bug")) is None
    assert explain(ValueError("a bug too")) is None
    assert explain(OSError("no file name: a bug")) is None


def test_a_full_disk_without_a_file_name_is_one_line():
    import errno

    code, line = explain(OSError(errno.ENOSPC, "No space left on device"))
    assert code == 1 and line == "no space left to write: No space left on device"
    assert explain(OSError(errno.EACCES, "Permission denied")) is None  # no file name: a bug


def test_messages_are_one_line_and_redacted():
    code, line = explain(UsageError("cannot open postgresql://u:s3cret@db/forge\n  (timeout)"))
    assert code == 2 and "\n" not in line and "s3cret" not in line and "(timeout)" in line


@pytest.mark.parametrize("exc, code", [(UsageError("bad --x"), 2), (ConfigError("bad", key="a.b"), 2),
                                       (FileNotFoundError(2, "No such file or directory", "f.jsonl"), 1)])
def test_main_prints_one_line(monkeypatch, capsys, exc, code):
    def run(args):
        raise exc

    monkeypatch.setattr(ringrift.demo, "run", run)
    monkeypatch.delenv("RINGRIFT_TRACE_DEBUG", raising=False)
    assert cli.main(["demo"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ringrift demo: ")


def test_a_bug_keeps_its_traceback(monkeypatch):
    def run(args):
        raise KeyError("bug")

    monkeypatch.setattr(ringrift.demo, "run", run)
    with pytest.raises(KeyError):
        cli.main(["demo"])


def test_trace_debug_reraises(monkeypatch):
    def run(args):
        raise UsageError("bad")

    monkeypatch.setattr(ringrift.demo, "run", run)
    monkeypatch.setenv("RINGRIFT_TRACE_DEBUG", "1")
    with pytest.raises(UsageError):
        cli.main(["demo"])


def test_usage_errors_of_the_parser_are_one_line(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["demo", "--games", "-3"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ringrift demo: argument --games: ")
    assert "-3" in err and err.endswith("(see ringrift demo --help)\n")


def _record(exc: BaseException):
    import logging

    try:
        raise exc
    except BaseException as e:  # noqa: BLE001 - the record of a real raise
        return logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "failed: %r", (e,),
                                 (type(e), e, e.__traceback__))


def test_prefect_run_logs_keep_only_a_bug_s_traceback(monkeypatch):
    import logging

    from ringrift._errors import QuietKnownErrors, quiet_known_tracebacks

    monkeypatch.delenv("RINGRIFT_TRACE_DEBUG", raising=False)
    f = QuietKnownErrors()
    known, bug = _record(ConfigError("bad", key="a.b")), _record(RuntimeError("bug"))
    assert f.filter(known) and f.filter(bug)
    assert known.exc_info is None and bug.exc_info is not None
    monkeypatch.setenv("RINGRIFT_TRACE_DEBUG", "1")
    traced = _record(ConfigError("bad"))
    assert f.filter(traced) and traced.exc_info is not None
    quiet_known_tracebacks()
    quiet_known_tracebacks()
    assert sum(isinstance(x, QuietKnownErrors) for x in logging.getLogger("prefect.flow_runs").filters) == 1
