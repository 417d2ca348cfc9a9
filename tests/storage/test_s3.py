"""S3 specifics against a real S3 API (moto server): conditional writes, secrets, errors.

What moto 5.2.5 does, verified here: ``put_object`` honours ``If-None-Match: *`` (412 when the key
exists) and ``If-Match: <etag>`` (412 on a different etag, 404 NoSuchKey when the key is absent),
and the store turns each of these into ``PointerConflict``.
"""

from __future__ import annotations

import logging

import pytest
from botocore.exceptions import ClientError

from engine.storage import BackendError, ObjectNotFound, PointerConflict, open_store
from engine.storage.s3 import _is_conflict
from tests.storage.conftest import FAKE_ACCESS_KEY, FAKE_SECRET
from tests.storage.helpers import publish


@pytest.fixture
def s3(new_target):
    return new_target("s3")


def raw_put(store, key, **cond):
    b = store.backend
    return b.fs.call_s3("put_object", Bucket=b.bucket, Key=b._s3key(key), Body=b"x", **cond)


def test_moto_enforces_conditional_puts_with_412(s3):
    store = s3.open()
    etag = raw_put(store, "k", IfNoneMatch="*")["ETag"]
    for cond in ({"IfNoneMatch": "*"}, {"IfMatch": '"0123456789abcdef0123456789abcdef"'}):
        with pytest.raises(OSError) as ei:
            raw_put(store, "k", **cond)
        cause = ei.value.__cause__
        assert isinstance(cause, ClientError)
        assert cause.response["ResponseMetadata"]["HTTPStatusCode"] == 412
        assert cause.response["Error"]["Code"] == "PreconditionFailed"
        assert _is_conflict(ei.value)
    assert raw_put(store, "k", IfMatch=etag)["ETag"]  # the right etag passes
    with pytest.raises(OSError) as ei:
        raw_put(store, "absent", IfMatch=etag)
    assert ei.value.__cause__.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert _is_conflict(ei.value)


def test_a_412_from_the_server_becomes_pointer_conflict(s3):
    store, rival = s3.open(), s3.open()
    m1 = publish(store, {"a": b"1"})
    m2 = publish(store, {"a": b"2"})
    p1 = store.swap_pointer("champion/x", m1, None)
    rival.swap_pointer("champion/x", m2, rival.read_pointer("champion/x"))
    with pytest.raises(PointerConflict) as ei:
        store.swap_pointer("champion/x", m1, p1)  # If-Match with p1's etag -> 412
    assert isinstance(ei.value.__context__, Exception)
    with pytest.raises(PointerConflict):
        store.swap_pointer("champion/x", m1, None)  # If-None-Match: * -> 412
    assert p1.etag.startswith('"')  # the real S3 ETag


def test_secrets_never_appear_in_reprs_errors_or_logs(s3, caplog):
    caplog.set_level(logging.DEBUG)
    store = open_store(s3.url, s3_endpoint_url=s3.endpoint.replace("http://", "http://user:pw-in-url@"))
    texts = [repr(store), str(store), repr(store.backend), store.url]
    assert "***@127.0.0.1" in repr(store.backend)  # the endpoint is shown, without its userinfo
    good = s3.open()
    ref = good.put_bytes(b"payload")
    good.get_bytes(ref.sha256)
    with pytest.raises(ObjectNotFound) as ei2:
        good.get_bytes("2" * 64)
    texts += [str(ei2.value), repr(good)]
    joined = "\n".join(texts)
    for secret in (FAKE_SECRET, FAKE_ACCESS_KEY, "pw-in-url"):
        assert secret not in joined
    assert FAKE_SECRET not in caplog.text


def test_missing_bucket_is_a_clear_error(new_target, s3_server):
    store = open_store(f"s3://no-such-bucket-{s3_server.bucket[-8:]}/p", s3_endpoint_url=s3_server.endpoint)
    with pytest.raises(BackendError) as ei:
        store.put_bytes(b"x")
    assert "no-such-bucket" in str(ei.value) and "objects/" in str(ei.value)


def test_store_at_bucket_root(s3_server, aws_env):
    import uuid

    import boto3

    bucket = f"forge-root-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_server.endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    store = open_store(f"s3://{bucket}", s3_endpoint_url=s3_server.endpoint, s3_region="us-east-1")
    ref = store.put_bytes(b"at the root")
    assert store.list_objects() == (ref,)
    assert store.backend.fs.cat_file(f"{bucket}/{ref.key}") == b"at the root"


def test_invalid_s3_url():
    from engine.storage import StorageError

    with pytest.raises(StorageError, match="expected s3://bucket"):
        open_store("s3://")


def test_big_object_uses_multipart_and_stays_atomic(s3, tmp_path, monkeypatch):
    """Above the multipart threshold, put_file completes (atomically) and reads back verified."""
    import os

    store = s3.open()
    data = os.urandom(11 << 20)
    p = tmp_path / "big"
    p.write_bytes(data)
    calls = []
    real = store.backend.fs._call_s3

    async def spy(method, *a, **kw):
        calls.append(method)
        return await real(method, *a, **kw)

    monkeypatch.setattr(store.backend.fs, "_call_s3", spy)
    monkeypatch.setattr(store.backend.fs, "default_block_size", 5 << 20)
    from s3fs import core as s3core

    monkeypatch.setattr(s3core, "calculate_chunksize", lambda size, chunksize=None: 5 << 20)
    ref = store.put_file(p)
    assert "complete_multipart_upload" in calls
    assert store.get_bytes(ref.sha256) == data


def test_missing_bucket_is_never_mistaken_for_an_absent_pointer(s3_server, aws_env):
    store = open_store(f"s3://missing-{s3_server.bucket[-10:]}/p", s3_endpoint_url=s3_server.endpoint)
    for call in (lambda: store.read_pointer("champion/x"), store.list_objects, store.list_pointers):
        with pytest.raises(BackendError, match="bucket does not exist"):
            call()
