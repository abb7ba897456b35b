package catalog

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// The RFC 6749 §5.2 error codes (and the IANA-registered extensions a token
// endpoint may return).
var registeredErrors = map[string]bool{
	"invalid_request":         true,
	"invalid_client":          true,
	"invalid_grant":           true,
	"unauthorized_client":     true,
	"unsupported_grant_type":  true,
	"invalid_scope":           true,
	"invalid_target":          true, // RFC 8707
	"invalid_dpop_proof":      true, // RFC 9449
	"use_dpop_nonce":          true, // RFC 9449
	"temporarily_unavailable": true,
	"server_error":            true,
}

// want is what a refusal must look like.
type want struct {
	codes    []string // error codes that PASS
	warn     []string // tolerated alternates: WARN (case-catalog §6)
	why      string   // the reason the tolerated alternate is only a WARN
	statuses []int    // further statuses accepted with any body (405, 413, 415)
}

func (w want) String() string {
	s := "HTTP 400"
	if contains(w.codes, "invalid_client") {
		s = "HTTP 400 or 401"
	}
	s += " error=" + strings.Join(w.codes, " or ")
	if len(w.warn) > 0 {
		s += " (tolerated with WARN: " + strings.Join(w.warn, ", ") + ")"
	}
	if len(w.statuses) > 0 {
		st := make([]string, len(w.statuses))
		for i, x := range w.statuses {
			st[i] = fmt.Sprint(x)
		}
		s += " or HTTP " + strings.Join(st, "/")
	}
	return s + "; no access_token"
}

// flowErr is the flow's error for a bad assertion: invalid_grant for the
// grant (RFC 7521 §4.1.1), invalid_client for client authentication
// (RFC 7521 §4.2.1) with invalid_request tolerated (case-catalog §6).
func flowErr(flow fixtures.Flow) want {
	if flow.ClientAuth() {
		return want{codes: []string{"invalid_client"}, warn: []string{"invalid_request"},
			why: "RFC 7521 §4.2.1 names invalid_client for a client assertion that is invalid for any reason; invalid_request is a tolerated alternate (OIDF, node-oidc-provider)"}
	}
	return want{codes: []string{"invalid_grant"}}
}

// strictFlowErr is flowErr without tolerance.
func strictFlowErr(flow fixtures.Flow) want {
	if flow.ClientAuth() {
		return want{codes: []string{"invalid_client"}}
	}
	return want{codes: []string{"invalid_grant"}}
}

// malformedErr is the flow's error for an assertion that does not parse:
// the flow's error, invalid_request tolerated for both flows.
func malformedErr(flow fixtures.Flow) want {
	w := flowErr(flow)
	w.warn = []string{"invalid_request"}
	w.why = "RFC 7521 §4.1.1/§4.2.1 name invalid_grant/invalid_client for an assertion that is invalid for any reason; invalid_request for an unparseable one is a tolerated alternate"
	return w
}

// badRequest is invalid_request (a malformed request, RFC 6749 §5.2), with
// the further statuses a web server may use for the same refusal.
func badRequest(statuses ...int) want {
	return want{codes: []string{"invalid_request"}, statuses: statuses}
}

// judgeRejected checks a negative answer. The case's own subject comes
// first: a request that must be refused was not issued a token (an issued
// token is a FAIL). Then the response invariants every refusal must meet
// (an HTTP answer, 4xx, an RFC 6749 §5.2 error object with a registered
// code, a clean description, application/json, WWW-Authenticate after
// Basic, the expected error code, bounded time): a breach is recorded as a
// finding (reported once per run) and makes the case a WARN, unless the
// case is about that invariant (Case.About or its flaw's), when it FAILs.
func (s *session) judgeRejected(ex *driver.Exchange, w want) reports.Verdict {
	exp := w.String()
	act := describe(ex)
	var notes []string
	// breach records finding id; it returns the case's FAIL when the case
	// is about it, nil when it is only a note on the verdict.
	breach := func(id, reason string) *reports.Verdict {
		s.observe(id, reason+" — "+act)
		if s.c.about(id) {
			if d, ok := findingDefs[id]; ok && d.level == MUST {
				s.invariant = true
			}
			v := fail(exp, act, reason)
			return &v
		}
		notes = append(notes, reason+" [finding "+id+"]")
		return nil
	}
	switch {
	case ex.Err != nil:
		if v := breach(FindNoAnswer, "no HTTP answer to a refused request (the endpoint must answer with an error, within the timeout)"); v != nil {
			return *v
		}
		return s.noted(warn(exp, act, "no token was issued, but the endpoint did not answer"), notes)
	case ex.Issued() || ex.Field("access_token") != "":
		return fail(exp, act, "the endpoint issued an access token for a request it must refuse")
	case ex.Status >= 500:
		if v := breach(FindServerError, fmt.Sprintf("HTTP %d: a bad request from the client must be answered with a 4xx OAuth error, never a server error", ex.Status)); v != nil {
			return *v
		}
		return s.noted(pass(exp, act), notes)
	case ex.Status < 400:
		if v := breach(FindErrorStatus, fmt.Sprintf("HTTP %d for a refused request: RFC 6749 §5.2 errors are HTTP 400 (401 for invalid_client)", ex.Status)); v != nil {
			return *v
		}
		return s.noted(pass(exp, act), notes)
	}
	if containsInt(w.statuses, ex.Status) {
		return s.noted(pass(exp, act), notes)
	}
	code := ex.ErrorCode()
	tolerated := ""
	switch {
	case code == "":
		if v := breach(FindErrorBody, "the refusal has no RFC 6749 §5.2 error body (a JSON object with an error member)"); v != nil {
			return *v
		}
	case !registeredErrors[code]:
		if v := breach(FindErrorCodeUnknown, fmt.Sprintf("error=%q is not a registered OAuth error code (RFC 6749 §5.2)", code)); v != nil {
			return *v
		}
	case contains(w.codes, code):
	case contains(w.warn, code):
		s.observe(FindCodeTolerated, fmt.Sprintf("error=%s where %s is named — %s", code, strings.Join(w.codes, " or "), act))
		tolerated = fmt.Sprintf("error=%s is a tolerated alternate: %s [finding %s]", code, w.why, FindCodeTolerated)
	default:
		if v := breach(codeFinding(w), fmt.Sprintf("wrong error code: expected %s, got %s", strings.Join(w.codes, " or "), code)); v != nil {
			return *v
		}
	}
	if d := ex.ErrorDescription(); d != "" && !descCharsetOK(d) {
		if v := breach(FindErrorDescCharset, "error_description has characters outside %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2)"); v != nil {
			return *v
		}
	}
	if mt := ex.MediaType; code != "" && (ex.Format == driver.FormatJSON || ex.Format == "") && mt != "application/json" {
		if v := breach(FindErrorContentType, fmt.Sprintf("error body labelled %q: RFC 6749 §5.2 uses application/json", mt)); v != nil {
			return *v
		}
	}
	switch {
	case ex.Status == http.StatusBadRequest:
	case ex.Status == http.StatusUnauthorized && code == "invalid_client":
	case code == "":
	default:
		if v := breach(FindErrorStatusNot400, fmt.Sprintf("HTTP %d with error=%s: RFC 6749 §5.2 answers errors with 400 (401 only for invalid_client)", ex.Status, code)); v != nil {
			return *v
		}
	}
	if ex.Status == http.StatusUnauthorized && ex.Request != nil && ex.Request.Header.Get("Authorization") != "" &&
		ex.Header.Get("WWW-Authenticate") == "" {
		if v := breach(FindWWWAuthenticate, "HTTP 401 after the client authenticated with the Authorization header, without WWW-Authenticate (RFC 6749 §5.2 MUST)"); v != nil {
			return *v
		}
	}
	if ex.Duration > slowAnswer {
		if v := breach(FindSlowRefusal, fmt.Sprintf("the refusal took %s (over %s)", ex.Duration.Round(1e6), slowAnswer)); v != nil {
			return *v
		}
	}
	v := pass(exp, act)
	if tolerated != "" {
		// The case's subject held (refused); the tolerated code is itself
		// a finding.
		v = warn(exp, act, tolerated)
		s.subjectPassed = true
	}
	return s.noted(v, notes)
}

// noted turns a PASS on the case's subject into a WARN listing the
// findings seen along the way (each reported once per run).
func (s *session) noted(v reports.Verdict, notes []string) reports.Verdict {
	if len(notes) == 0 {
		return v
	}
	prefix := "refused as the case requires, but: "
	if v.Outcome == reports.Warn && v.Reason != "" {
		prefix = v.Reason + "; also: "
	}
	if v.Outcome == reports.Pass {
		s.subjectPassed = true
	}
	v.Outcome = reports.Warn
	v.Reason = prefix + strings.Join(notes, "; ")
	return v
}

// codeFinding is the finding for a wrong error code: the flow's assertion
// error when the want names one, else the request error.
func codeFinding(w want) string {
	switch {
	case contains(w.codes, "unauthorized_client") && !contains(w.codes, "unsupported_grant_type"):
		return FindCodeUnauthorized
	case contains(w.codes, "invalid_grant"):
		return FindCodeGrant
	case contains(w.codes, "invalid_client") && !contains(w.codes, "invalid_request"):
		return FindCodeClient
	}
	return FindCodeRequest
}

func descCharsetOK(d string) bool {
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c == 0x20 || c == 0x21 || (c >= 0x23 && c <= 0x5B) || (c >= 0x5D && c <= 0x7E)) {
			return false
		}
	}
	return true
}

// judgeIssued checks a positive answer: HTTP 200 with an access_token and a
// token_type (RFC 6749 §5.1 REQUIRED members). The invariants of a token
// response (Cache-Control: no-store and Pragma: no-cache, application/json)
// are findings: a WARN on the case unless it is about them.
func (s *session) judgeIssued(ex *driver.Exchange) reports.Verdict {
	const exp = "HTTP 200 with access_token and token_type (RFC 6749 §5.1)"
	act := describe(ex)
	switch {
	case ex.Err != nil:
		return fail(exp, act, "no HTTP answer")
	case !ex.Issued():
		return fail(exp, act, "the endpoint refused a valid request")
	case ex.Status != http.StatusOK:
		return fail(exp, act, fmt.Sprintf("HTTP %d: RFC 6749 §5.1 answers with 200 OK", ex.Status))
	case ex.Field("token_type") == "":
		return fail(exp, act+", no token_type", "token_type is REQUIRED in a successful response (RFC 6749 §5.1)")
	}
	var notes []string
	for _, b := range s.tokenResponseBreaches(ex) {
		s.observe(b.id, b.reason+" — "+act)
		if s.c.about(b.id) {
			return fail(exp, act, b.reason)
		}
		notes = append(notes, b.reason+" [finding "+b.id+"]")
	}
	v := pass(exp, act)
	if len(notes) > 0 {
		v = warn(exp, act, "issued as the case requires, but: "+strings.Join(notes, "; "))
		s.subjectPassed = true
	}
	return v
}

type breachNote struct{ id, reason string }

// tokenResponseBreaches lists the invariants a token response breaks.
func (s *session) tokenResponseBreaches(ex *driver.Exchange) []breachNote {
	var out []breachNote
	cc, pr := strings.ToLower(ex.Header.Get("Cache-Control")), strings.ToLower(ex.Header.Get("Pragma"))
	if !strings.Contains(cc, "no-store") || !strings.Contains(pr, "no-cache") {
		out = append(out, breachNote{FindCacheHeaders, fmt.Sprintf("Cache-Control %q, Pragma %q: a response containing tokens MUST carry no-store and no-cache (RFC 6749 §5.1)", cc, pr)})
	}
	if (ex.Format == driver.FormatJSON || ex.Format == "") && ex.MediaType != "application/json" {
		out = append(out, breachNote{FindTokenContentType, fmt.Sprintf("token response labelled %q, not application/json (RFC 6749 §5.1)", ex.MediaType)})
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
