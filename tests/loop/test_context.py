"""The stage context and the per-process cache of it (engine/loop/context.py): one config per file
and environment, one context per pipeline, everything forgotten by close_contexts, and no Prefect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.loop import context
from engine.loop.context import close_contexts, forge_config, forge_context, on_close, target_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A config file naming a home under tmp_path, as $RINGRIFT_CONFIG_PATH; the cache empty before
    and after."""
    for k in context._ENV_KEYS:
        monkeypatch.delenv(k, raising=False)
    p = tmp_path / "forge.yaml"
    p.write_text(f"home: {tmp_path / 'home'}\n")
    monkeypatch.setenv("RINGRIFT_CONFIG_PATH", str(p))
    close_contexts()
    yield p
    close_contexts()


def test_one_config_per_file_and_environment(home, monkeypatch):
    cfg = forge_config()
    assert forge_config() is cfg and cfg.source == str(home)
    home.write_text(home.read_text() + "training:\n  lr: 0.01\n")
    os.utime(home, ns=(1, 1))  # a new mtime even on a coarse clock
    changed = forge_config()
    assert changed is not cfg and changed.training.lr == 0.01
    monkeypatch.setenv("RINGRIFT_NETWORK_SIZE", "standard")  # an override is another config
    assert forge_config().network.size == "standard"


def test_one_context_per_pipeline_until_closed(home):
    cfg = forge_config()
    ctx = forge_context()
    assert forge_context(cfg) is ctx and ctx.cfg is cfg
    assert target_of(cfg) == f"{cfg.storage_url}|{cfg.database_url}"
    assert ctx.cache_dir.is_dir() and ctx.work_dir.is_dir()
    seen = []
    on_close(lambda: seen.append("closed"))
    close_contexts()
    assert seen == ["closed"] and context._contexts == {} and context._configs == {}
    assert forge_context() is not ctx  # reopened


def test_closing_the_contexts_forgets_the_pipeline_identities_of_the_tasks(home):
    """tasks.common re-exports the cache; its pipeline identities go with the contexts (a store and
    database recreated at the same URLs are another pipeline)."""
    from tasks import common

    assert common.close_contexts is close_contexts and common.forge_context is forge_context
    ident = common.pipeline_identity()
    assert common._identities == {target_of(forge_config()): ident}
    common.close_contexts()
    assert common._identities == {}


def _imports(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sys.modules))"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in out.split()}


def test_the_context_and_the_loop_import_no_prefect():
    """The commands that open a context without running a flow (``ringrift sync --watchdog``,
    ``master-loop --status``) do not pay for Prefect; the context module not for torch either."""
    mods = _imports("import engine.loop.context")
    assert "engine" in mods and "prefect" not in mods and "torch" not in mods
    assert "prefect" not in _imports("import engine.loop")
    assert "prefect" in _imports("import tasks.common")  # the check sees Prefect when it is there
