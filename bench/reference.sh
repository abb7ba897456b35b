#!/usr/bin/env bash
# bench/reference.sh: the reference token server under jwtharness load, server
# pinned to core 0 and the generator to core 1, for RS256-2048 (jwt_bearer) and
# ES256 (private_key_jwt). Reports successful verifications/s and the ratio to
# the single-core raw go-jose verify ceiling (measured by the generator on its
# own core before the run). Assertions are pre-minted before the run starts
# (RS256 signing on one core is slow), so the run measures the server: each run
# is bounded by REQUESTS (RS256, default 40000) or REQUESTS_ES (ES256, 80000)
# and DUR seconds, whichever comes first.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10}
CONNS=${CONNS:-32}
PORT=${PORT:-18443}
WORK=$(mktemp -d)
trap 'kill "${SRV:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

go build -o "$WORK/refserver" ./bench/refserver
go build -o "$WORK/jwtharness" ./cmd/jwtharness
taskset -c 0 "$WORK/refserver" -addr "127.0.0.1:${PORT}" -dir "$WORK/fixtures" 2>"$WORK/server.log" &
SRV=$!
for _ in $(seq 100); do [ -f "$WORK/fixtures/target.yaml" ] && curl -s -o /dev/null "http://127.0.0.1:${PORT}/token" && break; sleep 0.1; done

echo "# $(date -u +%FT%TZ) $(nproc) CPUs; server (bench/refserver: reference.NewHandler) taskset -c 0; jwtharness load taskset -c 1; closed model, ${CONNS} connections, ${DUR}s"
printf '%-28s %14s %16s %8s %10s\n' case "verifies/s" "ceiling 1 core" ratio "p99"
for spec in "jwt_bearer RS256" "private_key_jwt ES256"; do
	set -- $spec
	n=${REQUESTS:-40000}; [ "$2" = ES256 ] && n=${REQUESTS_ES:-80000}
	taskset -c 1 "$WORK/jwtharness" load --target "$WORK/fixtures/target.yaml" --flow "$1" --alg "$2" \
		--concurrency "$CONNS" --duration "${DUR}s" --requests "$n" --premint "$n" -q --out "$WORK/$2.ndjson" >"$WORK/$2.txt" || {
		echo "load failed for $spec:"; cat "$WORK/$2.txt"; exit 1; }
	python3 - "$WORK/$2.ndjson" "$1 $2" <<'PY'
import json, sys
h = s = None
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "header": h = r
    if r["type"] == "summary": s = r
c = h["ceiling"]
bits = "-%d" % c["key_bits"] if c.get("key_bits") else ""
v = s["verify_rate"]
starved = (s.get("pool") or {}).get("starved", 0)
print("%-28s %14.0f %16.0f %7.2fx %10s%s" % (sys.argv[2] + bits, v, c["per_core"], v / c["per_core"],
      "%.2fms" % (s["all"]["response"]["p99_us"] / 1000), "  (pool starved %d: minting behind)" % starved if starved else ""))
PY
done
