package k8s

import (
	"fmt"
	"strings"
	"time"
)

// ApplyBy is the latest moment to apply the manifests so every shard can
// be scheduled, start, measure its ceiling and pre-mint its pool before
// StartAt: StartAt minus the pre-minting estimate and one minute.
func (p *Plan) ApplyBy() time.Time {
	return p.StartAt.Add(-p.Size().PremintTime - time.Minute).Truncate(time.Second)
}

// Commands is the shell a user runs after generation: apply, wait until
// every shard's load has exited, collect each run file, let the pods end,
// merge and render. dir is where the manifests were written.
func (p *Plan) Commands(dir string) string {
	ns := ""
	if p.Namespace != "" {
		ns = " -n " + p.Namespace
	}
	wait := p.StartAt.Sub(p.Now)
	if wait < 0 || p.Now.IsZero() {
		wait = 0
	}
	wait = (wait + p.Warmup + p.Duration + 10*time.Minute).Round(time.Second)
	var b strings.Builder
	fmt.Fprintf(&b, "# 1. Start the %d shards (apply by %s so they can pre-mint before the agreed start %s; later, regenerate):\n",
		p.Shards, p.ApplyBy().UTC().Format(time.RFC3339), p.StartAt.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "kubectl apply -f %s/\n", dir)
	fmt.Fprintf(&b, "# 2. Wait until every shard's load has exited (a shard's pod turns Ready then):\n")
	fmt.Fprintf(&b, "kubectl wait%s job/%s --for=jsonpath='{.status.ready}'=%d --timeout=%s\n", ns, p.Name, p.Shards, wait)
	fmt.Fprintf(&b, "# 3. Collect the run files (the image is one static binary without tar, so `kubectl cp` cannot read them;\n")
	fmt.Fprintf(&b, "#    `jwtharness k8s cat` prints one), then release each pod (else it holds its file for %s):\n", p.hold())
	fmt.Fprintf(&b, "for i in $(seq 0 %d); do\n", p.Shards-1)
	fmt.Fprintf(&b, "  pod=$(kubectl get pod%s -l %s=%s,%s=$i -o name)\n", ns, JobNameLabel, p.Name, CompletionIndexLabel)
	fmt.Fprintf(&b, "  kubectl exec%s \"$pod\" -c %s -- %s k8s cat %s > shard-$i.ndjson\n", ns, ContainerName, Binary, RunFile("$i"))
	fmt.Fprintf(&b, "  kubectl exec%s \"$pod\" -c %s -- %s k8s release --results %s\n", ns, ContainerName, Binary, ResultsDir)
	fmt.Fprintf(&b, "done\n")
	fmt.Fprintf(&b, "# 4. Merge the shards into one run and render it:\n")
	fmt.Fprintf(&b, "jwtharness report merge shard-*.ndjson -o merged.ndjson\n")
	fmt.Fprintf(&b, "jwtharness report merged.ndjson\n")
	fmt.Fprintf(&b, "jwtharness report merged.ndjson --format html > merged.html\n")
	fmt.Fprintf(&b, "# 5. Clean up:\n")
	fmt.Fprintf(&b, "kubectl delete -f %s/\n", dir)
	return b.String()
}

// SizingText explains the per-shard requests in a few lines.
func (p *Plan) SizingText() string {
	s := p.Size()
	var b strings.Builder
	if s.ShardRate > 0 {
		fmt.Fprintf(&b, "per shard: %.0f requests/s (%s / %d shards)\n", s.ShardRate, trimFloat(p.Rate), p.Shards)
		fmt.Fprintf(&b, "  minting: %.2f cores (%s per assertion on one core); sending: %.2f cores (%s per request)\n",
			s.MintCores, p.SignCost, s.SendCores, p.sendCost())
		if s.MintBound {
			fmt.Fprintf(&b, "  minting fresh assertions is the bound of this generator: each shard needs its minting cores, not just connections\n")
		}
	} else {
		fmt.Fprintf(&b, "per shard: %d connections (closed model, %d / %d shards)\n", p.Concurrency/p.Shards, p.Concurrency, p.Shards)
	}
	fmt.Fprintf(&b, "  requests: cpu %s (×%.2f headroom, no CPU limit), memory %s (pool of %d request bodies); pre-minting ≈ %s\n",
		s.CPU.String(), Headroom, s.Memory.String(), s.PoolItems, s.PremintTime.Round(100*time.Millisecond))
	return b.String()
}

func trimFloat(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".")
}
