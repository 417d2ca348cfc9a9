"""The `ringrift` dispatcher: subcommands registered, help, version, unknown commands."""

from __future__ import annotations

import pytest

from ringrift import cli


def test_every_registered_subcommand_builds_its_parser():
    parser = cli.build_parser()
    for name in cli.SUBCOMMANDS:
        args = parser.parse_args([name] if name != "demo" else [name, "--games", "1"])
        assert callable(args._run)


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "soak", "conformance"):
        assert name in out


def test_unknown_subcommand_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# -- commands that run no flow import no Prefect (about a second saved per command) ----------------

_RUN = """
import signal, sys
from ringrift.cli import main

def stop(*_):
    raise KeyboardInterrupt  # how Ctrl-C ends `sync --watchdog`

signal.signal(signal.SIGALRM, stop)
signal.setitimer(signal.ITIMER_REAL, float(sys.argv[1]))
try:
    rc = main(sys.argv[2:])
except SystemExit as e:
    rc = e.code
print("RESULT", rc, "prefect" in sys.modules)
"""


def _ringrift(home_cfg, *args: str, stop_after: float = 60.0) -> tuple[int, bool, str]:
    """``ringrift ARGS`` in a fresh interpreter: (exit code, whether Prefect was imported, output)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RINGRIFT_", "PREFECT_API_URL"))}
    env["RINGRIFT_CONFIG_PATH"] = str(home_cfg)
    r = subprocess.run([sys.executable, "-c", _RUN, str(stop_after), *args], cwd=Path(__file__).resolve().parents[2],
                       env=env, capture_output=True, text=True, timeout=300)
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT ")]
    assert line, r.stdout + r.stderr
    _, rc, prefect = line[-1].split()
    return int(rc), prefect == "True", r.stdout + r.stderr


def test_commands_that_run_no_flow_do_not_import_prefect(tmp_path):
    """A real home (games aggregated from a shard, a champion in the store): stats, show and the
    sync watchdog read the config and open the store through engine.loop.context, not tasks.common."""
    import yaml

    from engine.config import load_config
    from engine.data import generate_games, write_shard
    from engine.storage import Manifest, ManifestEntry, open_store, store_from_config

    cfg_path = tmp_path / "forge.yaml"
    cfg_path.write_text(yaml.safe_dump({"home": str(tmp_path / "home")}))
    games = generate_games("square8", 2, ["random", "random"], 3, seed=3, max_moves=400)
    write_shard(games, tmp_path / "g.jsonl.zst")
    rc, prefect, out = _ringrift(cfg_path, "aggregate", str(tmp_path / "g.jsonl.zst"), "--json")
    assert rc == 0 and not prefect, out
    rc, prefect, out = _ringrift(cfg_path, "stats", "square8_2p")
    assert rc == 0 and not prefect and "square8_2p" in out, out
    rc, prefect, out = _ringrift(cfg_path, "show", games[0].game_id, "--out", str(tmp_path / "show"))
    assert rc == 0 and not prefect and (tmp_path / "show" / "index.html").is_file(), out
    store = store_from_config(load_config(cfg_path, env={}))
    ref = store.put_bytes(b"a model")
    mid = store.put_manifest(Manifest.build("model", [ManifestEntry.for_object("w", ref)], {}))
    store.swap_pointer("champion/square8_2p", mid, expected=None)
    rc, prefect, out = _ringrift(cfg_path, "sync", "--watchdog", "--interval", "0.2", stop_after=8)
    assert rc == 0 and not prefect, out
    mirror = open_store(f"file://{tmp_path / 'home' / 'cache' / 'mirror'}")
    assert mirror.read_pointer("champion/square8_2p").target == mid  # it did sync
