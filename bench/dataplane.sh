#!/usr/bin/env bash
# Data-plane benchmark: gatehouse's HTTP API and REST API private paths,
# measured in one run beside the backend direct, nginx, haproxy and Go's
# httputil proxy (bench/harness/run.sh). Bounded: run.sh's rounds and
# durations; everything it starts is stopped on exit.
#
#   bench/dataplane.sh [run.sh flags, e.g. -r 3 -d 6s -c 64]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${SHARED_BENCH:-$here/harness}
bin=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$bin"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$bin/gatehouse" ./cmd/gatehouse && go build -o "$bin/setup" ./bench/setup)
port=${GATEHOUSE_PORT:-14566}
"$bin/gatehouse" serve --in-memory --listen 127.0.0.1:$port --vpc-link-delay 0 --log-level warn &
pids+=($!)
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.1; done
kill -0 "${pids[0]}" 2>/dev/null || { echo "gatehouse did not start (is port $port free? set GATEHOUSE_PORT)"; exit 1; }
urls=$("$bin/setup" -endpoint http://127.0.0.1:$port)
echo "$urls"
"$shared/run.sh" "$@" $(echo "$urls" | sed 's/^http=/gh-http=/; s/^rest=/gh-rest=/')
