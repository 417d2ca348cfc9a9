"""ForgeConfig: defaults, the shipped file, env overrides, errors that name the key and file, the
sections of other packages (ops, ladder anchors), and the module being a leaf."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from engine.config import (
    DEFAULT_CONFIG_PATH,
    ConfigError,
    ForgeConfig,
    OpsSettings,
    config_from_dict,
    load_config,
    ops_settings,
)

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_file_equals_the_defaults():
    cfg = load_config(env={})
    assert cfg.source == str(DEFAULT_CONFIG_PATH)
    d = ForgeConfig()
    for section in ("storage", "database", "network", "selfplay", "loop", "export", "training", "calibration",
                    "evaluation", "gauntlet", "promotion", "orchestration", "ops"):
        assert getattr(cfg, section) == getattr(d, section), section


def test_relative_locations_resolve_under_home(tmp_path):
    cfg = config_from_dict(None, env={"RINGRIFT_HOME": str(tmp_path)})
    assert cfg.storage_url == f"file://{tmp_path}/store"
    assert cfg.database_url == f"sqlite:///{tmp_path}/forge.db"
    assert cfg.cache_path == tmp_path / "cache"
    cfg = config_from_dict({"storage": {"url": "s3://bucket/prefix"}, "database": {"url": "sqlite:////abs/x.db"}})
    assert cfg.storage_url == "s3://bucket/prefix" and cfg.database_url == "sqlite:////abs/x.db"


def test_env_overrides_are_typed():
    env = {"RINGRIFT_STORE_URL": "memory://t", "RINGRIFT_DB_URL": "postgresql+psycopg://u@h/db",
           "RINGRIFT_S3_ENDPOINT_URL": "http://127.0.0.1:9000", "RINGRIFT_NETWORK_SIZE": "standard"}
    cfg = config_from_dict({}, env=env)
    assert cfg.storage.url == "memory://t" and cfg.database_url == "postgresql+psycopg://u@h/db"
    assert cfg.storage.s3_endpoint_url == "http://127.0.0.1:9000" and cfg.network.size_of().channels == 128


def test_errors_name_the_key_and_file(tmp_path):
    with pytest.raises(ConfigError, match=r"x.yaml: storage.urll: unknown key \(did you mean 'url'\?"):
        config_from_dict({"storage": {"urll": "x"}}, "x.yaml")
    with pytest.raises(ConfigError, match=r"training.batch_size: expected an integer, got 'big'"):
        config_from_dict({"training": {"batch_size": "big"}}, "x.yaml")
    with pytest.raises(ConfigError, match=r"training.augment: expected true/false"):
        config_from_dict({"training": {"augment": 1}})
    with pytest.raises(ConfigError, match="unknown network size 'huge'"):
        config_from_dict({}).network.size_of("huge")
    p = tmp_path / "c.yaml"
    p.write_text("storage: [1, 2\n")
    with pytest.raises(ConfigError, match=r"c.yaml:2: invalid YAML: expected .* \(column 1\)"):
        load_config(p, env={})
    p.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(p, env={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "missing.yaml", env={})
    with pytest.raises(ConfigError, match=r"^\$RINGRIFT_CONFIG_PATH: cannot read config file .*missing.yaml: No such"):
        load_config(env={"RINGRIFT_CONFIG_PATH": str(tmp_path / "missing.yaml")})


def test_config_path_from_environment(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("training:\n  epochs: 9\n")
    assert load_config(env={"RINGRIFT_CONFIG_PATH": str(p)}).training.epochs == 9


@pytest.mark.parametrize("yaml_text, message", [
    ("selfplay:\n  games_per_batch: -5\n", r"c.yaml:2: selfplay.games_per_batch: must be >= 1, got -5$"),
    ("selfplay:\n  games_per_batch: 0\n", r"c.yaml:2: selfplay.games_per_batch: must be >= 1, got 0$"),
    ("selfplay:\n  concurrency: -1\n", r"c.yaml:2: selfplay.concurrency: must be >= 0, got -1$"),
    ("export:\n  gates:\n    max_draw_share: 1.5\n",
     r"c.yaml:3: export.gates.max_draw_share: must be in \[0, 1\], got 1.5$"),
    ("export:\n  val_fraction: 1.0\n", r"c.yaml:2: export.val_fraction: must be in \[0, 1\), got 1.0$"),
    ("training:\n  lr: 0\n", r"c.yaml:2: training.lr: must be > 0, got 0.0$"),
    ("training:\n  amp: fp8\n", r"c.yaml:2: training.amp: must be one of auto, bf16, fp16, off, got 'fp8'"),
    ("selfplay:\n  engine: gumble\n", r"selfplay.engine: .*got 'gumble' \(did you mean 'gumbel'\?\)$"),
    ("selfplay:\n  games_per_bach: 4\n",
     r"c.yaml:2: selfplay.games_per_bach: unknown key \(did you mean 'games_per_batch'\?"),
    ("loop:\n  profiles:\n    minimal: [square9_2p]\n",
     r"c.yaml:3: loop.profiles.minimal\[0\]: unknown config key 'square9_2p'"),
    ("loop:\n  profile: huge\n", r"c.yaml:2: loop.profile: 'huge' is not one of the configured profiles"),
    ("network:\n  size: huge\n", r"c.yaml:2: network.size: 'huge' is not one of the configured sizes"),
    ("network:\n  sizes:\n    tiny: {channels: 0, blocks: 1}\n",
     r"c.yaml:3: network.sizes.tiny.channels: must be >= 1, got 0"),
    ("promotion:\n  min_games: 40\n  max_games: 10\n",
     r"c.yaml:3: promotion.max_games: must be >= min_games \(40\), got 10$"),
    ("export:\n  window: {min_window: 100, max_window: 50}\n", r"export.window.max_window: must be >= min_window"),
    ("ops:\n  watchdog:\n    stuck_action: explode\n", r"c.yaml:3: ops.watchdog.stuck_action: must be one of crash,"),
    ("ladder:\n  anchors: [random, alphazero]\n", r"c.yaml:2: ladder.anchors\[1\]: must be an anchor \(random, "),
    ("ladder:\n  anchors: [mcts-0]\n", r"c.yaml:2: ladder.anchors\[0\]: must be an anchor"),
    ("orchestration:\n  retries: {trian: 1}\n",
     r"orchestration.retries: unknown key 'trian' \(did you mean 'train'\?\)"),
    ("gauntlet:\n  ladder_simulations: [4, 0]\n", r"c.yaml:2: gauntlet.ladder_simulations\[1\]: must be >= 1, got 0"),
    ("training:\n  lr: .nan\n", r"training.lr: expected a number, got nan"),
    ("database:\n  url: forge.db\n", r"c.yaml:2: database.url: must be a SQLAlchemy URL"),
    ("1: x\n2: y\nselfplay: {}\n", r"c.yaml:1: 1: unknown key \(known here: "),
    ("selfplay:\n  games_per_batch: 2\n  3: x\n", r"c.yaml:3: selfplay.3: unknown key \(known here: "),
    ("network:\n  sizes:\n    mid: {blocks: 4}\n",
     r"c.yaml:3: network.sizes.mid: missing required key 'channels' \(required here: channels, blocks\)$"),
])
def test_ranges_enums_and_relations_name_file_line_and_key(tmp_path, yaml_text, message):
    p = tmp_path / "c.yaml"
    p.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message) as exc:
        load_config(p, env={})
    assert "\n" not in str(exc.value) and str(exc.value).startswith(str(p))


@pytest.mark.parametrize("env, message", [
    ({"RINGRIFT_DEVICE": "gpu"},
     r"^\$RINGRIFT_DEVICE \(network.device\): must be auto, cpu, mps, cuda or cuda:N, got 'gpu'$"),
    ({"RINGRIFT_NETWORK_SIZE": "huge"}, r"^\$RINGRIFT_NETWORK_SIZE \(network.size\): 'huge' is not one of"),
    ({"RINGRIFT_PROFILE": "nope"},
     r"^\$RINGRIFT_PROFILE \(loop.profile\): 'nope' is not one of the configured profiles"),
    ({"RINGRIFT_DB_URL": "x"}, r"^\$RINGRIFT_DB_URL \(database.url\): must be a SQLAlchemy URL"),
    ({"RINGRIFT_HOME": ""}, r"^\$RINGRIFT_HOME \(home\): must be a non-empty string"),
])
def test_env_overrides_are_checked_and_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({}, "f.yaml", env)


def test_every_default_passes_its_own_rules():
    """Every default, written out as YAML-like data, is read back through every rule unchanged."""
    cfg = config_from_dict({}, env={})
    data = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "source"}
    assert config_from_dict(data, "<defaults>", env={}) == dataclasses.replace(cfg, source="<defaults>")


def _leaves(d, prefix=()):
    for k, v in d.items():
        if isinstance(v, dict) and v:
            yield from _leaves(v, prefix + (k,))
        else:
            yield prefix + (k,)


def _with(d, path, value):
    out = dict(d)
    out[path[0]] = value if len(path) == 1 else _with(d[path[0]], path[1:], value)
    return out


HOSTILE = (None, -1, 0, 1.5, -0.5, True, "x", "", [], [None], {}, {"k": -1}, 10**30, float("inf"), "../x")


def test_every_key_answers_hostile_values_with_a_config_error_naming_it():
    """Each leaf of the defaults replaced by each hostile value: the config is either accepted or
    refused with a ConfigError naming the key -- never another exception (a traceback)."""
    base = {k: v for k, v in dataclasses.asdict(config_from_dict({}, env={})).items() if k != "source"}
    refused = 0
    for path in _leaves(base):
        for value in HOSTILE:
            try:
                config_from_dict(_with(base, path, value), "h.yaml", env={})
            except ConfigError as e:
                refused += 1
                text = str(e)
                assert "\n" not in text and text.startswith("h.yaml: ")
                assert ".".join(path[:1]) in text, (path, value, text)
    assert refused > 1000


def _imported_modules(code: str) -> list[str]:
    """The modules ``python -c code`` imports beyond a bare interpreter's (``-X importtime``)."""
    def run(c: str) -> set[str]:
        r = subprocess.run([sys.executable, "-X", "importtime", "-c", c], cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
        return {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}

    return sorted(run(code) - run("pass"))


def test_reading_the_config_imports_nothing_heavy_and_nothing_of_the_project():
    """engine.config is a leaf: the command line, the tasks and the tests read the config without
    numpy (0.1 s), torch (1 s) or Prefect (1 s), and no other module of the project comes along."""
    mods = _imported_modules("import engine.config; engine.config.load_config(env={})")  # the shipped file
    assert "engine.config" in mods and "yaml" in mods  # the walk sees what was imported
    heavy = [m for m in mods if m.split(".")[0] in ("numpy", "torch", "prefect")]
    assert not heavy, heavy
    project = [m for m in mods if m.split(".")[0] in ("engine", "ops", "tasks", "flows", "ringrift")]
    assert project == ["engine", "engine.config"]


def test_the_sections_of_other_packages_are_defined_here():
    """Every section type of ForgeConfig is a class of this module (the leaf defines them all)."""
    import typing

    def section_types(cls):
        for f in dataclasses.fields(cls):
            tp = typing.get_type_hints(cls)[f.name]
            if dataclasses.is_dataclass(tp):
                yield tp
                yield from section_types(tp)

    modules = {tp.__module__ for tp in section_types(ForgeConfig)}
    assert modules == {"engine.config"}


def test_ladder_anchor_words_match_what_the_ladder_plays():
    """The config accepts exactly the anchor words ``anchor_spec`` turns into players."""
    from engine.evaluation.ladder import anchor_spec

    for word in ("random", "heuristic_v1", "heuristic:aggressive", "mcts", "mcts-16", "mcts-010"):
        assert config_from_dict({"ladder": {"anchors": [word]}}, env={}).ladder.anchors == (word,)
        anchor_spec(word)
    for word in ("alphazero", "mcts-0", "mcts-x", "heuristic:", "gumbel"):
        with pytest.raises(ConfigError, match=r"ladder.anchors\[0\]: must be an anchor"):
            config_from_dict({"ladder": {"anchors": [word]}}, env={})
        with pytest.raises(ValueError, match="unknown ladder anchor"):
            anchor_spec(word)


# -- the ops section (ops_settings also reads a mapping or any object with an ``ops`` attribute) -----

def test_ops_defaults_without_the_section():
    assert ops_settings(config_from_dict({}, env={})) == OpsSettings()
    assert ops_settings(None) == OpsSettings()


def test_ops_from_a_mapping_section():
    class Cfg:
        ops = {"health": {"pools": ["cpu"], "min_free_disk_gb": 1},
               "watchdog": {"stuck_action": "cancel", "backoff_seconds": 60},
               "workers": {"cpu_limit": 3}}

    st = ops_settings(Cfg())
    assert st.health.pools == ("cpu",) and st.health.min_free_disk_gb == 1
    assert st.watchdog.stuck_action == "cancel" and st.watchdog.backoff_seconds == 60
    assert st.workers.cpu_limit == 3
    assert ops_settings({"ops": {"workers": {"gpu_pool": "g"}}}).workers.gpu_pool == "g"


def test_ops_bad_keys_and_values_are_named():
    class Cfg:
        ops = {"watchdog": {"stuck_action": "explode"}}

    with pytest.raises(ValueError, match="stuck_action"):
        ops_settings(Cfg())
    Cfg.ops = {"health": {"nope": 1}}
    with pytest.raises(ValueError, match="nope"):
        ops_settings(Cfg())
    # the watchdog has no timeout table of its own any more (orchestration.timeouts is the one)
    Cfg.ops = {"watchdog": {"timeouts": {"train": 60}}}
    with pytest.raises(ValueError, match="timeouts"):
        ops_settings(Cfg())


def test_ops_from_a_dataclass_section():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Watchdog:
        stuck_action: str = "reschedule"
        max_actions_per_hour: int = 3

    @dataclass(frozen=True)
    class Ops:
        watchdog: Watchdog = field(default_factory=Watchdog)
        health: dict = field(default_factory=lambda: {"pools": ("gpu",)})

    @dataclass(frozen=True)
    class Cfg:
        ops: Ops = field(default_factory=Ops)

    st = ops_settings(Cfg())
    assert st.watchdog.stuck_action == "reschedule" and st.watchdog.max_actions_per_hour == 3
    assert st.health.pools == ("gpu",) and st.workers == OpsSettings().workers
