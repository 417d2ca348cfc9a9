"""engine.redact: one redaction for URLs, exception texts and environment variables."""

from __future__ import annotations

import pytest

from engine.redact import MASK, is_secret_name, redact_env, redact_exception, redact_text, redact_url

URL = "postgresql+psycopg://u:pw@127.0.0.1:1/db?password=QuerySecret456"


@pytest.mark.parametrize("url,want", [
    (URL, "postgresql+psycopg://u:***@127.0.0.1:1/db?password=***"),
    ("http://user:secret@minio:9000/x?token=abc#f", "http://user:***@minio:9000/x?token=***#f"),
    ("postgresql://h/db?sslpassword=x&AWS_Secret_Access_Key=y&sslmode=require&Api-Key=z",
     "postgresql://h/db?sslpassword=***&AWS_Secret_Access_Key=***&sslmode=require&Api-Key=***"),
    ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
    ("s3://bucket/prefix", "s3://bucket/prefix"),
    ("postgresql://postgres@127.0.0.1:5432/forge", "postgresql://postgres@127.0.0.1:5432/forge"),
    ("sqlite:////var/forge.db", "sqlite:////var/forge.db"),
    ("/plain/path", "/plain/path"),
])
def test_redact_url(url, want):
    assert redact_url(url) == want


def test_secret_names_are_case_insensitive_and_cover_compounds():
    for n in ("password", "PASSWORD", "sslpassword", "aws_secret_access_key", "X-Amz-Security-Token", "key",
              "api_key", "PGPASSWORD", "client_secret", "passwd", "signature"):
        assert is_secret_name(n), n
    for n in ("sslmode", "user", "host", "region", "dbname"):
        assert not is_secret_name(n), n


def test_redact_text_masks_urls_and_pairs_inside_messages():
    msg = (f"Could not parse SQLAlchemy URL from string '{URL}'; dsn: host=h password=pw2 user=u "
           '{"client_secret": "s3cr3t", "config_key": "square8_2p"} api_key=k123 config_key=hex8_3p')
    out = redact_text(msg)
    for secret in ("QuerySecret456", ":pw@", "pw2", "s3cr3t", "k123"):
        assert secret not in out, (secret, out)
    assert "config_key=hex8_3p" in out and '"config_key": "square8_2p"' in out and "user=u" in out


def test_redact_exception_and_env():
    assert redact_exception(ValueError(f"bad {URL}")) == "ValueError: bad " + redact_url(URL)
    assert redact_exception(KeyError()) == "KeyError"
    assert redact_env("AWS_SECRET_ACCESS_KEY", "abc") == MASK
    assert redact_env("RINGRIFT_DB_URL", URL) == redact_url(URL)
    assert redact_env("PREFECT_API_URL", "http://prefect:4200/api") == "http://prefect:4200/api"
    assert redact_env("SOME_TOKEN", "") == ""


def test_key_in_free_text_counts_only_as_a_word_of_its_own():
    out = redact_text("monkey=1 key=2 api_key=3 sslkey=4 private_key=5 config_key=6 cache_key=7 AWS_ACCESS_KEY_ID=9")
    assert out == ("monkey=1 key=*** api_key=*** sslkey=*** private_key=*** config_key=6 cache_key=7 "
                   "AWS_ACCESS_KEY_ID=9")
