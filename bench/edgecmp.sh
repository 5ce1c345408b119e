#!/usr/bin/env bash
# What the invoke listener could be built on, measured: gatehouse's HTTP API
# private path beside bare reverse proxies with no gateway logic
# (bench/edgecmp: net/http's server with net/http's Transport or gatehouse's
# H1 transport, a connection loop on net/http's parser, fasthttp bare and
# behind its net/http adaptor), all in one run of bench/harness/run.sh.
# Bounded like dataplane.sh.
#
#   bench/edgecmp.sh [run.sh flags, e.g. -r 3 -d 6s -c 64]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
shared=${SHARED_BENCH:-$here/harness}
bin=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$bin"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$bin/gatehouse" ./cmd/gatehouse && go build -o "$bin/setup" ./bench/setup)
(cd "$here/edgecmp" && go build -o "$bin/edgecmp" .)
port=${GATEHOUSE_PORT:-14566}
"$bin/gatehouse" serve --in-memory --listen 127.0.0.1:$port --vpc-link-delay 0 --log-level warn &
pids+=($!)
# The same collector setting gatehouse serve picks for itself.
for m in std:19011 h1:19012 lean:19015 fast:19013 adapt:19014; do
  GOGC=400 "$bin/edgecmp" -mode ${m%%:*} -listen 127.0.0.1:${m#*:} & pids+=($!)
done
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:$port/ && break; sleep 0.1; done
urls=$("$bin/setup" -endpoint http://127.0.0.1:$port)
echo "$urls"
"$shared/run.sh" "$@" $(echo "$urls" | grep '^http=' | sed 's/^http=/gh-http=/') \
  net-std=http://127.0.0.1:19011/a/b net-h1=http://127.0.0.1:19012/a/b lean-h1=http://127.0.0.1:19015/a/b fasthttp=http://127.0.0.1:19013/a/b fast-adapt=http://127.0.0.1:19014/a/b
