#!/usr/bin/env bash
# Play a few random games on every board and print a summary. Extra args go to `ringrift demo`
# (e.g. `bash scripts/demo.sh --games 1 --boards square8`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/ringrift" demo "$@"
