#!/usr/bin/env bash
# bench-verify.sh: how close the reference verifier comes to go-jose's raw
# verification of the same tokens, per algorithm.
#
# Runs BenchmarkVerify (reference/verify_test.go): for RS256-2048, PS256,
# ES256, EdDSA and HS256, ".../reference" is the whole assertion pipeline of
# the reference server (charset, parse, header, claims, registry lookup,
# signature, claim checks, replay insert) and ".../raw" is
# jose.ParseSignedCompact + Verify of the same tokens. Prints the mean ns/op
# of each and the ratio raw/reference (the reference's throughput as a
# fraction of raw; goal >= 0.85).
#
# Environment: COUNT (default 5), BENCHTIME (default 1s), OUT (raw output
# file; default a temporary file). Pinned to CPU 0 with taskset when present.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-1s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
OUT=${OUT:-$tmp/bench.txt}

go test -c -o "$tmp/reference.test" ./reference/

pin=()
if command -v taskset >/dev/null 2>&1; then
	pin=(taskset -c 0)
	echo "# pinned: taskset -c 0"
else
	echo "# taskset not found: not pinned"
fi
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "# ${pin[*]} reference.test -test.run '^\$' -test.bench '^BenchmarkVerify\$' -test.benchtime $BENCHTIME -test.count $COUNT"

(cd reference && "${pin[@]}" "$tmp/reference.test" -test.run '^$' -test.bench '^BenchmarkVerify$' \
	-test.benchtime "$BENCHTIME" -test.count "$COUNT" -test.benchmem) | tee "$OUT"

echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"

# benchstat, only when it resolves (network, module proxy).
if timeout 120 go run golang.org/x/perf/cmd/benchstat@latest "$OUT" >"$tmp/benchstat.txt" 2>/dev/null; then
	echo
	cat "$tmp/benchstat.txt"
fi

echo
# Mean, median and minimum ns/op per algorithm and kind; each ratio is
# raw/reference, the reference's throughput as a fraction of raw (1.00 = as
# fast as go-jose alone). On a shared machine the minimum is the least
# disturbed sample.
awk '
function minimum(a, k, n,    i, m) {
	m = vals[a, k, 1]
	for (i = 2; i <= n; i++) if (vals[a, k, i] < m) m = vals[a, k, i]
	return m
}
function median(a, k, n,    i, j, t, x) {
	for (i = 1; i <= n; i++) x[i] = vals[a, k, i]
	for (i = 2; i <= n; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j+1] = x[j]; x[j+1] = t }
	return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
}
/^BenchmarkVerify\// {
	name = $1
	sub(/-[0-9]+$/, "", name)          # GOMAXPROCS suffix
	split(name, p, "/")                # BenchmarkVerify / alg / kind
	alg = p[2]; kind = p[3]
	for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") { sum[alg, kind] += $i; vals[alg, kind, ++n[alg, kind]] = $i }
	if (!(alg in seen)) { seen[alg] = 1; order[++k] = alg }
}
END {
	printf "%-12s %10s %10s %7s   %10s %10s %7s   %10s %10s %7s\n", "alg", "ref mean", "raw mean", "ratio", "ref median", "raw median", "ratio", "ref min", "raw min", "ratio"
	for (i = 1; i <= k; i++) {
		a = order[i]
		if (n[a, "reference"] == 0 || n[a, "raw"] == 0) continue
		r = sum[a, "reference"] / n[a, "reference"]; w = sum[a, "raw"] / n[a, "raw"]
		rm = median(a, "reference", n[a, "reference"]); wm = median(a, "raw", n[a, "raw"])
		rn = minimum(a, "reference", n[a, "reference"]); wn = minimum(a, "raw", n[a, "raw"])
		printf "%-12s %10.0f %10.0f %7.2f   %10.0f %10.0f %7.2f   %10.0f %10.0f %7.2f%s\n", a, r, w, w / r, rm, wm, wm / rm, rn, wn, wn / rn, (wm / rm >= 0.85 ? "" : "  (median below 0.85)")
	}
	# Second baseline: go-jose used as a JWT library (jwt.ParseSigned +
	# Claims: parse, verify and decode the registered claims), the least any
	# go-jose-based verifier does. Ratio above 1: the reference, with all its
	# checks and the replay insert, is faster than that.
	printf "\n%-12s %12s %16s %7s\n", "alg", "ref median", "raw-claims median", "ratio"
	for (i = 1; i <= k; i++) {
		a = order[i]
		if (n[a, "reference"] == 0 || n[a, "raw-claims"] == 0) continue
		rm = median(a, "reference", n[a, "reference"]); cm = median(a, "raw-claims", n[a, "raw-claims"])
		printf "%-12s %12.0f %16.0f %7.2f\n", a, rm, cm, cm / rm
	}
}' "$OUT"
