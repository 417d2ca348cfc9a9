#!/usr/bin/env bash
# Run the whole test suite on 2 workers. Extra args go to pytest
# (e.g. `bash scripts/test.sh -m "not slow"`, `bash scripts/test.sh tests/game -x`).
# pytest's exit code is passed through unchanged (5 = no tests collected is a failure here).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
# Bytecode caches on: with PYTHONDONTWRITEBYTECODE set (some images set it) every run recompiles the
# project and re-rewrites every test module and pytest plugin package (hypothesis) from source:
# collection took 10 s of CPU instead of 4.
unset PYTHONDONTWRITEBYTECODE
exec "$ROOT/.venv/bin/python" -m pytest -n 2 "$@"
