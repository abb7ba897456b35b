package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"time"
)

// MaxPool bounds how many request bodies a pool holds (memory: about
// 1 KiB each for RS256-2048).
const MaxPool = 250_000

// Progress receives a run's progress for display. Every method may be
// called from another goroutine than the caller of Execute.
type Progress interface {
	// Minting reports pre-minting before the run: held of want.
	Minting(held, want int)
	// Started is called when sending begins.
	Started(plan *Plan, start time.Time)
	// Interval is called once per closed interval.
	Interval(s Snapshot)
	// Finished is called once after the last interval.
	Finished()
}

// Snapshot is the run so far, for progress displays.
type Snapshot struct {
	Elapsed  time.Duration // since the measured start
	Sent     int64
	Errors   int64
	NotToken int64   // 2xx answers that carried no token
	Rate     float64 // answers/s in the last interval
	OKRate   float64 // answers as expected/s in the last interval
	P99      int64   // µs, last interval, all classes
	Late     int64
	Dropped  int64
	Starved  int64 // pool: requests that waited for an assertion
	PoolHeld int
}

// Config is everything Execute needs.
type Config struct {
	Plan     Plan
	Endpoint *Endpoint
	// Scenario mints assertions; nil in raw mode (Plan.Raw).
	Scenario *Scenario
	// RawBody is the raw mode request body (nil: none).
	RawBody []byte
	// Premint is how many assertions to mint before sending (0: the
	// expected request count up to 20000; capped by the pool).
	Premint int
	// PoolCapacity overrides the pool size (0: derived from the plan).
	PoolCapacity int
	// CeilingTime is how long each ceiling phase runs (0: skip).
	CeilingTime time.Duration
	// ToolVersion goes into the header.
	ToolVersion string
	// Includes names what else runs in this process (the embedded server),
	// so CPU figures are read correctly.
	Includes string
	// Thresholds are checked against the summary.
	Thresholds []Threshold
	// Validity says when the run is a measurement at all; nil =
	// DefaultValidity().
	Validity *Validity
	// Out receives the run file (nil: none).
	Out io.Writer
	// Progress displays progress (nil: none).
	Progress Progress
	// Notes are added to the header.
	Notes []string
	// Shard is this run's part of a split plan (Plan is already this
	// shard's share); nil: not split. Execute fills its start fields.
	Shard *ShardInfo
	// StartAt is the agreed instant measuring begins (zero: as soon as
	// the pool is minted). The pool is minted just before it.
	StartAt time.Time
}

// Execute runs one load test: pre-flight, ceiling, pre-minting, the run
// itself, the summary and the thresholds. The returned Run holds the
// header and summary (intervals go to cfg.Out only, so memory stays flat).
// An error means the run could not be made; an incomplete run returns
// both the Run (Summary.Complete false) and an error.
func Execute(ctx context.Context, cfg Config) (*Run, error) {
	plan := cfg.Plan
	plan.Defaults()
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	if !plan.Raw && cfg.Scenario == nil {
		return nil, errors.New("no scenario: give a target or raw mode")
	}
	runID := newRunID()
	notes := append([]string(nil), cfg.Notes...)

	// Pre-flight: one valid exchange must succeed.
	var pfBody []byte
	if plan.Raw {
		pfBody = cfg.RawBody
	} else {
		a, err := cfg.Scenario.Assertion(-1)
		if err != nil {
			return nil, fmt.Errorf("minting a valid assertion: %w", err)
		}
		if pfBody, err = cfg.Scenario.Body(a); err != nil {
			return nil, fmt.Errorf("building the valid request: %w", err)
		}
	}
	if err := Preflight(ctx, cfg.Endpoint, pfBody, plan.Raw); err != nil {
		return nil, err
	}

	// Ceiling: raw go-jose verify, same algorithm and key.
	var ceiling *Ceiling
	if cfg.Scenario != nil && cfg.CeilingTime > 0 {
		a, err := cfg.Scenario.Assertion(-1)
		if err != nil {
			return nil, err
		}
		alg, key, bits := cfg.Scenario.VerifyKey()
		ceiling, err = MeasureCeiling(ctx, a, alg, key, bits, 0, cfg.CeilingTime)
		if err != nil {
			return nil, err
		}
	}

	// Pool.
	var pool *Pool
	if !plan.Raw {
		capacity := cfg.PoolCapacity
		if capacity <= 0 {
			exp := plan.ExpectedTotal()
			switch {
			case exp > 0:
				capacity = int(exp) + int(exp)/10 + 64
			case plan.Model == ModelOpen:
				capacity = int(plan.Rate*30) + 64
			default:
				capacity = 50_000
			}
		}
		if cfg.Premint > capacity {
			capacity = cfg.Premint
		}
		if capacity > MaxPool {
			capacity = MaxPool
		}
		if !cfg.StartAt.IsZero() {
			// Mint just before the agreed start, not minutes early (the
			// assertions would go stale before they are sent).
			want := min(capacity, 20_000)
			if cfg.Premint > 0 {
				want = min(cfg.Premint, capacity)
			}
			cost, err := measureMintCost(func() error { _, err := cfg.Scenario.Assertion(-1); return err })
			if err != nil {
				return nil, fmt.Errorf("minting: %w", err)
			}
			sp := planStart(cfg.StartAt, plan.Warmup.D(), want, cost)
			if err := sleepUntil(ctx, sp.MintFrom); err != nil {
				return nil, fmt.Errorf("waiting for the agreed start: %w", err)
			}
		}
		var budget int64
		if exp := plan.ExpectedTotal(); exp > 0 {
			budget = exp + exp/100
		}
		pool = NewPool(plan.Mix, cfg.Scenario.Mint, PoolOptions{Capacity: capacity, Budget: budget})
		pool.Start(ctx)
		defer pool.Stop()
		want := cfg.Premint
		if want <= 0 {
			want = capacity
			if want > 20_000 {
				want = 20_000
			}
		}
		var prog func(int, int)
		if cfg.Progress != nil {
			prog = cfg.Progress.Minting
		}
		if err := pool.Fill(ctx, want, prog); err != nil {
			return nil, fmt.Errorf("pre-minting assertions: %w", err)
		}
	}
	var schedule time.Time
	if !cfg.StartAt.IsZero() {
		schedule = cfg.StartAt.Add(-plan.Warmup.D())
		ready := time.Now()
		if cfg.Shard != nil {
			cfg.Shard.Ready = Duration(schedule.Sub(ready))
			if late := ready.Sub(schedule); late > 0 {
				cfg.Shard.StartOffset = Duration(late)
			}
		}
		if late := ready.Sub(schedule); late > 0 {
			notes = append(notes, fmt.Sprintf("LATE START: ready %s after the agreed start %s (minus warm-up); the slots missed are counted dropped or late, intervals are not shifted",
				late.Round(time.Millisecond), cfg.StartAt.UTC().Format(time.RFC3339)))
		}
		if err := sleepUntil(ctx, schedule); err != nil {
			return nil, fmt.Errorf("waiting for the agreed start: %w", err)
		}
	}

	// The run.
	rec := NewRecorder(plan.Mix, 4*runtime.GOMAXPROCS(0))
	header := NewHeader(runID, cfg.ToolVersion, plan, time.Time{})
	header.Ceiling = ceiling
	header.Notes = notes
	header.Machines[0].Shard = cfg.Shard
	var w *Writer
	if cfg.Out != nil {
		w = NewWriter(cfg.Out)
	}
	var writeErr error
	headerWritten := false
	var cum Counters
	att := &Attacker{Plan: &plan, Endpoint: cfg.Endpoint, Pool: pool, RawBody: cfg.RawBody, Recorder: rec, Schedule: schedule}
	var runStart time.Time
	att.OnInterval = func(start, end time.Time, recs []IntervalRecord) {
		if w != nil && writeErr == nil {
			if !headerWritten {
				header.Start = runStart
				header.Machines[0].Start = runStart
				writeErr = w.WriteHeader(&header)
				headerWritten = true
			}
			if writeErr == nil {
				writeErr = w.WriteIntervals(recs)
			}
		}
		if cfg.Progress != nil {
			cfg.Progress.Interval(snapshot(runStart, start, end, recs, &cum, pool))
		}
	}
	ru0 := rusage()
	wall0 := time.Now()
	runStart = wall0.Add(5 * time.Millisecond).Add(plan.Warmup.D())
	if !cfg.StartAt.IsZero() {
		runStart = cfg.StartAt
	}
	if cfg.Progress != nil {
		cfg.Progress.Started(&plan, runStart)
	}
	res, err := att.Run(ctx)
	if cfg.Progress != nil {
		cfg.Progress.Finished()
	}
	if err != nil {
		return nil, err
	}
	runStart = res.Start
	wall := time.Since(wall0)
	ru1 := rusage()
	if w != nil && !headerWritten && writeErr == nil {
		header.Start = res.Start
		header.Machines[0].Start = res.Start
		writeErr = w.WriteHeader(&header)
	}
	header.Start = res.Start
	header.Machines[0].Start = res.Start

	elapsed := res.End.Sub(res.Start)
	sum := summarize(&header, rec.Totals(), elapsed)
	sum.Start, sum.End = res.Start, res.End
	sum.Complete = res.Complete
	cpu := &CPUUsage{User: Duration(ru1.user - ru0.user), System: Duration(ru1.sys - ru0.sys), Wall: Duration(wall), Process: cfg.Includes}
	if wall > 0 {
		cpu.Cores = (ru1.user - ru0.user + ru1.sys - ru0.sys).Seconds() / wall.Seconds()
		cpu.Share = cpu.Cores / float64(runtime.GOMAXPROCS(0))
	}
	sum.CPU = cpu
	if pool != nil {
		ps := pool.Stats()
		sum.Pool = &ps
	}
	sum.Warnings = warnings(&plan, sum, res, cfg.Includes)
	for _, t := range cfg.Thresholds {
		sum.Thresholds = append(sum.Thresholds, t.Check(sum))
	}
	validity := DefaultValidity()
	if cfg.Validity != nil {
		validity = *cfg.Validity
	}
	sum.Invalid = validity.Check(sum)
	if w != nil && writeErr == nil {
		writeErr = w.WriteSummary(sum)
	}
	run := &Run{Header: header, Summary: sum}
	if writeErr != nil {
		return run, fmt.Errorf("writing the run file: %w", writeErr)
	}
	if res.Err != nil {
		return run, fmt.Errorf("run incomplete: %w", res.Err)
	}
	if !res.Complete {
		return run, errors.New("run interrupted before its bound")
	}
	return run, nil
}

func snapshot(runStart, start, end time.Time, recs []IntervalRecord, cum *Counters, pool *Pool) Snapshot {
	var iv Counters
	h := NewHistogram()
	for i := range recs {
		iv.Add(&recs[i].Counters)
		if d, err := DecodeHistogram(recs[i].Response); err == nil {
			h.Merge(d)
		}
	}
	cum.Add(&iv)
	s := Snapshot{Elapsed: end.Sub(runStart), Sent: cum.Sent, Errors: cum.Errors(), NotToken: cum.NotToken, Late: cum.Late, Dropped: cum.Dropped}
	if sec := end.Sub(start).Seconds(); sec > 0 {
		s.Rate = float64(iv.Answered()) / sec
		s.OKRate = float64(iv.AsExpected()) / sec
	}
	if h.TotalCount() > 0 {
		s.P99 = h.ValueAtQuantile(99)
	}
	if pool != nil {
		ps := pool.Stats()
		s.Starved, s.PoolHeld = ps.Starved, ps.Held
	}
	return s
}

func warnings(p *Plan, s *Summary, res *RunResult, includes string) []string {
	var out []string
	if !res.Complete {
		out = append(out, "the run did not complete: figures cover only part of the plan")
	}
	if s.Pool != nil && s.Pool.Starved > 0 {
		out = append(out, fmt.Sprintf("assertion minting could not keep up: %d requests waited %s in total for a fresh assertion (pool minted %.0f/s); pre-mint more (--premint) or lower the rate. No assertion was reused.",
			s.Pool.Starved, s.Pool.Waited.D().Round(time.Millisecond), s.Pool.MintRate))
	}
	saturated := s.CPU != nil && s.CPU.Share >= 0.85
	if saturated {
		msg := fmt.Sprintf("the generator process used %.2f of %d cores (%.0f%%): it, not the target, may be the bottleneck", s.CPU.Cores, runtime.GOMAXPROCS(0), s.CPU.Share*100)
		if includes != "" {
			msg += " (this process also runs " + includes + ")"
		}
		out = append(out, msg)
	}
	c := &s.All.Counters
	if p.Model == ModelOpen && c.Scheduled > 0 && (float64(c.Late)/float64(c.Scheduled) > 0.01 || c.Dropped > 0) {
		why := fmt.Sprintf("all %d connections were busy: the endpoint is slower than %.0f/s, or raise --max-inflight", p.MaxInflight, p.Rate)
		if saturated {
			why = "the generator ran out of CPU"
		}
		out = append(out, fmt.Sprintf("%.1f%% of requests were sent more than %s behind schedule and %d were dropped (> %s): %s. Latency is measured from the intended time, so this delay is in the figures.",
			100*float64(c.Late)/float64(c.Scheduled), p.LateAfter.D(), c.Dropped, p.DropAfter.D(), why))
	}
	for _, cs := range s.Classes {
		if cs.Expect == "rejected" && cs.Counters.Issued > 0 {
			out = append(out, fmt.Sprintf("class %s: %d mutated assertions were answered with a token: a conformance failure (run jwtharness conform)", cs.Class, cs.Counters.Issued))
		}
		if c := &cs.Counters; cs.Expect == "issued" && c.Sent > 0 && c.Issued < c.Sent {
			out = append(out, fmt.Sprintf("class %s: %d of %d valid assertions were not answered with a token (%s)", cs.Class, c.Sent-c.Issued, c.Sent, errorKinds(c)))
		}
	}
	return out
}

type ru struct{ user, sys time.Duration }

func rusage() ru {
	var r syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
		return ru{}
	}
	return ru{user: time.Duration(r.Utime.Nano()), sys: time.Duration(r.Stime.Nano())}
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
