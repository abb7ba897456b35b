package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Attacker runs a Plan against an Endpoint: one goroutine per connection,
// each taking request bodies from the Pool (or the fixed raw body), and
// feeds every answer to the Recorder. It knows no metric beyond that.
type Attacker struct {
	Plan     *Plan
	Endpoint *Endpoint
	Pool     *Pool  // nil in raw mode
	RawBody  []byte // raw mode: the fixed request body (nil for GET)
	Recorder *Recorder
	// OnInterval receives each closed interval's records (may be nil).
	// It runs on the flusher goroutine; keep it short.
	OnInterval func(start, end time.Time, recs []IntervalRecord)
	// Now is the clock; nil = time.Now. Tests only.
	Now func() time.Time
	// Schedule, when set, is the schedule's first slot (an agreed start
	// minus the warm-up). In the past, the run begins behind schedule and
	// the slots it missed count late or dropped: intervals never shift.
	Schedule time.Time
}

// RunResult is what Run returns besides the recorded data.
type RunResult struct {
	Start    time.Time // first measured instant (after warm-up)
	End      time.Time
	Complete bool // false when ctx ended the run early
	Warmup   int64
	Err      error // the first fatal error (e.g. the pool could not mint)
}

// Run executes the plan. It returns when the plan's bound is reached or
// ctx ends; the final partial interval is flushed before it returns.
func (a *Attacker) Run(ctx context.Context) (*RunResult, error) {
	p := a.Plan
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if a.Pool == nil && !p.Raw {
		return nil, errors.New("attacker: no assertion pool")
	}
	workers := p.MaxInflight
	if p.Model == ModelClosed {
		workers = p.Concurrency
	}
	doers := make([]doer, workers)
	for i := range doers {
		d, err := newDoer(p.Client, a.Endpoint, workers, p.Raw)
		if err != nil {
			return nil, err
		}
		doers[i] = d
	}
	defer func() {
		for _, d := range doers {
			d.close()
		}
	}()
	sel := NewSelector(p.Mix)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	start := time.Now().Add(5 * time.Millisecond)
	if !a.Schedule.IsZero() {
		start = a.Schedule
	}
	measureStart := start.Add(p.Warmup.D())
	var end time.Time
	if p.Duration > 0 {
		end = measureStart.Add(p.Duration.D())
	}
	pacer := Pacer{Start: start, Rate: p.Rate}
	maxSeq := int64(-1)
	var warmSlots int64
	if p.Model == ModelOpen {
		warmSlots = pacer.Count(p.Warmup.D())
		if p.Requests > 0 {
			maxSeq = warmSlots + p.Requests
		}
		if p.Duration > 0 {
			if n := pacer.Count(p.Warmup.D() + p.Duration.D()); maxSeq < 0 || n < maxSeq {
				maxSeq = n
			}
		}
	}

	// A run bounded by time never outlives its duration plus one request
	// timeout (the drain): no request starts after the deadline, and each
	// one in flight ends within its timeout.
	if p.Duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithDeadline(ctx, end.Add(p.Timeout.D()))
		defer stop()
	}
	// dropRange counts the measured slots of [from, to) as dropped, in
	// O(mix window) however many they are.
	dropCounts := make([]int64, len(p.Mix))
	var dropMu sync.Mutex
	dropRange := func(id int, from, to int64) {
		if from < warmSlots {
			from = warmSlots
		}
		if to <= from {
			return
		}
		dropMu.Lock()
		defer dropMu.Unlock()
		clear(dropCounts)
		sel.CountRange(from, to, dropCounts)
		for k, n := range dropCounts {
			a.Recorder.DroppedN(id, k, n)
		}
	}

	var (
		next      atomic.Int64
		measured  atomic.Int64
		warm      atomic.Int64
		fatalOnce sync.Once
		fatal     error
	)
	setFatal := func(err error) {
		fatalOnce.Do(func() { fatal = err; cancel() })
	}
	lateAfter, dropAfter := p.LateAfter.D(), p.DropAfter.D()

	getBody := func(class int) ([]byte, bool) {
		if p.Raw {
			return a.RawBody, true
		}
		it, err := a.Pool.Get(ctx, class)
		if err != nil {
			if ctx.Err() == nil {
				setFatal(err)
			}
			return nil, false
		}
		return it.Body, true
	}

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(id int, d doer) {
			defer wg.Done()
			var s Sample
			timer := time.NewTimer(time.Hour)
			timer.Stop()
			if p.Model == ModelClosed {
				if wait := time.Until(start); wait > 0 {
					time.Sleep(wait)
				}
			}
			for ctx.Err() == nil {
				var intended time.Time
				var seq int64
				if p.Model == ModelOpen {
					seq = next.Add(1) - 1
					if maxSeq >= 0 && seq >= maxSeq {
						return
					}
					intended = pacer.At(seq)
					if wait := time.Until(intended); wait > 0 {
						timer.Reset(wait)
						select {
						case <-ctx.Done():
							timer.Stop()
							return
						case <-timer.C:
						}
					}
				} else {
					intended = time.Now()
					if !end.IsZero() && !intended.Before(end) {
						return
					}
					seq = next.Add(1) - 1
				}
				isMeasured := !intended.Before(measureStart)
				if isMeasured && p.Model == ModelClosed && p.Requests > 0 && measured.Add(1) > p.Requests {
					return
				}
				class := sel.Class(seq)
				if p.Model == ModelOpen {
					if late := time.Since(intended); late > dropAfter {
						if isMeasured {
							a.Recorder.Dropped(id, class)
						}
						// Every slot up to the first one still within
						// dropAfter is missed too: skip them in one step
						// and count them dropped, so the pacer's cost does
						// not grow with the rate.
						k := pacer.Count(time.Since(start) - dropAfter)
						if maxSeq >= 0 && k > maxSeq {
							k = maxSeq
						}
						for {
							cur := next.Load()
							if k <= cur {
								break
							}
							if next.CompareAndSwap(cur, k) {
								dropRange(id, cur, k)
								break
							}
						}
						continue
					}
				}
				body, ok := getBody(class)
				if !ok {
					// Scheduled, never sent: the run ended while it
					// waited for an assertion.
					if isMeasured && p.Model == ModelOpen {
						a.Recorder.Dropped(id, class)
					}
					return
				}
				sent := time.Now()
				r := d.do(body)
				done := time.Now()
				if !isMeasured {
					warm.Add(1)
					continue
				}
				s = Sample{Class: class, Intended: intended, Sent: sent, Done: done, Status: r.status, ErrorCode: r.Code,
					Outcome: r.Outcome, BytesIn: r.in, BytesOut: r.out, Late: p.Model == ModelOpen && sent.Sub(intended) > lateAfter}
				a.Recorder.Record(id, &s)
			}
		}(w, doers[w])
	}

	// Flusher: intervals aligned to wall-clock multiples of the interval.
	iv := p.Interval.D()
	stopFlush := make(chan struct{})
	flushDone := make(chan struct{})
	var flushErr error
	go func() {
		defer close(flushDone)
		if d := time.Until(measureStart); d > 0 {
			select {
			case <-time.After(d):
			case <-stopFlush:
				return
			}
		}
		ivStart := measureStart
		for {
			boundary := ivStart.Truncate(iv).Add(iv)
			select {
			case <-time.After(time.Until(boundary)):
			case <-stopFlush:
				return
			}
			recs, err := a.Recorder.Flush(ivStart, boundary)
			if err != nil {
				flushErr = err
			}
			if a.OnInterval != nil {
				a.OnInterval(ivStart, boundary, recs)
			}
			ivStart = boundary
		}
	}()
	wg.Wait()
	finished := time.Now()
	// Slots of the schedule no worker took before the deadline were
	// scheduled and never sent: dropped.
	if p.Model == ModelOpen && maxSeq >= 0 {
		if cur := next.Load(); cur < maxSeq {
			dropRange(0, cur, maxSeq)
		}
	}
	close(stopFlush)
	<-flushDone
	// The last, partial interval.
	lastStart := measureStart
	if n := finished.Truncate(iv); n.After(lastStart) {
		lastStart = n
	}
	endAt := finished
	if finished.After(measureStart) {
		recs, err := a.Recorder.Flush(lastStart, endAt)
		if err != nil && flushErr == nil {
			flushErr = err
		}
		if a.OnInterval != nil && len(recs) > 0 {
			a.OnInterval(lastStart, endAt, recs)
		}
	}
	res := &RunResult{Start: measureStart, End: endAt, Complete: fatal == nil && parent.Err() == nil, Warmup: warm.Load(), Err: fatal}
	if fatal == nil && flushErr != nil {
		res.Err = flushErr
	}
	if res.Err != nil {
		res.Complete = false
	}
	return res, nil
}
