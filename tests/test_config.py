"""ForgeConfig: defaults, the shipped file, env overrides, and errors that name the key and file."""

from __future__ import annotations

import pytest

from engine.config import DEFAULT_CONFIG_PATH, ConfigError, ForgeConfig, config_from_dict, load_config


def test_shipped_file_equals_the_defaults():
    cfg = load_config(env={})
    assert cfg.source == str(DEFAULT_CONFIG_PATH)
    d = ForgeConfig()
    for section in ("storage", "database", "network", "selfplay", "loop", "export", "training", "calibration", "evaluation", "gauntlet", "promotion", "orchestration", "ops"):
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


def test_config_path_from_environment(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("training:\n  epochs: 9\n")
    assert load_config(env={"RINGRIFT_CONFIG_PATH": str(p)}).training.epochs == 9
