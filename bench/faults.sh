#!/usr/bin/env bash
# Faults under load: bench/faults for a bounded time (default 3 minutes).
#   bench/faults.sh [-duration 3m] [-conns 16] [-timeout-ms 2000]
set -eu
cd "$(dirname "$0")/.."
exec go run ./bench/faults "$@"
