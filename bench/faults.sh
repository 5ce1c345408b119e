#!/usr/bin/env bash
# Faults and attacks, each bounded in time and count (bench/faults):
#   load      load through an HTTP API private path while backends stop and a
#             security group rule is revoked, in turn (-duration, default 3m)
#   selfloop  an HTTP_PROXY integration calling its own API's invoke URL, HTTP and REST
#   stall     stalled request bodies, a 100 MB management body that stops after
#             one byte, idle keep-alive connections (-idle-conns under -stall-nofile)
#
#   bench/faults.sh [-run load,selfloop,stall] [-duration 3m] [-conns 16] [-serve-flags '--pprof']
#
# selfloop and stall run a `gatehouse serve` built here, under its own
# descriptor limit, and read its figures from /proc; see docs/faults.md.
set -eu
cd "$(dirname "$0")/.."
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
echo "building gatehouse"
go build -o "$bin/gatehouse" ./cmd/gatehouse
go build -o "$bin/faults" ./bench/faults
# The profiler gives the goroutine count; builds that guard it behind a flag need it.
extra=()
if "$bin/gatehouse" serve -h 2>&1 | grep -q -- '-pprof'; then
  extra=(-serve-flags --pprof)
fi
"$bin/faults" -gatehouse "$bin/gatehouse" "${extra[@]}" "$@"
