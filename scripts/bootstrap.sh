#!/usr/bin/env bash
# Create or reuse .venv in the repository root and install the project (editable, with the
# `test` extra). The pip step is skipped when pyproject.toml and the interpreter are unchanged
# since the last successful install (stamp file inside .venv). Safe to run repeatedly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.ringrift-bootstrap.stamp"
PYTHON="${PYTHON:-python3}"

cd "$ROOT"

# Serialise concurrent bootstraps (e.g. demo and tests started together) when flock exists.
if command -v flock >/dev/null 2>&1; then
    LOCK="${TMPDIR:-/tmp}/ringrift-bootstrap-$(printf '%s' "$ROOT" | sha256sum | cut -c1-16).lock"
    exec 9>"$LOCK"
    flock 9
fi

# A venv whose interpreter no longer runs (moved, Python removed) is rebuilt.
if [[ -d "$VENV" ]] && ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
    echo "bootstrap: $VENV is broken; recreating it" >&2
    rm -rf "$VENV"
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "bootstrap: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi

want="$(cat pyproject.toml <("$VENV/bin/python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"

if [[ "$want" == "$have" && -x "$VENV/bin/ringrift" ]]; then
    exit 0
fi

echo "bootstrap: installing ringrift-forge (editable, [test]) into $VENV" >&2
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[test]'
printf '%s\n' "$want" > "$STAMP"
echo "bootstrap: done" >&2
