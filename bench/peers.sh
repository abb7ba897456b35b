#!/usr/bin/env bash
# bench/peers.sh: jwtharness load (raw calibration mode) against wrk, hey and
# bombardier on one trivial loopback endpoint. Same duration, same number of
# connections; the server is pinned to core 0 and every generator to core 1.
# Bounded: DUR seconds per tool (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10}
CONNS=${CONNS:-64}
PORT=${PORT:-18080}
URL="http://127.0.0.1:${PORT}/"
WORK=$(mktemp -d)
trap 'kill "${SRV:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

command -v wrk >/dev/null && command -v hey >/dev/null || apt-get install -y wrk hey >/dev/null
BOMB=$(command -v bombardier || true)
case "$BOMB" in
"" | /usr/games/*) go install github.com/codesenberg/bombardier@v1.2.6; BOMB="$(go env GOPATH)/bin/bombardier" ;;
esac

go build -o "$WORK/trivial" ./bench/trivial
go build -o "$WORK/jwtharness" ./cmd/jwtharness
taskset -c 0 "$WORK/trivial" -addr "127.0.0.1:${PORT}" &
SRV=$!
for _ in $(seq 50); do curl -fs "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, ${DUR}s per tool, ${CONNS} connections, server taskset -c 0, generators taskset -c 1"
wrk_rps=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" | awk '/Requests\/sec/ {print $2}')
sleep 1
hey_rps=$(taskset -c 1 hey -z "${DUR}s" -c "$CONNS" "$URL" | awk '/Requests\/sec/ {print $2}')
sleep 1
bomb_rps=$(taskset -c 1 "$BOMB" -c "$CONNS" -d "${DUR}s" -p r -o json "$URL" | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["result"]["rps"]["mean"])')
sleep 1
taskset -c 1 "$WORK/jwtharness" load --url "$URL" --method GET --concurrency "$CONNS" --duration "${DUR}s" -q --out "$WORK/raw.ndjson" >/dev/null
jh_rps=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "summary": print("%.2f" % r["all"]["rate"])' "$WORK/raw.ndjson")

printf '%-22s %12s\n' tool requests/s
printf '%-22s %12s\n' "wrk (-t1)" "$wrk_rps" hey "$hey_rps" bombardier "$bomb_rps" "jwtharness load (raw)" "$jh_rps"
python3 - "$jh_rps" "$hey_rps" "$bomb_rps" "$wrk_rps" <<'PY'
import sys
jh, hey, bomb, wrk = map(float, sys.argv[1:])
for name, v, goal in (("hey", hey, 1.0), ("bombardier", bomb, 1.0), ("wrk", wrk, 0.8)):
    r = jh / v
    print("jwtharness/%-10s %.2fx  (goal >= %.1fx: %s)" % (name, r, goal, "met" if r >= goal else "NOT met"))
PY
