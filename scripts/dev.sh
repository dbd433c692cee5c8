#!/usr/bin/env bash
# Starts the Dagster UI on the same DAWA_HOME as `make demo`, stoppable with Ctrl-C or SIGTERM.
# A background job of a non-interactive shell starts with SIGINT ignored, and dagster dev maps SIGTERM onto
# its SIGINT handler, so both would be ignored; dagster therefore starts with default signal handling.
set -euo pipefail
set -m
repo="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="$repo/.venv/bin:$PATH"
cd "$repo"
eval "$(dawa dagster-env)"
python -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' \
  dagster dev -w workspace.yaml -h "${DAWA_DEV_HOST:-127.0.0.1}" -p "${DAWA_DEV_PORT:-3000}" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null; wait "$pid"' INT TERM
wait "$pid"
