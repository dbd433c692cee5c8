#!/usr/bin/env bash
# Starts the Dagster UI on the same DAWA_HOME as `make demo`. Job control (set -m) lets Ctrl-C and
# SIGTERM reach `dagster dev`: without it, bash starts background jobs with SIGINT ignored.
set -euo pipefail
set -m
eval "$(dawa dagster-env)"
dagster dev -w workspace.yaml -h "${DAWA_DEV_HOST:-127.0.0.1}" -p "${DAWA_DEV_PORT:-3000}" &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null; wait "$pid"' INT TERM
wait "$pid"
