// Package k8s generates the Kubernetes manifests that run one jwtharness load
// plan as N shards on a cluster: an Indexed Job (completionMode Indexed,
// completions = parallelism = N) whose pod I runs
// `jwtharness load --shard I/N --start-at T --out /results/shard-I.ndjson`
// with I taken from the Job's completion index, and the Secret that mounts
// the target file and its keys. It sizes each pod's CPU from the per-shard
// rate and the cost of minting one assertion (minting is what bounds a
// generator of fresh RS256 assertions), and writes the commands that wait
// for the shards, collect their run files and merge them.
//
// Kubernetes runs the shards; nothing here coordinates them beyond the
// agreed start instant written into every pod's arguments.
package k8s

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/jwtharness/jwtharness/loadgen"
)

// Paths inside the pod.
const (
	// TargetDir is where the target Secret is mounted.
	TargetDir = "/etc/jwtharness"
	// ResultsDir is the emptyDir the shard writes its run file to.
	ResultsDir = "/results"
	// Binary is the image's entrypoint (deploy/image).
	Binary = "/jwtharness"
	// ContainerName is the one container of a shard pod.
	ContainerName = "load"
	// RunAsUser is the unprivileged user the pod runs as.
	RunAsUser = 65532
)

// Defaults of a Plan.
const (
	DefaultName  = "jwtharness-load"
	DefaultImage = "jwtharness:dev"
	// DefaultSendCost is the generator's CPU per request on its HTTP path:
	// BENCHMARKS.md §1 measured 8.2–8.4 µs with the lean client; rounded up.
	DefaultSendCost = 10 * time.Microsecond
	// DefaultHold is how long a finished shard keeps its run file available
	// for collection (unless released earlier).
	DefaultHold = 30 * time.Minute
	// Headroom multiplies the estimated cores (GC, timers, the ceiling
	// measurement, scheduling noise).
	Headroom = 1.25
	// MaxShards bounds --shards as load's --shard does (a typo guard, not
	// a Kubernetes limit).
	MaxShards = loadgen.MaxShards
	// maxPool mirrors loadgen.MaxPool: the most request bodies a pool holds.
	maxPool = 250_000
	// poolItemBytes is the memory one pooled request body costs, with
	// overhead (an RS256-2048 body is about 800 bytes).
	poolItemBytes = 2048
	// baseMemory covers the runtime, HDR histograms and the ceiling phase.
	baseMemory = 96 << 20
)

// Plan is one distributed load run: what every shard runs, and how many.
type Plan struct {
	// Name is the Job's name (and the prefix of the Secret's); a DNS-1123
	// label of at most 52 characters so pod names fit.
	Name      string
	Namespace string // "" leaves it to kubectl's context
	Image     string
	Shards    int
	// Rate is the whole plan's open-model rate (requests/s over all
	// shards); each shard sends Rate/Shards. Zero with Concurrency > 0 is
	// the closed model.
	Rate float64
	// Concurrency is the whole plan's closed-model connections.
	Concurrency int
	Duration    time.Duration
	Warmup      time.Duration
	// StartAt is the wall-clock instant every shard starts measuring.
	StartAt time.Time
	Flow    string
	Alg     string
	Mix     string
	// MaxInflight is passed through as --max-inflight (per shard) when > 0.
	MaxInflight int
	// LoadArgs are further `jwtharness load` flags, passed verbatim.
	LoadArgs []string
	// TargetFile is the target file's key in the Secret ("target.yaml").
	TargetFile string
	// SecretName is the Secret holding the target file and keys.
	SecretName string
	// SignCost is the CPU time to mint one assertion on one core.
	SignCost time.Duration
	// SendCost is the CPU time per request on the HTTP path.
	SendCost time.Duration
	// CPU and Memory override the derived per-shard requests when non-zero.
	CPU, Memory resource.Quantity
	// Hold is how long a finished shard keeps its pod (and run file) for
	// collection; 0 lets it exit at once (collect from a PVC, or not at all).
	Hold time.Duration
	// Now is when the plan was generated (for the deadline and the lead
	// time before StartAt).
	Now time.Time
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// FlagError is a Plan field that is wrong, named by the command-line flag
// that sets it.
type FlagError struct {
	Flag string
	Msg  string
}

func (e *FlagError) Error() string { return "--" + e.Flag + ": " + e.Msg }

func flagErr(flag, format string, args ...any) error {
	return &FlagError{Flag: flag, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports the first field that cannot make a working Job, named
// by its flag.
func (p *Plan) Validate() error {
	switch {
	case p.Name == "" || len(p.Name) > 52 || !dnsLabel.MatchString(p.Name):
		return flagErr("name", "%q: want a DNS-1123 label (lower-case letters, digits, '-') of at most 52 characters", p.Name)
	case p.Namespace != "" && (len(p.Namespace) > 63 || !dnsLabel.MatchString(p.Namespace)):
		return flagErr("namespace", "%q: want a DNS-1123 label", p.Namespace)
	case p.Image == "" || strings.ContainsAny(p.Image, " \t\n"):
		return flagErr("image", "%q: want an image reference such as jwtharness:dev or registry.example/jwtharness:v1", p.Image)
	case p.Shards < 1 || p.Shards > MaxShards:
		return flagErr("shards", "%d: want 1 to %d", p.Shards, MaxShards)
	case p.Rate > 0 && p.Concurrency > 0:
		return flagErr("rate", "choose one model: --rate (open) or --concurrency (closed)")
	case p.Rate <= 0 && p.Concurrency <= 0:
		return flagErr("rate", "give the whole plan's rate (--rate N/s, open model) or --concurrency N (closed model)")
	case math.IsInf(p.Rate, 0) || math.IsNaN(p.Rate):
		return flagErr("rate", "%v: want a finite rate", p.Rate)
	case p.Concurrency > 0 && p.Concurrency < p.Shards:
		return flagErr("concurrency", "%d connections cannot be split over %d shards", p.Concurrency, p.Shards)
	case p.Duration <= 0:
		return flagErr("duration", "want a positive measured duration (every shard runs the same one)")
	case p.Warmup < 0:
		return flagErr("warmup", "%s: want zero or more", p.Warmup)
	case p.StartAt.IsZero():
		return flagErr("start-at", "want an instant (RFC 3339, or +2m from now)")
	case !p.Now.IsZero() && !p.StartAt.After(p.Now):
		return flagErr("start-at", "%s is not in the future", p.StartAt.Format(time.RFC3339))
	case p.TargetFile == "" || strings.Contains(p.TargetFile, "/"):
		return flagErr("target", "%q: want the target file's name inside the Secret", p.TargetFile)
	case p.SecretName == "" || len(p.SecretName) > 253 || !dnsLabel.MatchString(p.SecretName):
		return flagErr("secret", "%q: want a DNS-1123 name", p.SecretName)
	case p.SignCost < 0:
		return flagErr("sign-cost", "%s: want a positive CPU time per assertion", p.SignCost)
	case p.Rate > 0 && p.SignCost == 0:
		return flagErr("sign-cost", "unknown: give --sign-cost or let it be measured")
	case p.SendCost < 0:
		return flagErr("send-cost", "%s: want zero or more", p.SendCost)
	case p.Concurrency > 0 && p.CPU.IsZero():
		return flagErr("cpu", "the closed model's rate is not known in advance: give --cpu per shard (e.g. 2)")
	case p.CPU.Sign() < 0:
		return flagErr("cpu", "%s: want a positive quantity", p.CPU.String())
	case p.Memory.Sign() < 0:
		return flagErr("memory", "%s: want a positive quantity", p.Memory.String())
	case p.Hold < 0:
		return flagErr("hold", "%s: want zero or more", p.Hold)
	case p.MaxInflight < 0:
		return flagErr("max-inflight", "%d: want zero or more", p.MaxInflight)
	}
	for _, a := range p.LoadArgs {
		for _, owned := range ownedLoadFlags {
			if a == "--"+owned || strings.HasPrefix(a, "--"+owned+"=") {
				return flagErr("load-arg", "%q: the generator sets --%s itself", a, owned)
			}
		}
	}
	return nil
}

// ownedLoadFlags are the load flags the Job sets; --load-arg may not.
var ownedLoadFlags = []string{"target", "rate", "concurrency", "duration", "warmup", "shard", "shards", "start-at", "out", "o", "flow", "alg", "mix", "max-inflight", "quiet", "q"}

// Sizing is what one shard needs.
type Sizing struct {
	// ShardRate is the open-model rate one shard sends (0: closed model).
	ShardRate float64
	// MintCores is the cores one shard spends minting fresh assertions at
	// ShardRate; SendCores those spent sending them.
	MintCores, SendCores float64
	// MintBound is true when minting costs more CPU than sending: the
	// shard's throughput is bounded by its minting cores.
	MintBound bool
	// PoolItems is how many request bodies the shard's pool holds.
	PoolItems int
	// PremintTime estimates how long the shard takes to pre-mint its pool
	// on its requested cores before it can start.
	PremintTime time.Duration
	// CPU and Memory are the pod's requests (Memory is also its limit).
	CPU, Memory resource.Quantity
}

// Size derives one shard's resources from the plan: CPU = (rate/N ×
// (sign cost + send cost)) × Headroom, rounded up to 100m; memory = the
// pool's request bodies plus a base. Explicit CPU/Memory win.
func (p *Plan) Size() Sizing {
	var s Sizing
	if p.Rate > 0 {
		s.ShardRate = p.Rate / float64(p.Shards)
		s.MintCores = s.ShardRate * p.SignCost.Seconds()
		s.SendCores = s.ShardRate * p.sendCost().Seconds()
		s.MintBound = s.MintCores > s.SendCores
		items := s.ShardRate*(p.Warmup+p.Duration).Seconds()*1.1 + 64
		s.PoolItems = int(math.Min(items, maxPool))
	} else {
		s.PoolItems = 50_000
	}
	if p.CPU.IsZero() {
		milli := int64(math.Ceil((s.MintCores+s.SendCores)*Headroom*10)) * 100
		if milli < 500 {
			milli = 500
		}
		s.CPU = *resource.NewMilliQuantity(milli, resource.DecimalSI)
	} else {
		s.CPU = p.CPU.DeepCopy()
	}
	if p.Memory.IsZero() {
		mib := (int64(baseMemory) + int64(s.PoolItems)*poolItemBytes + (1<<20 - 1)) >> 20
		s.Memory = *resource.NewQuantity(mib<<20, resource.BinarySI)
	} else {
		s.Memory = p.Memory.DeepCopy()
	}
	premint := s.PoolItems
	if premint > 20_000 {
		premint = 20_000 // load's default pre-mint before sending
	}
	if cores := float64(s.CPU.MilliValue()) / 1000; cores > 0 && p.SignCost > 0 {
		s.PremintTime = time.Duration(float64(premint) * float64(p.SignCost) / math.Max(1, math.Floor(cores)))
	}
	return s
}

func (p *Plan) sendCost() time.Duration {
	if p.SendCost > 0 {
		return p.SendCost
	}
	return DefaultSendCost
}

// ParseStartAt reads an agreed start instant as load --start-at does
// (RFC 3339, or +DURATION from now), in UTC to the second, so every pod
// gets the same absolute instant.
func ParseStartAt(s string, now time.Time) (time.Time, error) {
	t, err := loadgen.ParseStartAt(s, now)
	if err != nil {
		return time.Time{}, &FlagError{Flag: "start-at", Msg: strings.TrimPrefix(err.Error(), "--start-at ")}
	}
	return t.UTC().Truncate(time.Second), nil
}
