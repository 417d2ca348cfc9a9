"""`ringrift health` never prints a secret of the database URL (issue 13: a password in a query
parameter was printed), through the real command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("pw", "QuerySecret456", "Ssl-Secret-789", "AwsKey321")


def _health(tmp_path, db_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RINGRIFT_")}
    env.update(RINGRIFT_HOME=str(tmp_path), RINGRIFT_DB_URL=db_url, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "ringrift", "health", "--json", "--no-prefect"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)


def _assert_no_secret(text: str) -> None:
    assert ":pw@" not in text and "pw@" not in text
    for s in SECRETS[1:]:
        assert s not in text


@pytest.mark.parametrize("db_url", [
    # the case: nothing listens on port 1, the connection fails
    "postgresql+psycopg://u:pw@127.0.0.1:1/db?password=QuerySecret456",
    # the real server (trust auth): the check succeeds far enough to print the URL it opened
    "postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres?password=QuerySecret456&sslpassword=Ssl-Secret-789",
    # an option the driver refuses: its error names the option
    "postgresql+psycopg://u:pw@127.0.0.1:1/db?aws_secret_access_key=AwsKey321",
    # not even a URL SQLAlchemy can parse: its error quotes the string
    "postgresql+psycopg://u:pw@[::1/db?password=QuerySecret456",
])
def test_health_prints_no_password_of_the_database_url(tmp_path, db_url):
    p = _health(tmp_path, db_url)
    out = p.stdout + p.stderr
    _assert_no_secret(out)
    assert "Traceback" not in out
    rep = json.loads(p.stdout.splitlines()[0])
    db = next(c for c in rep["checks"] if c["name"] == "database")
    assert db["detail"]  # something useful is still said
    if "5432" in db_url:
        assert "postgres:***@127.0.0.1:5432/postgres?password=***&sslpassword=***" in db["detail"], db["detail"]
