package main

import (
	"fmt"
	"time"

	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// A conformance run against an endpoint that stops answering ends early:
// after conformMaxTimeouts requests in a row run out of time, or when the
// run deadline passes, the driver sends nothing more and conform exits 3
// with one line saying why.
const (
	conformMaxTimeouts = 3
	// conformRequestsPerRun is the average number of requests one case run
	// may spend its full per-request timeout on before the deadline bites.
	conformRequestsPerRun = 2
	// conformDeadlineBase is added to every run's deadline (setup, slow CI).
	conformDeadlineBase = time.Minute
)

// conformLimits sets the client's limits for runs case runs and returns
// the timeout to give the suite: the driver's deadline is the earlier of
// runTimeout and what runs requests at the per-request timeout can need;
// the suite's is a little later, so the driver stops the run cleanly
// before Ginkgo would interrupt it.
func conformLimits(env *catalog.Env, runs int, runTimeout time.Duration) time.Duration {
	per := env.Client.Timeout()
	d := conformDeadlineBase + time.Duration(runs*conformRequestsPerRun)*per
	if runTimeout > 0 && runTimeout < d {
		d = runTimeout
	}
	env.Client.SetLimits(driver.Limits{MaxConsecutiveTimeouts: conformMaxTimeouts, Deadline: time.Now().Add(d)})
	return d + 2*per + 30*time.Second
}

// conformStopped returns the exit-3 error of a run the client's limits
// stopped, marking rec incomplete, or nil.
func conformStopped(env *catalog.Env, rec *reports.Run) error {
	st := env.Client.Stopped()
	if st == nil {
		return nil
	}
	rec.Complete = false
	why := st.Error()
	if rec.Incomplete != "" {
		why += "; " + rec.Incomplete
	}
	rec.Incomplete = why
	return incompleteErr(fmt.Errorf("conform: %s; the run stopped", st))
}
