#!/bin/sh
# Runs once, when the PostgreSQL volume is created: the pipeline's own database and role, next to
# Prefect's (POSTGRES_DB). The pipeline migrates its schema itself (engine.db, Alembic).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE "${FORGE_DB_USER}" LOGIN PASSWORD '${FORGE_DB_PASSWORD}';
CREATE DATABASE forge OWNER "${FORGE_DB_USER}";
SQL
