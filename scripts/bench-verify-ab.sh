#!/usr/bin/env bash
# bench-verify-ab.sh: did a change make the reference verifier slower?
# Builds BenchmarkVerify from two commits (BASE, default the parent of HEAD's
# first commit given; NEW, default the work tree), alternates the two binaries
# ROUNDS times on one pinned core, keeps each binary's fastest run per
# benchmark, and prints raw/reference per algorithm for both, side by side.
# Alternating makes the comparison fair on a machine that is not idle: both
# binaries see the same noise. Usage: scripts/bench-verify-ab.sh BASE [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: $0 BASE-COMMIT [ROUNDS]}
rounds=${2:-6}
tmp=$(mktemp -d)
trap 'git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
git worktree add -q "$tmp/base" "$base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./reference/)
go test -c -o "$tmp/new.test" ./reference/
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) base $base vs work tree $(git rev-parse --short HEAD), $rounds rounds, ${pin[*]:-unpinned}, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$rounds"); do
	for b in base new; do
		(cd reference && "${pin[@]}" "$tmp/$b.test" -test.run '^$' -test.bench 'Verify/.*/(reference|raw)$' -test.benchtime 0.3s) |
			awk -v b="$b" '/^BenchmarkVerify/ {print b, $1, $3}' >>"$tmp/all.txt"
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
{ split($2, p, "/"); alg=p[2]; kind=p[3]; sub(/-[0-9]+$/, "", kind); k=$1 SUBSEP alg SUBSEP kind
  if (!(k in best) || $3 < best[k]) best[k]=$3; algs[alg]=1 }
END {
  printf "%-12s %14s %14s %14s %14s %10s %10s\n", "alg", "base ref ns", "base raw ns", "new ref ns", "new raw ns", "base ratio", "new ratio"
  n=split("RS256-2048 PS256 ES256 EdDSA HS256", order, " ")
  for (i=1; i<=n; i++) { a=order[i]; if (!(a in algs)) continue
    br=best["base" SUBSEP a SUBSEP "reference"]; bw=best["base" SUBSEP a SUBSEP "raw"]
    nr=best["new" SUBSEP a SUBSEP "reference"]; nw=best["new" SUBSEP a SUBSEP "raw"]
    printf "%-12s %14.0f %14.0f %14.0f %14.0f %10.2f %10.2f\n", a, br, bw, nr, nw, bw/br, nw/nr }
}' "$tmp/all.txt"
