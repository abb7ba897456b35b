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

command -v wrk >/dev/null && command -v hey >/dev/null || { apt-get update >/dev/null && apt-get install -y wrk hey >/dev/null; }
BOMB=$(command -v bombardier || true)
case "$BOMB" in
"" | /usr/games/*) go install github.com/codesenberg/bombardier@v1.2.6; BOMB="$(go env GOPATH)/bin/bombardier" ;;
esac

go build -o "$WORK/trivial" ./bench/trivial
go build -o "$WORK/jwtharness" ./cmd/jwtharness
taskset -c 0 "$WORK/trivial" -addr "127.0.0.1:${PORT}" &
SRV=$!
for _ in $(seq 50); do curl -fs "$URL" >/dev/null 2>&1 && break; sleep 0.1; done

ROUNDS=${ROUNDS:-3}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, ${DUR}s per tool, ${CONNS} connections, server taskset -c 0, generators taskset -c 1, ${ROUNDS} interleaved rounds, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
	v=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s" "$URL" | awk '/Requests\/sec/ {print $2}')
	echo "wrk $v" >>"$WORK/results"
	sleep 1
	v=$(taskset -c 1 hey -z "${DUR}s" -c "$CONNS" "$URL" | awk '/Requests\/sec/ {print $2}')
	echo "hey $v" >>"$WORK/results"
	sleep 1
	v=$(taskset -c 1 "$BOMB" -c "$CONNS" -d "${DUR}s" -p r -o json "$URL" | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["result"]["rps"]["mean"])')
	echo "bombardier $v" >>"$WORK/results"
	sleep 1
	taskset -c 1 "$WORK/jwtharness" load --url "$URL" --method GET --concurrency "$CONNS" --duration "${DUR}s" -q --out "$WORK/raw.ndjson" >/dev/null
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["type"] == "summary": print("jwtharness %.2f %.3f" % (r["all"]["rate"], r["cpu"]["cores"]))' "$WORK/raw.ndjson" >>"$WORK/results"
	sleep 1
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/results" <<'PY'
import sys, statistics
res = {}
cpu = []
for line in open(sys.argv[1]):
    f = line.split()
    res.setdefault(f[0], []).append(float(f[1]))
    if f[0] == "jwtharness":
        cpu.append(float(f[2]) / float(f[1]) * 1e6)
print("%-12s %12s %12s   %s" % ("tool", "best req/s", "median", "all rounds"))
for t in ("wrk", "hey", "bombardier", "jwtharness"):
    v = res[t]
    print("%-12s %12.0f %12.0f   %s" % (t, max(v), statistics.median(v), " ".join("%.0f" % x for x in v)))
print("jwtharness generator CPU per request: %s us" % " ".join("%.1f" % c for c in cpu))
for name, goal in (("hey", 1.0), ("bombardier", 1.0), ("wrk", 0.8)):
    rb = max(res["jwtharness"]) / max(res[name])
    rm = statistics.median(res["jwtharness"]) / statistics.median(res[name])
    print("jwtharness/%-10s best %.2fx, median %.2fx  (goal >= %.1fx: %s)" % (name, rb, rm, goal, "met" if rb >= goal else "NOT met"))
PY
