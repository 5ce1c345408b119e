#!/usr/bin/env bash
# Brings up the three architectures with echo backends on loopback:
#   HTTP API -> VPC link V2 -> internal ALB -> task-1, task-2
#   REST API -> VPC link v1 -> internal NLB -> task-a, task-b
#   REST API -> VPC link V2 -> internal ALB -> task-x, task-y
# then serves until Ctrl-C. Try the curl lines it prints in another shell.
#
#   examples/blog/run.sh [--listen 127.0.0.1:4566]
set -eu
cd "$(dirname "$0")/../.."
listen=127.0.0.1:4566
[ "${1:-}" = "--listen" ] && listen=$2
bin=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$bin"; }
trap cleanup EXIT INT TERM
echo "building gatehouse (the first build downloads modules and takes a few minutes)"
go build -o "$bin/gatehouse" ./cmd/gatehouse
echo "starting six echo backends on 127.0.0.1:9001-9022"
for b in 9001:task-1 9002:task-2 9011:task-a 9012:task-b 9021:task-x 9022:task-y; do
  "$bin/gatehouse" echo --listen "127.0.0.1:${b%%:*}" --name "${b#*:}" 2>/dev/null &
  pids+=($!)
done
echo "deploying the three stacks with gatehouse up"
# up's lines go to the terminal as it prints them, and to up.log to be read below.
"$bin/gatehouse" up --in-memory --listen "$listen" --vpc-link-delay 0 \
  examples/blog/http-api.yaml examples/blog/rest-api.yaml examples/blog/rest-api-v2.yaml > >(tee "$bin/up.log") 2>&1 &
pids+=($!)
# up says it is serving once every stack is deployed.
until grep -q 'gatehouse serving on' "$bin/up.log" 2>/dev/null; do
  kill -0 "${pids[-1]}" 2>/dev/null || exit 1
  sleep 0.2
done
http=$(awk '/ApiEndpoint/ {print $NF}' "$bin/up.log" | head -1)
# The RestApiId output of one stack (up names each after its file).
rest_id() { awk -v st="$1:" '$1 == "Stack" && $2 == st {s = 1; next} !/^  / {s = 0} s && $1 == "RestApiId" {print $NF}' "$bin/up.log"; }
rest=$(rest_id rest-api)
rest2=$(rest_id rest-api-v2)
http_id=${http#http://}; http_id=${http_id%%.*}
cat <<MSG

All three paths are up. In another shell:
  curl -s http://$listen/_aws/execute-api/$http_id/pets/1                     # HTTP API -> link V2 -> ALB -> task-1|task-2
  curl -s http://$listen/restapis/$rest/prod/_user_request_/pets/1            # REST API -> link v1 -> NLB -> task-a|task-b
  curl -s http://$listen/restapis/$rest2/prod/_user_request_/pets/1            # REST API -> link V2 -> ALB -> task-x|task-y
  go run ./cmd/gatehouse explain --endpoint http://$listen $http_id 'ANY /{proxy+}'
Ctrl-C stops everything.
MSG
wait "${pids[-1]}"
