#!/usr/bin/env bash
# Management-plane throughput: the same call sequence (bench/mgmt) against
# gatehouse and against moto_server in one run, plus gatehouse's start-up
# time to its first answered request and its idle resident memory.
#
#   bench/mgmt.sh [-routes N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
bin=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$bin"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$bin/gatehouse" ./cmd/gatehouse && go build -o "$bin/mgmt" ./bench/mgmt)
gh=${GATEHOUSE_PORT:-14567} moto=${MOTO_PORT:-14568}

# Start-up: from exec to the first answered request.
t0=$(date +%s%N)
"$bin/gatehouse" serve --in-memory --listen 127.0.0.1:$gh --log-level warn &
pids+=($!)
until curl -s -o /dev/null http://127.0.0.1:$gh/; do :; done
t1=$(date +%s%N)
echo "gatehouse start-up to first answer: $(( (t1 - t0) / 1000000 )) ms"
echo "gatehouse idle RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/${pids[0]}/status)"

command -v moto_server >/dev/null || { echo "moto_server not found: measuring gatehouse only"; "$bin/mgmt" -endpoint http://127.0.0.1:$gh "$@"; exit 0; }
moto_server -H 127.0.0.1 -p $moto >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:$moto/ && break; sleep 0.1; done

"$bin/mgmt" -endpoint http://127.0.0.1:$gh "$@"
"$bin/mgmt" -endpoint http://127.0.0.1:$moto "$@"
echo "gatehouse RSS after the run: $(awk '/VmRSS/ {print $2, $3}' /proc/${pids[0]}/status)"
