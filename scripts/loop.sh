#!/usr/bin/env bash
# One generation of the loop on the default config (config/unified_loop.yaml: square8 2p, SQLite and
# a local artifact folder under var/, Prefect's local mode, the tiny network). Creates or reuses
# .venv first (scripts/bootstrap.sh). Extra args go to `ringrift master-loop`
# (e.g. `bash scripts/loop.sh --generations 3`, `bash scripts/loop.sh --status`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export PREFECT_SERVER_ANALYTICS_ENABLED="${PREFECT_SERVER_ANALYTICS_ENABLED:-false}"
# Prefect's local mode starts a temporary server and gives it 20 s; a busy machine needs longer.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="${PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS:-300}"
exec "$ROOT/.venv/bin/ringrift" master-loop "$@"
