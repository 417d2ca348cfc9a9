"""The cluster set-up for the loop tests: moto's S3 server and a PostgreSQL database (the fixtures of
the storage and database tests)."""

from tests.db.conftest import _url, pg_admin, pg_database, pg_empty_url, pg_session_db  # noqa: F401
from tests.storage.conftest import aws_env, s3_server  # noqa: F401
