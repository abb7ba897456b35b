// Package catalog is the compiled-in list of conformance cases: each with a
// stable ID, the RFC clause behind it, its level, the flows it applies to,
// what it needs from the target, the reference flaw that must make it fail,
// and a plain-Go body that drives a token endpoint and returns a verdict.
// It imports no Ginkgo, so cases can be proved without one-RunSpecs-per-process.
//
// A negative case is one mutation of the flow's valid request, in the
// style of the OpenID conformance suite: build the valid assertion
// (session.spec), apply one mutation (a fixtures mutation by name, a claims
// edit, a signing or serialization change, or an HTTP request change), mint,
// send, and judge against a want (the error codes that PASS, the tolerated
// alternates that WARN). Execute sends the unmutated twin first (the paired
// control: if it is not issued, the case is an ERROR), judges the case's
// own subject (no token for a refusal, a token for a valid request), and
// checks the invariants every answer must meet (4xx never 5xx, an RFC 6749
// error body with a registered code and a clean description,
// application/json, cache headers on tokens, bounded time, the endpoint
// still answering): a broken invariant is a finding (findings.go), reported
// once per run, and a WARN on the case unless the case is about it.
//
// Severity: Level is the keyword of the quoted clause (MUST FAILs; SHOULD,
// MAY and BCP WARN) or POLICY, a rule no RFC keyword imposes that FAILs only
// when the target declares it (Case.Policy; INFO otherwise). levels_test.go
// keeps quotes and levels honest.
//
// Adding a case: pick the flaw of reference/flaw.go that must make it fail,
// name its fixtures mutation (add one to fixtures/mutation.go if needed:
// no case rewrites a mutation inline), write it with negM/pos(named(...))
// (or a small body), run "go test ./suites/catalog" (TestKillMatrix runs
// it against the clean reference and every flaw) and update the golden
// file with
// "go test ./suites/catalog -run TestGolden -update".
package catalog

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// Level decides severity, once per case: the RFC 2119 keyword of the
// quoted clause, or POLICY for a rule no RFC keyword imposes.
type Level string

const (
	// MUST: the quote holds MUST, MUST NOT, REQUIRED or SHALL (or, for a
	// positive case, marks what it omits OPTIONAL). A failure is a FAIL.
	MUST Level = "MUST"
	// SHOULD: the quote holds SHOULD or RECOMMENDED. A failure is a WARN,
	// a FAIL when the target declares the case's Policy.
	SHOULD Level = "SHOULD"
	// MAY: the quote holds MAY. A failure is a WARN, a FAIL when the
	// target declares the case's Policy.
	MAY Level = "MAY"
	// BCP: a MUST or SHOULD of a Best Current Practice (RFC 8725) that no
	// RFC 7523 rule repeats. A failure is a WARN.
	BCP Level = "BCP"
	// POLICY: the rule is the server's declared choice (Case.Policy names
	// the target-file key). A failure is a FAIL when the target declares
	// the policy, an INFO (the observation, never gating) otherwise.
	POLICY Level = "POLICY"
)

// Levels lists every level, in report order.
var Levels = []Level{MUST, SHOULD, MAY, BCP, POLICY}

// Known reports whether l is one of Levels.
func (l Level) Known() bool {
	for _, x := range Levels {
		if x == l {
			return true
		}
	}
	return false
}

// Gates reports whether a broken rule of this level FAILs without a
// declared policy: MUST only.
func (l Level) Gates() bool { return l == MUST }

// Case is one conformance case.
type Case struct {
	ID     string          // stable, lower-case slug: "aud-wrong"
	Title  string          // one line
	Family string          // aud, time, replay, signature, header, encoding, request, response, ...
	Flows  []fixtures.Flow // flows it applies to
	Clause Clause          // the normative source
	Level  Level           // MUST, SHOULD, MAY, BCP, POLICY
	// Policy is the target-file declaration that makes the case gate
	// (required for POLICY cases; for SHOULD/MAY cases it escalates a WARN
	// to a FAIL). A declaration that rules the case out (max_lifetime:
	// none, jti_required: false) SKIPs it.
	Policy PolicyKey
	// About lists the finding IDs that are the case's own subject: a breach
	// of one of them FAILs the case instead of making it a WARN (the flaw's
	// findings are added, see flawAbout).
	About    []string
	Profiles []target.Profile // empty: every profile
	Needs    []Capability     // what the target must offer, else SKIP
	Flaw     flaws.Flaw       // the reference flaw that must make this case fail
	Mutation string           // fixtures mutation name when one mutated assertion makes the case (load --mix)
	Serial   bool             // must not run beside other cases (replay races, clock control)
	Negative bool             // the endpoint must refuse: Execute insists on a passing paired control
	// CleanSkip says why a run of this case may SKIP or ERROR against the
	// clean reference server (the kill matrix fails any other such run).
	CleanSkip string
	Run       func(ctx context.Context, env *Env, flow fixtures.Flow) reports.Verdict
}

// Env is everything a case body needs to drive one endpoint.
type Env struct {
	Target *target.Target
	Client *driver.Client
	Minter *fixtures.Minter
	// Clock is the endpoint's own clock, shared with Minter.Now, when the
	// endpoint is the in-process reference server; nil otherwise.
	Clock *ManualClock
	// Log receives transcripts as they happen (GinkgoWriter under Ginkgo).
	Log io.Writer
}

// ManualClock is a settable clock. Now starts at the wall clock and moves
// with it, offset by whatever Set or Advance asked for.
type ManualClock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen *time.Time
}

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen != nil {
		return *c.frozen
	}
	return time.Now().Add(c.offset)
}

// Freeze stops the clock at t until Release.
func (c *ManualClock) Freeze(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = &t
}

// Release lets the clock run again from the wall clock plus its offset.
func (c *ManualClock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen = nil
}

// Advance moves the clock by d.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen != nil {
		t := c.frozen.Add(d)
		c.frozen = &t
		return
	}
	c.offset += d
}
