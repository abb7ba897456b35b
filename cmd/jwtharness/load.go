package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/loadgen"
	"github.com/jwtharness/jwtharness/reports/loadreport"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

type loadFlags struct {
	target      string
	flow        string
	alg         string
	keySize     int
	rate        string
	concurrency int
	duration    time.Duration
	requests    int64
	warmup      time.Duration
	maxInflight int
	timeout     time.Duration
	lateAfter   time.Duration
	dropAfter   time.Duration
	interval    time.Duration
	mix         string
	premint     int
	pool        int
	ceiling     time.Duration
	rawURL      string
	method      string
	client      string
	out         string
	thresholds  []string
	quiet       bool

	maxRate              float64
	shard                *shardFlags
	maxErrorRate         string
	allowNoSuccess       bool
	allowIssuedMutations bool
}

func newLoadCmd() *cobra.Command {
	f := &loadFlags{}
	cmd := &cobra.Command{
		Use:   "load",
		Short: "Measure how fast a token endpoint verifies JWT assertions (open or closed model, HDR latency, CI thresholds)",
		Long: `load sends token requests carrying fresh RFC 7523 assertions to a token endpoint
and measures throughput and latency per class of assertion.

Open model (--rate N/s): requests are scheduled at t_i = start + i/rate and latency is
measured from t_i, so a stalling endpoint cannot hide behind a slower generator
(coordinated omission); requests sent late are counted, and past --drop-after dropped.
The schedule is kept with Go timers, which on Linux wake up to about 1 ms late: the
response time includes that (p50 ≈ 0.5 ms of it at low rates); read the service time
(from the actual send) for sub-millisecond figures.
Closed model (--concurrency N): N connections, each one request at a time.
Every run is bounded by --duration and/or --requests.

Assertions are pre-minted on all cores (unique jti, exp within the endpoint's max
lifetime) and never reused; if minting cannot keep up the run says so and waits.
With no --target the embedded reference server runs in this process on loopback.

--url URL [--method GET] is RAW CALIBRATION MODE: a fixed request without assertion,
to compare the generator with wrk, hey or bombardier. It measures no JWT verification.

A request counts as a verification only when a 2xx answer carries a parseable token
(access_token and token_type); a refusal only with an RFC 6749 error body. Everything else
is an error of a named kind (2xx not a token, unparseable, truncated, oversize, 5xx,
timeout, connection). A run is not a valid measurement, and exits 1, when its error
rate is above --max-error-rate (1%), when no request was answered as expected, or when
a mutated assertion got a token; each check can be changed or turned off by its flag.

Exit codes: 0 ok, 1 a --threshold failed or the run is not a valid measurement,
2 bad invocation, 3 the run could not complete (pre-flight failed, interrupted).`,
		Example: `  jwtharness load --rate 2000/s --duration 10s
  jwtharness load --target target.yaml --flow private_key_jwt --alg ES256 --concurrency 32 --duration 30s \
      --mix valid=90,time-exp-expired=5,sig-wrong-key=5 --out run.ndjson \
      --threshold 'p99<50ms' --threshold 'error_rate<0.1%'
  jwtharness load --url http://127.0.0.1:8080/ --method GET --concurrency 64 --duration 10s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLoad(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "target file (YAML); default: the embedded reference server on loopback")
	fl.StringVar(&f.flow, "flow", string(fixtures.FlowJWTBearer), "flow: jwt_bearer, private_key_jwt, client_secret_jwt")
	fl.StringVar(&f.alg, "alg", "", "signing algorithm (default: the flow's primary credential; embedded: RS256, ES256 for private_key_jwt, HS256)")
	fl.IntVar(&f.keySize, "key-size", 2048, "RSA key size of the embedded server's client (2048, 3072, 4096)")
	fl.StringVar(&f.rate, "rate", "", "open model: requests per second (e.g. 2000 or 2000/s)")
	fl.IntVar(&f.concurrency, "concurrency", 0, "closed model: connections, each one request at a time")
	fl.DurationVar(&f.duration, "duration", 0, "measured duration (after warm-up)")
	fl.Int64Var(&f.requests, "requests", 0, "measured requests (after warm-up)")
	fl.DurationVar(&f.warmup, "warmup", 0, "warm-up before measuring, excluded from results")
	fl.IntVar(&f.maxInflight, "max-inflight", 0, "open model: connections, hence the bound on requests in flight (default 256)")
	fl.DurationVar(&f.timeout, "timeout", 0, "per-request timeout (default: the target's, 10s)")
	fl.DurationVar(&f.lateAfter, "late-after", 10*time.Millisecond, "open model: a request sent later than this behind schedule counts late")
	fl.DurationVar(&f.dropAfter, "drop-after", time.Second, "open model: a request later than this behind schedule is dropped, not sent")
	fl.DurationVar(&f.interval, "interval", time.Second, "recording interval")
	fl.StringVar(&f.mix, "mix", "", "classes and weights, by catalog case ID or fixtures mutation name: valid=90,time-exp-expired=5,sig-wrong-key=5")
	fl.IntVar(&f.premint, "premint", 0, "assertions to mint before sending (default: the expected requests, up to 20000)")
	fl.IntVar(&f.pool, "pool", 0, "assertion pool capacity (default: derived from the plan, at most 250000)")
	fl.DurationVar(&f.ceiling, "ceiling", time.Second, "time per phase to measure this host's raw go-jose verify rate (0: skip)")
	fl.StringVar(&f.rawURL, "url", "", "RAW CALIBRATION MODE: send a fixed request to this URL, no assertion")
	fl.StringVar(&f.method, "method", "GET", "raw mode: HTTP method")
	fl.StringVar(&f.client, "client", loadgen.ClientFast, "HTTP client: fast (lean HTTP/1.1) or net (net/http, tuned transport)")
	fl.StringVarP(&f.out, "out", "o", "", "write the run file (NDJSON) here")
	fl.StringArrayVar(&f.thresholds, "threshold", nil, "gate, repeatable: 'p99<50ms', 'error_rate<0.1%', 'rate>2000', 'valid.p99<20ms' (metrics: "+strings.Join(loadgen.MetricNames(), ", ")+")")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	f.shard = addShardFlags(fl)
	fl.Float64Var(&f.maxRate, "max-rate", loadgen.DefaultMaxRate, "the highest --rate accepted; raise it explicitly to ask for more")
	fl.StringVar(&f.maxErrorRate, "max-error-rate", "1%", "a run with a higher error rate is not a valid measurement (exit 1); 'off' disables the check")
	fl.BoolVar(&f.allowNoSuccess, "allow-no-success", false, "accept a run in which no request was answered as expected (default: exit 1)")
	fl.BoolVar(&f.allowIssuedMutations, "allow-issued-mutations", false, "accept a run in which a mutated assertion got a token (default: exit 1)")
	return cmd
}

func parseRate(s string) (float64, error) {
	v := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(s), "/s"), "rps"))
	r, err := strconv.ParseFloat(v, 64)
	if err != nil || r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0, fmt.Errorf("--rate %q: want a positive number of requests per second, e.g. 2000 or 2000/s", s)
	}
	return r, nil
}

// resolveMix maps a --mix name to a fixtures mutation: a catalog case ID
// with a mutation first, then a mutation name.
func resolveMix(name string) (string, bool) {
	if c, ok := catalog.Lookup(name); ok && c.Mutation != "" {
		return c.Mutation, true
	}
	if _, ok := fixtures.LookupMutation(name); ok {
		return name, true
	}
	return "", false
}

// mixHint suggests mutation names sharing a word with an unknown mix name.
func mixHint(mix string) string {
	var hints []string
	seen := map[string]bool{}
	for _, part := range strings.Split(mix, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
		if _, ok := resolveMix(name); ok || name == loadgen.ClassValid || name == "" {
			continue
		}
		for _, m := range fixtures.Mutations() {
			for _, w := range strings.Split(name, "-") {
				if len(w) >= 3 && strings.Contains(m.Name, w) && !seen[m.Name] && len(hints) < 8 {
					seen[m.Name] = true
					hints = append(hints, m.Name)
				}
			}
		}
	}
	if len(hints) == 0 {
		return " (jwtharness cases lists the catalog)"
	}
	return "; similar names: " + strings.Join(hints, ", ")
}

// validateLoadFlags refuses numeric flags that make no sense (exit 2,
// naming the flag) instead of replacing them with a default.
func validateLoadFlags(cmd *cobra.Command, f *loadFlags) error {
	set := cmd.Flags().Changed
	positive := []struct {
		name string
		bad  bool
	}{
		{"timeout", set("timeout") && f.timeout <= 0},
		{"max-inflight", set("max-inflight") && f.maxInflight <= 0},
		{"interval", f.interval <= 0},
		{"late-after", f.lateAfter <= 0},
		{"drop-after", f.dropAfter <= 0},
		{"pool", set("pool") && f.pool <= 0},
		{"premint", set("premint") && f.premint <= 0},
		{"concurrency", set("concurrency") && f.concurrency <= 0},
		{"duration", set("duration") && f.duration <= 0},
		{"requests", set("requests") && f.requests <= 0},
		{"key-size", f.keySize <= 0},
		{"max-rate", f.maxRate <= 0 || math.IsNaN(f.maxRate) || math.IsInf(f.maxRate, 0)},
	}
	for _, p := range positive {
		if p.bad {
			return fmt.Errorf("--%s must be greater than 0 (leave it out for the default)", p.name)
		}
	}
	if f.warmup < 0 {
		return errors.New("--warmup must not be negative")
	}
	if f.ceiling < 0 {
		return errors.New("--ceiling must not be negative (0 skips it)")
	}
	if f.interval < 10*time.Millisecond {
		return fmt.Errorf("--interval %s: must be at least 10ms", f.interval)
	}
	if set("pool") && f.pool > loadgen.MaxPool {
		return fmt.Errorf("--pool %d: at most %d", f.pool, loadgen.MaxPool)
	}
	return nil
}

func runLoad(cmd *cobra.Command, f *loadFlags) error {
	if err := validateLoadFlags(cmd, f); err != nil {
		return usageErr(err)
	}
	plan := loadgen.Plan{Duration: loadgen.Duration(f.duration), Requests: f.requests, Warmup: loadgen.Duration(f.warmup),
		MaxInflight: f.maxInflight, LateAfter: loadgen.Duration(f.lateAfter), DropAfter: loadgen.Duration(f.dropAfter),
		Interval: loadgen.Duration(f.interval), Client: f.client}
	switch {
	case f.rate != "" && f.concurrency > 0:
		return usageErr(errors.New("choose one model: --rate (open) or --concurrency (closed)"))
	case f.rate != "":
		r, err := parseRate(f.rate)
		if err != nil {
			return usageErr(err)
		}
		if shard, _, err := f.shard.resolve(); err != nil {
			return usageErr(err)
		} else if r/float64(max(shard.Count, 1)) > f.maxRate {
			return usageErr(fmt.Errorf("--rate %s is above --max-rate %.0f/s, more than one generator process can send; split the load over machines (report merge), or raise --max-rate explicitly", f.rate, f.maxRate))
		}
		plan.Model, plan.Rate = loadgen.ModelOpen, r
	case f.concurrency > 0:
		plan.Model, plan.Concurrency = loadgen.ModelClosed, f.concurrency
	default:
		return usageErr(errors.New("give a load model: --rate N/s (open) or --concurrency N (closed)"))
	}
	if f.duration <= 0 && f.requests <= 0 {
		return usageErr(errors.New("refusing an unbounded run: give --duration and/or --requests"))
	}
	validity := loadgen.DefaultValidity()
	validity.AllowNoSuccess, validity.AllowIssuedMutations = f.allowNoSuccess, f.allowIssuedMutations
	if v, err := parseMaxErrorRate(f.maxErrorRate); err != nil {
		return usageErr(err)
	} else {
		validity.MaxErrorRate = v
	}
	var ths []loadgen.Threshold
	for _, s := range f.thresholds {
		t, err := loadgen.ParseThreshold(s)
		if err != nil {
			return usageErr(err)
		}
		ths = append(ths, t)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg := loadgen.Config{CeilingTime: f.ceiling, Premint: f.premint, PoolCapacity: f.pool, ToolVersion: version, Thresholds: ths, Validity: &validity}
	timeout := f.timeout
	if f.rawURL != "" {
		if f.target != "" || f.mix != "" {
			return usageErr(errors.New("--url (raw calibration mode) takes no --target or --mix"))
		}
		u, err := url.Parse(f.rawURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr(fmt.Errorf("--url %q: want an absolute http(s) URL", f.rawURL))
		}
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		plan.Raw, plan.Method, plan.Target = true, strings.ToUpper(f.method), u.String()
		cfg.Endpoint = &loadgen.Endpoint{URL: u, Method: plan.Method, Timeout: timeout}
		cfg.CeilingTime = 0
		cfg.Notes = append(cfg.Notes, "raw calibration mode: no assertion is sent; the figures measure the generator and the HTTP path only")
	} else {
		flow := fixtures.Flow(f.flow)
		if !flow.Valid() {
			return usageErr(fmt.Errorf("--flow %q: want one of %v", f.flow, fixtures.Flows))
		}
		var mix []loadgen.MixEntry
		if f.mix != "" {
			m, err := loadgen.ParseMix(f.mix, resolveMix)
			if err != nil {
				return usageErr(fmt.Errorf("%w%s", err, mixHint(f.mix)))
			}
			mix = m
		}
		var t *target.Target
		alg := jose.SignatureAlgorithm(f.alg)
		if f.target == "" {
			emb, err := loadgen.StartEmbedded(flow, alg, f.keySize)
			if err != nil {
				return usageErr(fmt.Errorf("embedded reference server: %w", err))
			}
			defer emb.Close()
			t = emb.Target
			cfg.Includes = "the embedded reference server"
			plan.KeySize = f.keySize
		} else {
			var err error
			t, err = target.Load(f.target)
			if err != nil {
				return usageErr(err)
			}
		}
		sc, err := loadgen.NewScenario(t, flow, alg, mix)
		if err != nil {
			return usageErr(err)
		}
		if len(mix) == 0 {
			mix = []loadgen.MixEntry{{Name: loadgen.ClassValid, Weight: 1}}
			sc.Mix = mix
		}
		plan.Mix = mix
		u, err := url.Parse(t.TokenEndpoint)
		if err != nil {
			return usageErr(fmt.Errorf("token endpoint: %w", err))
		}
		if timeout <= 0 {
			timeout = t.Timeout
		}
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		plan.Flow, plan.Alg, plan.Target = string(flow), string(sc.Cred.Alg), u.String()
		if _, _, bits := sc.VerifyKey(); bits > 0 {
			plan.KeySize = bits
		} else if f.target == "" {
			plan.KeySize = 0
		}
		cfg.Scenario = sc
		cfg.Endpoint = &loadgen.Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Header: sc.Header(), TLS: t.TLS, Timeout: timeout}
	}
	plan.Timeout = loadgen.Duration(timeout)
	plan, serr := f.shard.apply(plan, &cfg)
	if serr != nil {
		return usageErr(serr)
	}
	cfg.Plan = plan
	conns, connFlag := f.maxInflight, "--max-inflight"
	if plan.Model == loadgen.ModelClosed {
		conns, connFlag = plan.Concurrency, "--concurrency"
	} else if conns == 0 {
		conns = 256
	}
	if err := loadgen.CheckConnections(conns, connFlag, cfg.Includes != ""); err != nil {
		return usageErr(err)
	}

	var outFile *os.File
	if f.out != "" {
		of, err := os.Create(f.out)
		if err != nil {
			return usageErr(err)
		}
		defer of.Close()
		outFile = of
		cfg.Out = of
	}
	stderr := cmd.ErrOrStderr()
	if !f.quiet {
		if file, ok := stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			cfg.Progress = newBarProgress(stderr)
		} else {
			cfg.Progress = &lineProgress{w: stderr}
		}
	}
	run, err := loadgen.Execute(ctx, cfg)
	if outFile != nil {
		if cerr := outFile.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	if run == nil {
		var pe *loadgen.PreflightError
		if errors.As(err, &pe) {
			return incompleteErr(err)
		}
		if ctx.Err() != nil {
			return incompleteErr(fmt.Errorf("interrupted: %w", err))
		}
		if strings.Contains(err.Error(), "pre-minting") || strings.Contains(err.Error(), "minting") {
			return incompleteErr(err)
		}
		return usageErr(err)
	}
	out := cmd.OutOrStdout()
	if werr := loadreport.WriteTextColor(out, run, isTerminal(out)); werr != nil && err == nil {
		err = werr
	}
	if f.out != "" {
		fmt.Fprintf(out, "\nrun file: %s  (jwtharness report %s --format html > report.html)\n", f.out, f.out)
	}
	if err != nil {
		return incompleteErr(err)
	}
	var gate []string
	if l := run.Summary.InvalidLine(); l != "" {
		gate = append(gate, l)
	}
	failed := 0
	for _, t := range run.Summary.Thresholds {
		if !t.Pass {
			failed++
		}
	}
	if failed > 0 {
		gate = append(gate, fmt.Sprintf("%d of %d thresholds failed", failed, len(run.Summary.Thresholds)))
	}
	if len(gate) > 0 {
		return gateErr(errors.New(strings.Join(gate, "; ")))
	}
	return nil
}

// parseMaxErrorRate reads --max-error-rate: a percentage ("1%"), a
// fraction ("0.01") or "off" (-1: no ceiling).
func parseMaxErrorRate(s string) (float64, error) {
	v := strings.TrimSpace(s)
	if strings.EqualFold(v, "off") || strings.EqualFold(v, "none") {
		return -1, nil
	}
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "%")), 64)
	if pct {
		f /= 100
	}
	if err != nil || f < 0 || f > 1 || f != f {
		return 0, fmt.Errorf("--max-error-rate %q: want a percentage such as 1%%, a fraction such as 0.01, or off", s)
	}
	return f, nil
}

// isTerminal reports whether w is a terminal (reports are coloured there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lineProgress prints one plain line per interval (stderr not a terminal).
type lineProgress struct {
	w    io.Writer
	mu   sync.Mutex
	last time.Time
	plan *loadgen.Plan
}

func (p *lineProgress) Minting(held, want int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.last) < time.Second && held < want {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "minting assertions: %d / %d\n", held, want)
}

func (p *lineProgress) Started(plan *loadgen.Plan, start time.Time) {
	p.plan = plan
	fmt.Fprintf(p.w, "running: %s\n", loadreport.PlanLine(plan))
}

func (p *lineProgress) Interval(s loadgen.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%7.1fs  sent %-9d rate %8.0f/s  ok %8.0f/s  errors %-6d p99 %-9s late %d dropped %d", s.Elapsed.Seconds(), s.Sent, s.Rate, s.OKRate, s.Errors,
		loadgen.FormatMicros(float64(s.P99)), s.Late, s.Dropped)
	if s.Starved > 0 {
		fmt.Fprintf(p.w, "  MINTING BEHIND (%d waits)", s.Starved)
	}
	if s.NotToken > 0 {
		fmt.Fprintf(p.w, "  2xx NOT A TOKEN %d", s.NotToken)
	}
	fmt.Fprintln(p.w)
}

func (p *lineProgress) Finished() {}

// barProgress draws mpb bars on a terminal.
type barProgress struct {
	w     io.Writer
	p     *mpb.Progress
	mu    sync.Mutex
	mint  *mpb.Bar
	run   *mpb.Bar
	plan  *loadgen.Plan
	start time.Time
	smu   sync.Mutex // guards snap only; never held while calling mpb
	snap  loadgen.Snapshot
	done  chan struct{}
}

func newBarProgress(w io.Writer) *barProgress {
	return &barProgress{w: w, p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(36), mpb.WithRefreshRate(200*time.Millisecond)), done: make(chan struct{})}
}

func (b *barProgress) Minting(held, want int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mint == nil {
		b.mint = b.p.AddBar(int64(want), mpb.PrependDecorators(decor.Name("minting ", decor.WC{W: 9})),
			mpb.AppendDecorators(decor.CountersNoUnit("%d / %d"), decor.Name(" assertions")))
	}
	if held >= want {
		b.mint.SetTotal(int64(want), true)
		return
	}
	b.mint.SetCurrent(int64(held))
}

func (b *barProgress) Started(plan *loadgen.Plan, start time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mint != nil && !b.mint.Completed() {
		b.mint.SetTotal(-1, true)
	}
	b.plan, b.start = plan, start
	total := int64(plan.Warmup.D()+plan.Duration.D()) / int64(time.Millisecond)
	if plan.Duration == 0 {
		total = plan.Requests
	}
	b.run = b.p.AddBar(total, mpb.PrependDecorators(decor.Name("load ", decor.WC{W: 9}), decor.Any(func(decor.Statistics) string {
		el := time.Since(b.start).Round(100 * time.Millisecond)
		if el < 0 {
			return "warm-up"
		}
		if b.plan.Duration > 0 {
			return fmt.Sprintf("%s / %s", el, b.plan.Duration.D())
		}
		return el.String()
	}, decor.WC{W: 16})), mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
		b.smu.Lock()
		s := b.snap
		b.smu.Unlock()
		msg := fmt.Sprintf(" sent %d  %.0f/s  errors %d  p99 %s", s.Sent, s.Rate, s.Errors, loadgen.FormatMicros(float64(s.P99)))
		if s.Starved > 0 {
			msg += "  MINTING BEHIND"
		}
		if s.NotToken > 0 {
			msg += fmt.Sprintf("  2xx NOT A TOKEN %d", s.NotToken)
		}
		return msg
	})))
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.done:
				return
			case <-t.C:
				if plan.Duration > 0 {
					b.run.SetCurrent(int64(time.Since(start.Add(-plan.Warmup.D())) / time.Millisecond))
				} else {
					b.smu.Lock()
					sent := b.snap.Sent
					b.smu.Unlock()
					b.run.SetCurrent(sent)
				}
			}
		}
	}()
}

func (b *barProgress) Interval(s loadgen.Snapshot) {
	b.smu.Lock()
	b.snap = s
	b.smu.Unlock()
}

func (b *barProgress) Finished() {
	close(b.done)
	b.mu.Lock()
	if b.run != nil {
		b.run.SetTotal(-1, true)
	}
	if b.mint != nil && !b.mint.Completed() {
		b.mint.SetTotal(-1, true)
	}
	b.mu.Unlock()
	b.p.Wait()
}
