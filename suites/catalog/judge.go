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

// judgeRejected checks a negative answer: the invariants (an HTTP answer,
// no token, 4xx, an RFC 6749 error body with a registered code and a clean
// description, JSON, bounded time) and then the expected error code.
func (s *session) judgeRejected(ex *driver.Exchange, w want) reports.Verdict {
	exp := w.String()
	act := describe(ex)
	inv := func(reason string) reports.Verdict {
		s.invariant = true
		return fail(exp, act, reason)
	}
	switch {
	case ex.Err != nil:
		return inv("no HTTP answer to a refused request (the endpoint must answer with an error, within the timeout)")
	case ex.Issued() || ex.Field("access_token") != "":
		return fail(exp, act, "the endpoint issued an access token for a request it must refuse")
	case ex.Status >= 200 && ex.Status < 300:
		return inv(fmt.Sprintf("HTTP %d for a refused request: RFC 6749 §5.2 errors are HTTP 400 (401 for invalid_client)", ex.Status))
	case ex.Status >= 500:
		return inv(fmt.Sprintf("HTTP %d: a bad request from the client must be answered with a 4xx error, never a server error", ex.Status))
	case ex.Status < 400:
		return inv(fmt.Sprintf("HTTP %d for a refused request: expected a 4xx error", ex.Status))
	}
	if containsInt(w.statuses, ex.Status) {
		return pass(exp, act)
	}
	code := ex.ErrorCode()
	if code == "" {
		return inv("the refusal has no RFC 6749 §5.2 error body (a JSON object with an error member)")
	}
	if !registeredErrors[code] {
		return inv(fmt.Sprintf("error=%q is not a registered OAuth error code (RFC 6749 §5.2)", code))
	}
	if d := ex.ErrorDescription(); d != "" && !descCharsetOK(d) {
		return inv("error_description has characters outside %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2)")
	}
	if mt := ex.MediaType; ex.Format == driver.FormatJSON || ex.Format == "" {
		if mt != "application/json" {
			return inv(fmt.Sprintf("error body labelled %q: RFC 6749 §5.2 uses application/json", mt))
		}
	}
	var v reports.Verdict
	switch {
	case contains(w.codes, code):
		v = pass(exp, act)
	case contains(w.warn, code):
		v = warn(exp, act, fmt.Sprintf("error=%s is a tolerated alternate: %s", code, w.why))
	default:
		return fail(exp, act, fmt.Sprintf("wrong error code: expected %s, got %s", strings.Join(w.codes, " or "), code))
	}
	switch {
	case ex.Status == http.StatusBadRequest:
	case ex.Status == http.StatusUnauthorized && code == "invalid_client":
	default:
		if v.Outcome == reports.Pass {
			v = warn(exp, act, fmt.Sprintf("HTTP %d with error=%s: RFC 6749 §5.2 answers errors with 400 (401 only for invalid_client)", ex.Status, code))
		}
	}
	if ex.Status == http.StatusUnauthorized && ex.Request != nil && ex.Request.Header.Get("Authorization") != "" &&
		ex.Header.Get("WWW-Authenticate") == "" {
		return inv("HTTP 401 after the client authenticated with the Authorization header, without WWW-Authenticate (RFC 6749 §5.2 MUST)")
	}
	if ex.Duration > slowAnswer && v.Outcome == reports.Pass {
		v = warn(exp, act, fmt.Sprintf("the refusal took %s (over %s)", ex.Duration.Round(1e6), slowAnswer))
	}
	return v
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
// token_type (RFC 6749 §5.1 REQUIRED members).
func judgeIssued(ex *driver.Exchange) reports.Verdict {
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
	return pass(exp, act)
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
