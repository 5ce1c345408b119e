#!/usr/bin/env bash
# The data-plane yardstick: wrk against the benchmark backend directly (the
# ceiling), nginx and haproxy as plain reverse proxies (what one would use
# instead), Go's httputil.ReverseProxy (where a Go gateway starts), and any
# NAME=URL targets given, e.g. gatehouse invoke URLs whose integrations end
# at the backend on 127.0.0.1:19001. Each round runs every target in turn,
# so drift on a shared machine hits all alike; the table gives each
# target's median over the rounds and its ratio to nginx and to direct.
# Everything listens on loopback; every load run lasts DURATION.
#
#   bench/harness/run.sh [-r ROUNDS] [-d DURATION] [-c CONNECTIONS] [NAME=URL ...]
#
# Needs wrk, nginx and haproxy (apt-get install wrk nginx-light haproxy).
set -u
rounds=3 duration=8s conns=64
while getopts r:d:c: opt; do
  case $opt in r) rounds=$OPTARG ;; d) duration=$OPTARG ;; c) conns=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
for tool in wrk nginx haproxy go; do
  command -v $tool >/dev/null || { echo "run.sh needs $tool (apt-get install wrk nginx-light haproxy)"; exit 2; }
done
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
run=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$run"; }
trap cleanup EXIT
(cd "$repo" && go build -o "$run/backend" ./bench/harness/backend && go build -o "$run/goproxy" ./bench/harness/goproxy) || exit 1
"$run/backend" -listen 127.0.0.1:19001 & pids+=($!)
sed "s|RUNDIR|$run|g" "$here/nginx.conf" >"$run/nginx.conf"
nginx -c "$run/nginx.conf" -p "$run" & pids+=($!)
haproxy -f "$here/haproxy.cfg" & pids+=($!)
"$run/goproxy" -listen 127.0.0.1:19005 -target http://127.0.0.1:19001 & pids+=($!)
sleep 1

names=(direct nginx haproxy goproxy)
declare -A url=([direct]=http://127.0.0.1:19001/a/b [nginx]=http://127.0.0.1:19002/a/b
  [haproxy]=http://127.0.0.1:19003/a/b [goproxy]=http://127.0.0.1:19005/a/b)
for t in "$@"; do
  names+=("${t%%=*}")
  url[${t%%=*}]=${t#*=}
done

# One line per target and round: name req/s p50 p99 (milliseconds) non-2xx.
for r in $(seq "$rounds"); do
  for n in "${names[@]}"; do
    wrk -t1 -c"$conns" -d"$duration" --latency "${url[$n]}" 2>&1 | awk -v n="$n" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      $1 == "50%" { p50 = ms($2) }
      $1 == "99%" { p99 = ms($2) }
      /Non-2xx/ { bad = $NF }
      END { printf "%s %s %s %s %d\n", n, rps + 0, p50 + 0, p99 + 0, bad + 0 }' | tee -a "$run/results" |
      awk -v r="$r" '{ printf "round %s %s: %.0f req/s%s\n", r, $1, $2, ($5 > 0 ? " (" $5 " non-2xx)" : "") }' >&2
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$run/results"; }
nginx_rps=$(field nginx 2 | median)
direct_rps=$(field direct 2 | median)
printf '%-12s %9s %9s %9s %7s %7s %8s %8s %s\n' target req/s min max 'p50 ms' 'p99 ms' 'x nginx' 'x direct' non-2xx
for n in "${names[@]}"; do
  rps=$(field "$n" 2 | median)
  awk -v n="$n" -v rps="$rps" -v lo="$(field "$n" 2 | sort -g | head -1)" -v hi="$(field "$n" 2 | sort -g | tail -1)" \
    -v p50="$(field "$n" 3 | median)" -v p99="$(field "$n" 4 | median)" -v bad="$(field "$n" 5 | awk '{ s += $1 } END { print s + 0 }')" \
    -v ng="$nginx_rps" -v dr="$direct_rps" \
    'BEGIN { printf "%-12s %9.0f %9.0f %9.0f %7.2f %7.2f %8.2f %8.2f %d\n", n, rps, lo, hi, p50, p99, (ng > 0 ? rps / ng : 0), (dr > 0 ? rps / dr : 0), bad }'
done
