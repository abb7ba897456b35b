// Package suites is the Ginkgo v2 conformance suite, generated from the case
// catalog: one Describe per case family, one It per (case, flow), labelled
// case:ID, level:LEVEL, flow:FLOW and family:FAMILY. Run executes it once,
// in-process and serially (RunSpecs with a no-op testing.T), which is how
// `jwtharness conform` ships the suite in a single binary; suite_test.go runs
// the same tree under `go test` against the embedded reference server.
//
// Case bodies are plain Go (catalog.Execute); Ginkgo only selects, orders,
// reports and turns verdicts into spec outcomes: SKIP is Skip, FAIL and
// ERROR fail the spec, WARN passes with a visible report entry (fails with
// Strict).
//
// The same tree runs three ways: `jwtharness conform` (the shipped CLI);
// `go test ./suites/` (the whole suite against the in-process reference
// server, both profiles); and a test binary aimed at any endpoint:
//
//	go test -c -o jwtharness-conformance.test ./suites
//	./jwtharness-conformance.test -test.run 'TestConformance$' \
//	    -jwtharness.target=fx/target.yaml -ginkgo.label-filter='level:MUST'
//
// The suite is serial by design (about 400 cheap HTTP exchanges in about a
// second); Run refuses `ginkgo -p`.
package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// SuiteName is the Ginkgo suite description.
const SuiteName = "jwtharness conformance"

// Config is one conformance run.
type Config struct {
	// Env is the endpoint under test. Required unless DryRun.
	Env *catalog.Env
	// Filter is a Ginkgo label filter ("" selects every case); see
	// CompileFilter for building one from friendly flags.
	Filter string
	// Strict makes WARN fail the spec and the gate.
	Strict bool
	// DryRun walks the selected specs without sending anything.
	DryRun bool
	// Seed orders the families; 0 picks one from the clock (printed).
	Seed int64
	// Verbose streams every spec and its transcripts; otherwise Ginkgo
	// prints succinctly and shows transcripts of failures only.
	Verbose bool
	// NoColor turns off Ginkgo's colours.
	NoColor bool
	// Timeout bounds the whole run (default 30m).
	Timeout time.Duration
	// Cases overrides catalog.All() (tests).
	Cases []catalog.Case
	// Run metadata copied into the record.
	Tool, Version string
	Target        reports.TargetInfo
}

// FilterError is a label filter Ginkgo would refuse.
type FilterError struct {
	Filter string
	Err    error
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("invalid label filter %q: %v", e.Filter, e.Err)
}
func (e *FilterError) Unwrap() error { return e.Err }

// ValidateFilter checks a label filter the way Ginkgo will, so that a bad
// one is reported before RunSpecs (where Ginkgo would exit the process).
func ValidateFilter(filter string) error {
	if _, err := types.ParseLabelFilter(filter); err != nil {
		return &FilterError{Filter: filter, Err: err}
	}
	return nil
}

// noopT satisfies ginkgo.GinkgoTestingT outside `go test`; the verdicts,
// not this, decide the outcome.
type noopT struct{}

func (noopT) Fail() {}

// runMu serializes Run: Ginkgo's suite is process-global.
var runMu sync.Mutex

// state is what the spec bodies of the running suite read.
type state struct {
	env    *catalog.Env
	strict bool

	mu       sync.Mutex
	verdicts []reports.Verdict
	report   *types.Report
}

var current *state

func (s *state) record(v reports.Verdict) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.verdicts = append(s.verdicts, v)
}

// Collected returns the verdicts recorded by the running (or last) suite.
func Collected() []reports.Verdict {
	s := current
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]reports.Verdict(nil), s.verdicts...)
}

// Run builds the spec tree from the catalog, runs it once in-process and
// returns the run record. The error is for a run that could not start (bad
// filter, no endpoint); failed cases are verdicts, not errors. Run may be
// called again after it returns (it resets Ginkgo's global suite).
func Run(cfg Config) (reports.Run, error) {
	rec := reports.Run{Tool: nonEmpty(cfg.Tool, "jwtharness"), Version: cfg.Version, Target: cfg.Target,
		Filter: cfg.Filter, Strict: cfg.Strict, Seed: cfg.Seed}
	if err := ValidateFilter(cfg.Filter); err != nil {
		return rec, err
	}
	if cfg.Env == nil && !cfg.DryRun {
		return rec, errors.New("suites: no endpoint to test (Config.Env is nil)")
	}
	cases := cfg.Cases
	if cases == nil {
		cases = catalog.All()
	}
	if rec.Seed == 0 {
		rec.Seed = time.Now().UnixNano() % 1_000_000
	}

	runMu.Lock()
	defer runMu.Unlock()
	globals.Reset()
	st := &state{env: cfg.Env, strict: cfg.Strict}
	current = st
	specs := define(cases, cfg.Env)
	ginkgo.ReportAfterSuite("jwtharness verdicts", func(r ginkgo.Report) {
		st.mu.Lock()
		st.report = &r
		st.mu.Unlock()
	})

	sc, rc := ginkgo.GinkgoConfiguration()
	if sc.ParallelTotal > 1 {
		// Under `ginkgo -p` every process would run the whole suite: refuse.
		return rec, fmt.Errorf("suites: the conformance suite runs serially in one process; run it without -p (process %d of %d)", sc.ParallelProcess, sc.ParallelTotal)
	}
	sc.LabelFilter = cfg.Filter
	sc.RandomSeed = rec.Seed
	sc.RandomizeAllSpecs = false
	sc.DryRun = cfg.DryRun
	sc.FailFast = false
	sc.ParallelProcess, sc.ParallelTotal = 1, 1
	sc.FocusStrings, sc.SkipStrings, sc.FocusFiles, sc.SkipFiles = nil, nil, nil, nil
	sc.Timeout = cfg.Timeout
	if sc.Timeout <= 0 {
		sc.Timeout = 30 * time.Minute
	}
	rc.Verbose = cfg.Verbose
	rc.VeryVerbose = false
	rc.Succinct = !cfg.Verbose
	rc.NoColor = rc.NoColor || cfg.NoColor || !isTerminal(os.Stdout)
	rc.FullTrace = false

	rec.Started = time.Now().UTC()
	gomega.RegisterFailHandler(ginkgo.Fail)
	ginkgo.RunSpecs(noopT{}, SuiteName, sc, rc)
	rec.Finished = time.Now().UTC()

	st.mu.Lock()
	rec.Verdicts = append([]reports.Verdict(nil), st.verdicts...)
	report := st.report
	st.mu.Unlock()
	if cfg.DryRun {
		rec.Complete = true
		return rec, nil
	}
	rec.Complete, rec.Incomplete = completeness(report, specs, &rec)
	rec.Findings = reports.CollectFindings(rec.Verdicts, catalog.FindingDef)
	return rec, nil
}

// completeness adds an ERROR verdict for every spec that ran but left no
// verdict (a Ginkgo-level failure), and says whether every selected spec
// ran to a verdict.
func completeness(report *types.Report, specs map[string]specInfo, rec *reports.Run) (bool, string) {
	if report == nil {
		return false, "the suite ended without a report"
	}
	have := map[string]bool{}
	for _, v := range rec.Verdicts {
		have[v.Key] = true
	}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		info, ok := specs[sr.LeafNodeText]
		if !ok || have[info.key] || sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending {
			continue
		}
		if sr.State.Is(types.SpecStateInterrupted|types.SpecStateTimedout|types.SpecStateAborted) || sr.State == types.SpecStateInvalid {
			continue
		}
		v := info.verdict
		v.Outcome = reports.Error
		v.Duration = sr.RunTime
		v.Reason = fmt.Sprintf("the spec ended %s without a verdict: %s", sr.State, sr.Failure.Message)
		rec.Verdicts = append(rec.Verdicts, v)
		have[info.key] = true
	}
	var why []string
	why = append(why, report.SpecialSuiteFailureReasons...)
	want := report.PreRunStats.SpecsThatWillRun
	if got := len(rec.Verdicts); got < want {
		why = append(why, fmt.Sprintf("%d of %d selected cases ran", got, want))
	}
	if len(why) > 0 {
		return false, strings.Join(why, "; ")
	}
	return true, ""
}

// specInfo is what the tree knows about one spec before it runs.
type specInfo struct {
	key     string
	verdict reports.Verdict // metadata only
}

// SpecName is the It text of a case for a flow:
// "aud-wrong@grant [MUST RFC7523-3] rejects an aud that is not the token endpoint".
func SpecName(c catalog.Case, flow fixtures.Flow) string {
	return fmt.Sprintf("%s@%s [%s %s] %s", c.ID, flow.Short(), c.Level, c.Clause.ID(), c.Title)
}

// Labels returns the Ginkgo labels of a case for a flow.
func Labels(c catalog.Case, flow fixtures.Flow) ginkgo.Labels {
	return ginkgo.Label(
		"case:"+SanitizeLabel(c.ID),
		"level:"+SanitizeLabel(string(c.Level)),
		"flow:"+SanitizeLabel(string(flow)),
		"family:"+SanitizeLabel(c.Family),
	)
}

// SanitizeLabel replaces the characters Ginkgo forbids in labels
// (&|!,()/) and whitespace with '-'.
func SanitizeLabel(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '&', '|', '!', ',', '(', ')', '/', ' ', '\t', '\n', '\r':
			return '-'
		}
		return r
	}, s)
}

// families groups cases by family in catalog order.
func families(cases []catalog.Case) ([]string, map[string][]catalog.Case) {
	var order []string
	by := map[string][]catalog.Case{}
	for _, c := range cases {
		if _, ok := by[c.Family]; !ok {
			order = append(order, c.Family)
		}
		by[c.Family] = append(by[c.Family], c)
	}
	return order, by
}

// define registers the spec tree and returns what it knows about each spec.
// The cases of a flow the target declares unsupported collapse to one spec
// (catalog.Unsupported) for that flow.
func define(cases []catalog.Case, env *catalog.Env) map[string]specInfo {
	specs := map[string]specInfo{}
	var unsupported []fixtures.Flow
	if env != nil && env.Target != nil {
		unsupported = env.Target.UnsupportedFlows()
	}
	if len(unsupported) > 0 {
		var kept []catalog.Case
		for _, c := range cases {
			var flows []fixtures.Flow
			for _, f := range c.Flows {
				if !env.Target.Unsupported(f) {
					flows = append(flows, f)
				}
			}
			if len(flows) > 0 {
				c.Flows = flows
				kept = append(kept, c)
			}
		}
		u := catalog.Unsupported()
		u.Flows = unsupported
		cases = append(kept, u)
	}
	order, by := families(cases)
	for _, fam := range order {
		ginkgo.Describe(fam, ginkgo.Label("family:"+SanitizeLabel(fam)), func() {
			for _, c := range by[fam] {
				for _, flow := range c.Flows {
					name := SpecName(c, flow)
					specs[name] = specInfo{key: c.ID + "@" + flow.Short(), verdict: reports.Verdict{
						Case: c.ID, Key: c.ID + "@" + flow.Short(), Title: c.Title, Family: c.Family,
						Flow: string(flow), Level: string(c.Level), Clause: c.Clause.ID(), ClauseURL: c.Clause.URL(),
					}}
					args := []any{Labels(c, flow)}
					if c.Serial {
						args = append(args, ginkgo.Serial)
					}
					args = append(args, specBody(c, flow))
					ginkgo.It(name, args...)
				}
			}
		})
	}
	return specs
}

func specBody(c catalog.Case, flow fixtures.Flow) func(ginkgo.SpecContext) {
	return func(ctx ginkgo.SpecContext) {
		st := current
		env := *st.env
		log := &countingWriter{w: ginkgo.GinkgoWriter}
		env.Log = log
		v := catalog.Execute(ctx, &env, c, flow)
		if stop := env.Client.Stopped(); stop != nil {
			// The driver's limits stopped the run during this case (the
			// endpoint stopped answering, or the run deadline passed): it
			// was not judged, and no later case runs.
			fmt.Fprintf(ginkgo.GinkgoWriter, "run stopped (%v) before %s finished: no verdict\n", stop, v.Key)
			ginkgo.AbortSuite(stop.Error())
		}
		if ctx.Err() != nil && v.Outcome != reports.Pass && v.Outcome != reports.Skip {
			// Interrupted or out of time: the endpoint was not judged, so
			// there is no verdict; the run is recorded as incomplete.
			fmt.Fprintf(ginkgo.GinkgoWriter, "run stopped (%v) before %s finished: no verdict\n", context.Cause(ctx), v.Key)
			return
		}
		if log.n == 0 && v.Transcript != "" {
			// The body did not log its exchanges as they happened: give
			// GinkgoWriter (shown on failure and with -v) the transcript.
			fmt.Fprintf(ginkgo.GinkgoWriter, "%s\n", v.Transcript)
		}
		if env.Target != nil && env.Target.Source == "" {
			// An in-memory target (the embedded reference server): `jwtharness
			// token` without --target talks to the embedded server too.
			v.Repro = strings.Replace(v.Repro, " --target <target.yaml>", "", 1)
		}
		st.record(v)
		ginkgo.AddReportEntry("verdict", v, ginkgo.ReportEntryVisibilityNever)
		switch v.Outcome {
		case reports.Skip:
			ginkgo.Skip(v.Reason)
		case reports.Warn:
			// A WARN that only carries findings is summarised once per
			// finding at the end; print the others as they happen.
			vis := ginkgo.ReportEntryVisibilityAlways
			if v.FindingsOnly {
				vis = ginkgo.ReportEntryVisibilityFailureOrVerbose
			}
			ginkgo.AddReportEntry("WARNING "+v.Name(), warnText(v), vis)
		}
		gomega.Expect(v).To(Conform(st.strict))
	}
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.w.Write(p)
}

func warnText(v reports.Verdict) string {
	return strings.TrimSpace(strings.Join(nonEmptyLines(
		"reason: "+v.Reason, "expected: "+v.Expected, "actual: "+v.Actual), "\n"))
}

func failText(v reports.Verdict) string {
	return fmt.Sprintf("%s %s %s\n%s", v.Outcome, v.Name(), v.Title, strings.Join(nonEmptyLines(
		"expected: "+v.Expected, "actual:   "+v.Actual, "reason:   "+v.Reason,
		"clause:   "+strings.TrimSpace(v.Clause+" "+v.ClauseURL), "repro:    "+v.Repro), "\n"))
}

// nonEmptyLines drops "label: " lines with no value.
func nonEmptyLines(lines ...string) []string {
	var out []string
	for _, l := range lines {
		if _, val, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(val) == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
