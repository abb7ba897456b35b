package catalog

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// slowAnswer is the response time above which a refusal is reported as a
// WARN (the driver's own timeout bounds the worst case as an error).
const slowAnswer = 5 * time.Second

// session is one execution of one case against one flow: the exchanges it
// made (for the transcript), whether the paired control ran, and whether an
// invariant (as opposed to the case's own rule) was broken.
type session struct {
	ctx  context.Context
	env  *Env
	flow fixtures.Flow
	c    *Case

	mu         sync.Mutex
	exchanges  []labeled
	controlled bool
	invariant  bool   // a failure that is FAIL whatever the case's level
	jku        string // URL of the harness's loopback key set (hdr-jku, hdr-x5u)
	findings   []string
	details    map[string]string // finding ID -> what was seen, the first time
	// subjectPassed: the case's own subject held and only findings made
	// the verdict a WARN.
	subjectPassed bool
	// declared names a declared policy the case's request breaks (set by
	// a body, e.g. an algorithm outside policy.algorithms): a FAIL then
	// stands whatever the case's level.
	declared string
}

// observe records that the run saw finding id, and what was seen.
func (s *session) observe(id, detail string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.findings {
		if f == id {
			return
		}
	}
	s.findings = append(s.findings, id)
	if s.details == nil {
		s.details = map[string]string{}
	}
	s.details[id] = detail
}

type labeled struct {
	label string
	ex    *driver.Exchange
}

type sessionKey struct{}

// sessionFrom returns the session Execute put in ctx, or a fresh one when a
// case body is called directly.
func sessionFrom(ctx context.Context, env *Env, flow fixtures.Flow) *session {
	if s, ok := ctx.Value(sessionKey{}).(*session); ok && s.env == env && s.flow == flow {
		return s
	}
	return &session{ctx: ctx, env: env, flow: flow, c: &Case{}}
}

// RunFunc is the signature of a case body.
type RunFunc = func(ctx context.Context, env *Env, flow fixtures.Flow) reports.Verdict

// body adapts a session-based body to a RunFunc.
func body(f func(s *session) reports.Verdict) RunFunc {
	return func(ctx context.Context, env *Env, flow fixtures.Flow) reports.Verdict {
		return f(sessionFrom(ctx, env, flow))
	}
}

// Execute runs case c for flow against env and returns its verdict. It
// SKIPs when the case does not apply (with the reason), runs the body with
// a paired control and the negative-case invariants, turns panics into
// ERROR, grades a broken SHOULD/MAY rule as WARN, and fills the metadata,
// duration, redacted transcript and a reproduction command.
func Execute(ctx context.Context, env *Env, c Case, flow fixtures.Flow) (v reports.Verdict) {
	start := time.Now()
	v = reports.Verdict{
		Case:      c.ID,
		Key:       c.ID + "@" + flow.Short(),
		Title:     c.Title,
		Family:    c.Family,
		Flow:      string(flow),
		Level:     string(c.Level),
		Clause:    c.Clause.ID(),
		ClauseURL: c.Clause.URL(),
		Repro:     Repro(env, c, flow),
	}
	if reason, ok := c.Applicable(env, flow); !ok {
		v.Outcome = reports.Skip
		v.Reason = reason
		return v
	}
	s := &session{ctx: ctx, env: env, flow: flow, c: &c}
	ctx = context.WithValue(ctx, sessionKey{}, s)
	s.ctx = ctx
	defer func() {
		if r := recover(); r != nil {
			v.Outcome = reports.Error
			v.Reason = fmt.Sprintf("case panicked: %v\n%s", r, debug.Stack())
		}
		if env.Clock != nil && c.Needs != nil && hasNeed(c, CapClockControl) {
			env.Clock.Release()
		}
		v.Duration = time.Since(start)
		v.Transcript = s.transcript()
		s.mu.Lock()
		v.Findings = append([]string(nil), s.findings...)
		if len(s.details) > 0 {
			v.FindingDetails = map[string]string{}
			for k, d := range s.details {
				v.FindingDetails[k] = d
			}
		}
		v.FindingsOnly = v.Outcome == reports.Warn && s.subjectPassed
		s.mu.Unlock()
	}()
	if c.Run == nil {
		v.Outcome = reports.Error
		v.Reason = "case has no body"
		return v
	}
	out := grade(c, s, c.Run(ctx, env, flow))
	if out.Outcome == reports.Pass {
		// A finding seen on an exchange the body did not report (an
		// intermediate refusal) still makes the run a findings-only WARN.
		s.mu.Lock()
		seen := append([]string(nil), s.findings...)
		s.mu.Unlock()
		if len(seen) > 0 {
			out.Outcome = reports.Warn
			out.Reason = strings.TrimSpace(out.Reason + " (passed on its own subject; findings seen along the way: " + strings.Join(seen, ", ") + ")")
			s.subjectPassed = true
		}
	}
	v.Outcome, v.Expected, v.Actual, v.Reason = out.Outcome, out.Expected, out.Actual, out.Reason
	return v
}

// grade turns a body's verdict into the case's: no outcome or a negative
// case without its paired control is an ERROR. A FAIL stands for a MUST
// case, and for any case whose policy the target declares; otherwise a
// broken SHOULD, MAY or BCP rule is a WARN and an undeclared POLICY rule an
// INFO (what was observed, never gating) — unless a MUST invariant the case
// is about was broken.
func grade(c Case, s *session, out reports.Verdict) reports.Verdict {
	switch {
	case out.Outcome == "":
		out.Outcome = reports.Error
		out.Reason = "case body returned no outcome"
	case c.Negative && out.Outcome != reports.Error && out.Outcome != reports.Skip && !s.controlled:
		out.Outcome = reports.Error
		out.Reason = "negative case judged without a paired control (harness bug)"
	case out.Outcome == reports.Fail && !s.invariant:
		st := policyState{}
		if c.Policy != "" {
			st = policyOf(s.env.Target, s.flow, c.Policy)
		}
		switch {
		case s.declared != "":
			out.Reason = strings.TrimSpace(fmt.Sprintf("breaks the declared policy (%s). %s", s.declared, out.Reason))
		case st.declared && !st.holds:
			out.Outcome = reports.Info
			out.Reason = fmt.Sprintf("observed, not gating: %s; the target declares %s, which allows it", observed(out), st.what)
		case c.Level == MUST:
		case st.holds:
			out.Reason = strings.TrimSpace(fmt.Sprintf("breaks the declared policy (%s). %s", st.what, out.Reason))
		case c.Level == POLICY:
			out.Outcome = reports.Info
			out.Reason = fmt.Sprintf("observed, not gating: %s; the target declares %s, so the rule %q is not its policy", observed(out), st.what, c.Policy)
		default:
			out.Outcome = reports.Warn
			out.Reason = fmt.Sprintf("%s not followed (WARN, not FAIL): %s", c.Level, observed(out))
		}
	}
	return out
}

// observed is what the endpoint did, for a verdict that is not a FAIL:
// the answer, and the body's reason when it adds to it.
func observed(v reports.Verdict) string {
	switch {
	case v.Actual == "":
		return v.Reason
	case v.Reason == "" || strings.Contains(v.Reason, "must refuse") || strings.Contains(v.Reason, "refused a valid request"):
		return v.Actual
	}
	return v.Actual + " (" + v.Reason + ")"
}

func hasNeed(c Case, n Capability) bool {
	for _, x := range c.Needs {
		if x == n {
			return true
		}
	}
	return false
}

// Repro is the one-line command that reruns a case: against the target
// file it came from, or (no file: the embedded reference server) without
// --target.
func Repro(env *Env, c Case, flow fixtures.Flow) string {
	if env != nil && env.Target != nil && env.Target.Source != "" {
		return fmt.Sprintf("jwtharness token --target %s --flow %s --case %s", env.Target.Source, flow, c.ID)
	}
	return fmt.Sprintf("jwtharness token --flow %s --case %s", flow, c.ID)
}

// ---- session helpers -------------------------------------------------------

func (s *session) target() *target.Target { return s.env.Target }

// cred is the flow's primary credential.
func (s *session) cred() *fixtures.Credential {
	if fc := s.env.Target.Flows[s.flow]; fc != nil {
		return fc.Credential
	}
	return nil
}

// clientID is the identity the flow's assertions are issued by.
func (s *session) clientID() string {
	if c := s.cred(); c != nil {
		return c.ClientID
	}
	return ""
}

// aud is the audience a valid assertion of this flow carries, by profile
// (fixtures/validreq holds the rule).
func (s *session) aud() string { return validreq.Audience(s.env.Target, s.flow, "") }

// tokenURL is the token endpoint URL.
func (s *session) tokenURL() string { return fmt.Sprint(s.env.Target.TokenEndpoint) }

// spec is the valid assertion of this flow (fixtures/validreq: aud by
// profile, exp within the flow's declared lifetime cap).
func (s *session) spec() fixtures.Spec {
	return validreq.Spec(s.env.Target, s.flow, "", s.cred())
}

// specFor is a valid assertion of this flow signed by another credential.
func (s *session) specFor(cred *fixtures.Credential) fixtures.Spec {
	sp := s.spec()
	sp.Cred = cred
	return sp
}

func (s *session) mint(sp fixtures.Spec) (string, error) {
	if sp.Cred == nil {
		return "", fmt.Errorf("no credential for flow %s", s.flow)
	}
	return s.env.Minter.Mint(sp)
}

// request is the flow's valid request around assertion (fixtures/validreq
// through the driver: the form, the client_id of the assertion's client,
// the grant's client authentication). A grant client assertion is minted
// with the session's Minter, on the endpoint's clock.
func (s *session) request(assertion string) *driver.Request {
	r := driver.FlowRequest(s.env.Target, s.flow, assertion)
	ca := s.env.Target.GrantClientAuth()
	if s.flow.ClientAuth() || ca == nil || (ca.Method != target.AuthPrivateKeyJWT && ca.Method != target.AuthClientSecretJWT) {
		return r
	}
	vr, err := validreq.Build(s.env.Target, s.flow, "")
	if err != nil {
		return r
	}
	x, err := vr.Fill(s.env.Minter, assertion)
	if err != nil {
		return r
	}
	out := &driver.Request{Secrets: x.Secrets}
	if len(x.Header) > 0 {
		out.Header = x.Header
	}
	for _, p := range x.Params {
		out.Params = append(out.Params, driver.Param{Name: p.Name, Value: p.Value})
	}
	return out
}

// assertionParam is the form parameter carrying the assertion.
func (s *session) assertionParam() string {
	if s.flow.ClientAuth() {
		return "client_assertion"
	}
	return "assertion"
}

// send sends req, records the exchange under label and logs its transcript.
func (s *session) send(label string, req *driver.Request) *driver.Exchange {
	ex := s.env.Client.Do(s.ctx, req)
	s.record(label, ex)
	return ex
}

func (s *session) record(label string, ex *driver.Exchange) {
	s.mu.Lock()
	s.exchanges = append(s.exchanges, labeled{label, ex})
	s.mu.Unlock()
	if s.env.Log != nil {
		fmt.Fprintf(s.env.Log, "--- %s %s@%s\n%s\n", label, s.c.ID, s.flow.Short(), clip(ex.Transcript()))
	}
}

func (s *session) transcript() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for i, l := range s.exchanges {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %d. %s\n%s", i+1, l.label, clip(l.ex.Transcript()))
	}
	return b.String()
}

// validRequest mints a fresh valid assertion and wraps it in the flow's request.
func (s *session) validRequest() (*driver.Request, error) {
	tok, err := s.mint(s.spec())
	if err != nil {
		return nil, err
	}
	return s.request(tok), nil
}

// control sends the valid twin of a negative case (fresh jti) and reports
// whether it was issued; when not, the returned verdict is the ERROR.
func (s *session) control(req *driver.Request) (*driver.Exchange, *reports.Verdict) {
	ex := s.send("control (the same request without the mutation; must be issued)", req)
	if !ex.Issued() {
		v := errorf("control request failed: %s; a misconfigured run must not pass negative cases (check the target file, keys and registry)", describe(ex))
		return ex, &v
	}
	s.controlled = true
	return ex, nil
}

// health checks that the endpoint still issues a token to a fresh valid
// request after the case; it returns a FAIL verdict when it does not.
func (s *session) health() *reports.Verdict {
	req, err := s.validRequest()
	if err != nil {
		v := errorf("could not mint the follow-up valid assertion: %v", err)
		return &v
	}
	ex := s.send("follow-up valid request (the endpoint must still answer)", req)
	if !ex.Issued() {
		s.observe(FindStoppedAnswering, describe(ex))
		v := warn("a valid request after the case is issued a token", describe(ex),
			"the endpoint stopped answering valid requests after this case [finding "+FindStoppedAnswering+"]")
		return &v
	}
	return nil
}

// ---- verdict constructors --------------------------------------------------

func pass(expected, actual string) reports.Verdict {
	return reports.Verdict{Outcome: reports.Pass, Expected: expected, Actual: actual}
}

func fail(expected, actual, reason string) reports.Verdict {
	return reports.Verdict{Outcome: reports.Fail, Expected: expected, Actual: actual, Reason: reason}
}

func warn(expected, actual, reason string) reports.Verdict {
	return reports.Verdict{Outcome: reports.Warn, Expected: expected, Actual: actual, Reason: reason}
}

func errorf(format string, args ...any) reports.Verdict {
	return reports.Verdict{Outcome: reports.Error, Reason: fmt.Sprintf(format, args...)}
}

func skipf(format string, args ...any) reports.Verdict {
	return reports.Verdict{Outcome: reports.Skip, Reason: fmt.Sprintf(format, args...)}
}

// describe summarizes an exchange for Actual: status, error code,
// description, or the transport error.
func describe(ex *driver.Exchange) string {
	if ex == nil {
		return "no exchange"
	}
	if ex.Err != nil {
		return "no HTTP answer: " + ex.Err.Error()
	}
	parts := []string{fmt.Sprintf("HTTP %d", ex.Status)}
	if ex.Issued() {
		parts = append(parts, "access_token issued")
	}
	if c := ex.ErrorCode(); c != "" {
		parts = append(parts, "error="+c)
	}
	if d := ex.ErrorDescription(); d != "" {
		if len(d) > 160 {
			d = d[:160] + "..."
		}
		parts = append(parts, fmt.Sprintf("error_description=%q", d))
	}
	if ex.Status != 0 && ex.ErrorCode() == "" && !ex.Issued() {
		body := string(ex.Body)
		if len(body) > 120 {
			body = body[:120] + "..."
		}
		parts = append(parts, fmt.Sprintf("body=%q", body))
	}
	return strings.Join(parts, ", ")
}

// maxExchangeTranscript bounds one exchange in a verdict's transcript
// (oversize and deep-nesting cases send hundreds of kilobytes).
const maxExchangeTranscript = 8 << 10

// clip keeps the head and tail of a long transcript.
func clip(t string) string {
	if len(t) <= maxExchangeTranscript {
		return t
	}
	head, tail := t[:maxExchangeTranscript*3/4], t[len(t)-maxExchangeTranscript/4:]
	return fmt.Sprintf("%s\n[... %d bytes of the exchange omitted ...]\n%s", head, len(t)-len(head)-len(tail), tail)
}
