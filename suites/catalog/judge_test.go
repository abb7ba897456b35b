package catalog

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

func exchange(status int, code string, hdr http.Header, authz bool) *driver.Exchange {
	ex := &driver.Exchange{Status: status, Header: http.Header{}, MediaType: "application/json", Format: driver.FormatJSON,
		Fields: map[string]string{}, Request: &driver.Request{Header: http.Header{}}}
	if code != "" {
		ex.Fields["error"] = code
	}
	for k, v := range hdr {
		ex.Header[k] = v
	}
	if authz {
		ex.Request.Header.Set("Authorization", "Basic eDp5")
	}
	return ex
}

// TestJudgeRejected pins the grading of refusals: the case's own subject
// (no token) decides PASS or FAIL; a response invariant broken along the
// way is a finding and a WARN, or a FAIL when the case is about it.
func TestJudgeRejected(t *testing.T) {
	www := http.Header{"Www-Authenticate": {`Basic realm="token"`}}
	textPlain := exchange(400, "invalid_grant", nil, false)
	textPlain.MediaType = "text/plain"
	crlf := exchange(400, "invalid_grant", nil, false)
	crlf.Fields["error_description"] = "bad \"quote\"\r\n"
	issued := exchange(200, "", nil, false)
	issued.Fields["access_token"] = "t"
	for _, tc := range []struct {
		name      string
		flow      fixtures.Flow
		ex        *driver.Exchange
		w         func(fixtures.Flow) want
		about     []string
		outcome   reports.Outcome
		finding   string
		invariant bool
	}{
		{"grant invalid_grant 400", fixtures.FlowJWTBearer, exchange(400, "invalid_grant", nil, false), flowErr, nil, reports.Pass, "", false},
		{"issued", fixtures.FlowJWTBearer, issued, flowErr, nil, reports.Fail, "", false},
		{"grant invalid_request", fixtures.FlowJWTBearer, exchange(400, "invalid_request", nil, false), flowErr, nil, reports.Warn, FindCodeGrant, false},
		{"grant invalid_request, case about the code", fixtures.FlowJWTBearer, exchange(400, "invalid_request", nil, false), flowErr, []string{errorCodeFamily}, reports.Fail, FindCodeGrant, true},
		{"grant malformed invalid_request tolerated", fixtures.FlowJWTBearer, exchange(400, "invalid_request", nil, false), malformedErr, nil, reports.Warn, FindCodeTolerated, false},
		{"client invalid_client 401", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", nil, false), flowErr, nil, reports.Pass, "", false},
		{"client invalid_client 400", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_client", nil, false), flowErr, nil, reports.Pass, "", false},
		{"client invalid_request tolerated", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_request", nil, false), flowErr, nil, reports.Warn, FindCodeTolerated, false},
		{"client strict invalid_request", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_request", nil, false), strictFlowErr, nil, reports.Warn, FindCodeClient, false},
		{"403 with the right code", fixtures.FlowJWTBearer, exchange(403, "invalid_grant", nil, false), flowErr, nil, reports.Warn, FindErrorStatusNot400, false},
		{"200 error body", fixtures.FlowJWTBearer, exchange(200, "invalid_grant", nil, false), flowErr, nil, reports.Warn, FindErrorStatus, false},
		{"200 error body, case about it", fixtures.FlowJWTBearer, exchange(200, "invalid_grant", nil, false), flowErr, []string{FindErrorStatus}, reports.Fail, FindErrorStatus, true},
		{"500", fixtures.FlowJWTBearer, exchange(500, "server_error", nil, false), flowErr, nil, reports.Warn, FindServerError, false},
		{"500, case about it", fixtures.FlowJWTBearer, exchange(500, "server_error", nil, false), flowErr, []string{FindServerError}, reports.Fail, FindServerError, true},
		{"no error member", fixtures.FlowJWTBearer, exchange(400, "", nil, false), flowErr, nil, reports.Warn, FindErrorBody, false},
		{"unregistered code", fixtures.FlowJWTBearer, exchange(400, "jti_known", nil, false), flowErr, nil, reports.Warn, FindErrorCodeUnknown, false},
		{"401 after Basic without WWW-Authenticate", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", nil, true), flowErr, nil, reports.Warn, FindWWWAuthenticate, false},
		{"401 after Basic without WWW-Authenticate, about it", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", nil, true), flowErr, []string{FindWWWAuthenticate}, reports.Fail, FindWWWAuthenticate, true},
		{"401 after Basic with WWW-Authenticate", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", www, true), flowErr, nil, reports.Pass, "", false},
		{"405 allowed", fixtures.FlowJWTBearer, exchange(405, "", nil, false), func(fixtures.Flow) want { return badRequest(405) }, nil, reports.Pass, "", false},
		{"text/plain error body", fixtures.FlowJWTBearer, textPlain, flowErr, nil, reports.Warn, FindErrorContentType, false},
		{"CR LF in error_description", fixtures.FlowJWTBearer, crlf, flowErr, nil, reports.Warn, FindErrorDescCharset, false},
		{"CR LF in error_description, about it", fixtures.FlowJWTBearer, crlf, flowErr, []string{FindErrorDescCharset}, reports.Fail, FindErrorDescCharset, true},
	} {
		s := &session{c: &Case{About: tc.about}}
		v := s.judgeRejected(tc.ex, tc.w(tc.flow))
		if v.Outcome != tc.outcome || s.invariant != tc.invariant {
			t.Errorf("%s: got %s (invariant %v), want %s (invariant %v): %s", tc.name, v.Outcome, s.invariant, tc.outcome, tc.invariant, v.Reason)
		}
		if got := strings.Join(s.findings, ","); got != tc.finding {
			t.Errorf("%s: findings %q, want %q", tc.name, got, tc.finding)
		}
	}
}

// TestLevelGrading: a broken SHOULD is a WARN, a broken invariant stays FAIL.
func TestLevelGrading(t *testing.T) {
	mk := func(level Level, invariant bool) Case {
		return Case{ID: "x", Flows: []fixtures.Flow{fixtures.FlowJWTBearer}, Level: level,
			Run: body(func(s *session) reports.Verdict {
				s.invariant = invariant
				return fail("e", "a", "r")
			})}
	}
	for _, tc := range []struct {
		level     Level
		invariant bool
		want      reports.Outcome
	}{
		{MUST, false, reports.Fail}, {BCP, false, reports.Warn}, {SHOULD, false, reports.Warn}, {MAY, false, reports.Warn}, {SHOULD, true, reports.Fail},
	} {
		c := mk(tc.level, tc.invariant)
		s := &session{ctx: context.Background(), c: &c, flow: fixtures.FlowJWTBearer}
		out := grade(c, s, c.Run(context.WithValue(context.Background(), sessionKey{}, s), nil, fixtures.FlowJWTBearer))
		if out.Outcome != tc.want {
			t.Errorf("%s invariant=%v: got %s, want %s", tc.level, tc.invariant, out.Outcome, tc.want)
		}
	}
}
