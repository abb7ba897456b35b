#!/usr/bin/env bash
# bench/reference.sh: the reference token server under jwtharness load, server
# pinned to core 0 and the generator to core 1, for RS256-2048 (jwt_bearer) and
# ES256 (private_key_jwt). Reports successful verifications/s and the ratio to
# the single-core raw go-jose verify ceiling (measured by the generator on its
# own core before the run). Assertions are pre-minted before the run starts
# (RS256 signing on one core is slow), so the run measures the server: each run
# is bounded by REQUESTS (RS256, default 40000) or REQUESTS_ES (ES256, 80000)
# and DUR seconds, whichever comes first. 8 connections keep a one-core server
# busy; more only add queueing (CONNS=8/16/64 compared in BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${DUR:-10}
CONNS=${CONNS:-8}
PORT=${PORT:-18443}
WORK=$(mktemp -d)
trap 'kill "${SRV:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

go build -o "$WORK/refserver" ./bench/refserver
go build -o "$WORK/jwtharness" ./cmd/jwtharness
taskset -c 0 "$WORK/refserver" -addr "127.0.0.1:${PORT}" -dir "$WORK/fixtures" 2>"$WORK/server.log" &
SRV=$!
for _ in $(seq 100); do [ -f "$WORK/fixtures/target.yaml" ] && curl -s -o /dev/null "http://127.0.0.1:${PORT}/token" && break; sleep 0.1; done

ROUNDS=${ROUNDS:-2}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs; server (bench/refserver: reference.NewHandler) taskset -c 0; jwtharness load taskset -c 1; closed model, ${CONNS} connections, at most ${DUR}s; ${ROUNDS} rounds; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
	for spec in "jwt_bearer RS256" "private_key_jwt ES256"; do
		set -- $spec
		n=${REQUESTS:-40000}
		[ "$2" = ES256 ] && n=${REQUESTS_ES:-80000}
		taskset -c 1 "$WORK/jwtharness" load --target "$WORK/fixtures/target.yaml" --flow "$1" --alg "$2" \
			--concurrency "$CONNS" --duration "${DUR}s" --requests "$n" --premint "$((n * 2))" -q --out "$WORK/$2.ndjson" >"$WORK/$2.txt" || {
			echo "load failed for $spec:"
			cat "$WORK/$2.txt"
			exit 1
		}
		python3 - "$WORK/$2.ndjson" "$1/$2" >>"$WORK/results" <<'PY'
import json, sys
h = s = None
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "header": h = r
    if r["type"] == "summary": s = r
c = h["ceiling"]
name = sys.argv[2] + ("-%d" % c["key_bits"] if c.get("key_bits") else "")
starved = (s.get("pool") or {}).get("starved", 0)
print(name, s["verify_rate"], c["per_core"], s["all"]["response"]["p99_us"], s["cpu"]["cores"], starved, s["all"]["counters"]["sent"], s["elapsed"])
PY
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append(f[1:])
print("%-28s %12s %14s %8s %8s   %s" % ("case", "verifies/s", "ceiling 1 core", "best", "median", "rounds: verifies/s / ceiling = ratio (p99, generator cores, sent, elapsed)"))
for name, rs in rows.items():
    ratios = [float(r[0]) / float(r[1]) for r in rs]
    best = max(range(len(rs)), key=lambda i: ratios[i])
    detail = "; ".join("%.0f/%.0f=%.2f (p99 %.1fms, %.2f cores, %s req, %s%s)" % (float(r[0]), float(r[1]), q, float(r[2]) / 1000, float(r[3]), r[5], r[6], ", POOL STARVED %s" % r[4] if r[4] != "0" else "") for r, q in zip(rs, ratios))
    print("%-28s %12.0f %14.0f %7.2fx %7.2fx   %s" % (name, float(rs[best][0]), float(rs[best][1]), ratios[best], statistics.median(ratios), detail))
print("goal: best ratio >= 0.6x of the single-core raw go-jose verify rate")
PY
