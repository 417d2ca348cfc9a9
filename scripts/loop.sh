#!/usr/bin/env bash
# One generation of the loop on the default config (config/unified_loop.yaml: square8 2p, SQLite and
# a local artifact folder under var/, Prefect's local mode, the tiny network). Creates or reuses
# .venv first (scripts/bootstrap.sh). Extra args go to `ringrift master-loop`
# (e.g. `bash scripts/loop.sh --generations 3`, `bash scripts/loop.sh --status`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# Prefect's settings for a busy machine (startup timeout, analytics off) are set by the CLI
# itself before it imports Prefect (ringrift/_prefect_env.py).
exec "$ROOT/.venv/bin/ringrift" master-loop "$@"
