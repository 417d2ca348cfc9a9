"""Opening stores: URLs, configuration, what a store prints."""

from __future__ import annotations

import dataclasses

import pytest

from engine.config import ForgeConfig, StorageConfig, config_from_dict
from engine.storage import ArtifactStore, cache_from_config, open_store, store_from_config
from engine.storage.store import as_store


def test_repr_shows_only_the_url(store, target):
    assert isinstance(store, ArtifactStore)
    assert target.url.split("://", 1)[1] in repr(store) and str(store) == repr(store)


def test_store_from_config_local(tmp_path):
    cfg = config_from_dict({"home": str(tmp_path), "storage": {"url": "artifacts", "cache_dir": "c"}}, env={})
    store = store_from_config(cfg)
    assert store.url == f"file://{tmp_path}/artifacts" and (tmp_path / "artifacts").is_dir()
    cache = cache_from_config(cfg)
    assert cache.url == f"file://{tmp_path}/c"
    ref = store.put_bytes(b"cfg")
    assert open_store(tmp_path / "artifacts").get_bytes(ref.sha256) == b"cfg"


def test_store_from_config_s3(new_target):
    t = new_target("s3")
    cfg = dataclasses.replace(ForgeConfig(), storage=StorageConfig(url=t.url, s3_endpoint_url=t.endpoint,
                                                                   s3_region="us-east-1"))
    store = store_from_config(cfg)
    assert store.backend.scheme == "s3" and store.url == t.url
    ref = store.put_bytes(b"via config")
    assert t.open().get_bytes(ref.sha256) == b"via config"


def test_store_from_config_env_override(tmp_path):
    cfg = config_from_dict({"home": str(tmp_path)}, env={"RINGRIFT_STORE_URL": "memory://from-env"})
    assert store_from_config(cfg).url == "memory://from-env"


def test_as_store_accepts_paths_and_stores(tmp_path):
    s = open_store(tmp_path / "x")
    assert as_store(s) is s
    assert as_store(tmp_path / "x").url == s.url and as_store(str(tmp_path / "x")).url == s.url


def test_public_api_is_exported():
    import engine.storage as st

    for name in st.__all__:
        assert hasattr(st, name), name
    with pytest.raises(AttributeError):
        st.nonexistent  # noqa: B018
