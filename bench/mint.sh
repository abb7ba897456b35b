#!/usr/bin/env bash
# bench/mint.sh: assertion pool pre-minting (RS256-2048) on 1 core vs 2 cores,
# via BenchmarkPoolFill with -cpu 1,2 (one minting worker per GOMAXPROCS),
# interleaved COUNT times; reports the best ns/op of each and the speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-4}
N=${N:-3000}
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, go test ./loadgen -run '^\$' -bench PoolFill -cpu 1,2 -count ${COUNT} -benchtime ${N}x; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
out=$(go test ./loadgen -run '^$' -bench PoolFill -cpu 1,2 -count "$COUNT" -benchtime "${N}x")
echo "$out" | grep '^BenchmarkPoolFill'
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$out" | python3 -c '
import sys, statistics
v = {1: [], 2: []}
for l in sys.stdin:
    if l.startswith("BenchmarkPoolFill"):
        f = l.split()
        v[2 if f[0].endswith("-2") else 1].append(float(f[2]))
b1, b2 = min(v[1]), min(v[2])
print("1 core: best %.0f ns/assertion (%.0f/s); 2 cores: best %.0f ns/assertion (%.0f/s)" % (b1, 1e9 / b1, b2, 1e9 / b2))
print("speed-up 2 vs 1 core: best %.2fx, median %.2fx (goal >= 1.8x: %s)" % (b1 / b2, statistics.median(v[1]) / statistics.median(v[2]), "met" if b1 / b2 >= 1.8 else "NOT met"))
'
