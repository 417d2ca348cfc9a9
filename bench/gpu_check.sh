#!/usr/bin/env bash
# The GPU check: CUDA tests, network forward positions/s (batch 256 and 1024, every size), training
# samples/s (every size), Gumbel self-play positions/s with the GPU evaluator at 64/128/256/512 games
# in lockstep; the last line is one JSON object. Made for a lent NVIDIA H100 with that machine's own
# python3 (PyTorch + CUDA, numpy, safetensors, PyYAML, fsspec; no pytest, no Prefect, no installs):
#
#     bash bench/gpu_check.sh                      # < 8 minutes on an H100 (a 7-minute budget inside)
#     bash bench/gpu_check.sh --device cpu --quick # anywhere, in seconds: the script is known to run
#
# Extra arguments go to bench/gpu_check.py (--sizes, --selfplay-sizes, --lockstep, --moves, --budget, ...).
# PYTHON picks the interpreter (default python3); the repository is put on PYTHONPATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
cd "$ROOT"
# a hard stop inside 8 minutes even if a CUDA call hangs (the script's own budget is 7 minutes);
# then the JSON line says so
rc=0
timeout --signal=TERM --kill-after=10 465 "$PY" "$ROOT/bench/gpu_check.py" "$@" || rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo '{"bench": "gpu_check", "ok": false, "errors": ["stopped by the 465 s hard limit of bench/gpu_check.sh"]}'
fi
exit "$rc"
