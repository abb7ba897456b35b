#!/usr/bin/env bash
# bench/mint.sh: assertion pool pre-minting (RS256-2048) on 1 core vs 2 cores,
# via BenchmarkPoolFill with -cpu 1,2 (one minting worker per GOMAXPROCS),
# interleaved COUNT times, each beside BenchmarkRawSign (crypto/rsa signing
# with the same key, the hardware's own 2-vs-1 ratio at that moment, since
# this machine is shared); reports the best ns/op of each and the speed-ups.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-4}
N=${N:-3000}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, ${COUNT} x: go test ./loadgen -run '^\$' -bench 'PoolFill|RawSign' -cpu 1,2 -benchtime ${N}x; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=""
for i in $(seq "$COUNT"); do
	out+=$(go test ./loadgen -run '^$' -bench 'PoolFill|RawSign' -cpu 1,2 -benchtime "${N}x" | grep '^Benchmark')$'\n'
done
echo "$out" | grep '^Benchmark'
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$out" | python3 -c '
import sys, statistics
v = {}
for l in sys.stdin:
    if l.startswith("Benchmark"):
        f = l.split()
        name = f[0].split("-")[0]
        v.setdefault((name, 2 if f[0].endswith("-2") else 1), []).append(float(f[2]))
for name, what in (("BenchmarkPoolFill", "pool pre-minting (RS256-2048 assertions)"), ("BenchmarkRawSign", "control: crypto/rsa sign, same key")):
    b1, b2 = min(v[(name, 1)]), min(v[(name, 2)])
    print("%s: 1 core best %.0f ns/op (%.0f/s); 2 cores best %.0f ns/op (%.0f/s); speed-up best %.2fx, median %.2fx" % (what, b1, 1e9 / b1, b2, 1e9 / b2, b1 / b2, statistics.median(v[(name, 1)]) / statistics.median(v[(name, 2)])))
r = min(v[("BenchmarkPoolFill", 1)]) / min(v[("BenchmarkPoolFill", 2)])
print("goal: pool speed-up >= 1.8x: %s (%.2fx)" % ("met" if r >= 1.8 else "NOT met", r))
'
