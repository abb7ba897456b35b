package catalog

import (
	"context"
	"net/http"
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

// TestJudgeRejected pins the WARN/FAIL grading of refusals (case-catalog §6).
func TestJudgeRejected(t *testing.T) {
	www := http.Header{"Www-Authenticate": {`Basic realm="token"`}}
	for _, tc := range []struct {
		name      string
		flow      fixtures.Flow
		ex        *driver.Exchange
		w         func(fixtures.Flow) want
		outcome   reports.Outcome
		invariant bool
	}{
		{"grant invalid_grant 400", fixtures.FlowJWTBearer, exchange(400, "invalid_grant", nil, false), flowErr, reports.Pass, false},
		{"grant invalid_request", fixtures.FlowJWTBearer, exchange(400, "invalid_request", nil, false), flowErr, reports.Fail, false},
		{"grant malformed invalid_request tolerated", fixtures.FlowJWTBearer, exchange(400, "invalid_request", nil, false), malformedErr, reports.Warn, false},
		{"client invalid_client 401", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", nil, false), flowErr, reports.Pass, false},
		{"client invalid_client 400", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_client", nil, false), flowErr, reports.Pass, false},
		{"client invalid_request tolerated", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_request", nil, false), flowErr, reports.Warn, false},
		{"client strict invalid_request", fixtures.FlowPrivateKeyJWT, exchange(400, "invalid_request", nil, false), strictFlowErr, reports.Fail, false},
		{"403 with the right code", fixtures.FlowJWTBearer, exchange(403, "invalid_grant", nil, false), flowErr, reports.Warn, false},
		{"401 invalid_grant", fixtures.FlowJWTBearer, exchange(401, "invalid_grant", nil, false), flowErr, reports.Warn, false},
		{"200 error body", fixtures.FlowJWTBearer, exchange(200, "invalid_grant", nil, false), flowErr, reports.Fail, true},
		{"500", fixtures.FlowJWTBearer, exchange(500, "server_error", nil, false), flowErr, reports.Fail, true},
		{"no error member", fixtures.FlowJWTBearer, exchange(400, "", nil, false), flowErr, reports.Fail, true},
		{"unregistered code", fixtures.FlowJWTBearer, exchange(400, "jti_known", nil, false), flowErr, reports.Fail, true},
		{"401 after Basic without WWW-Authenticate", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", nil, true), flowErr, reports.Fail, true},
		{"401 after Basic with WWW-Authenticate", fixtures.FlowPrivateKeyJWT, exchange(401, "invalid_client", www, true), flowErr, reports.Pass, false},
		{"405 allowed", fixtures.FlowJWTBearer, exchange(405, "", nil, false), func(fixtures.Flow) want { return badRequest(405) }, reports.Pass, false},
	} {
		s := &session{}
		v := s.judgeRejected(tc.ex, tc.w(tc.flow))
		if v.Outcome != tc.outcome || s.invariant != tc.invariant {
			t.Errorf("%s: got %s (invariant %v), want %s (invariant %v): %s", tc.name, v.Outcome, s.invariant, tc.outcome, tc.invariant, v.Reason)
		}
	}

	ex := exchange(400, "invalid_grant", nil, false)
	ex.MediaType = "text/plain"
	s := &session{}
	if v := s.judgeRejected(ex, flowErr(fixtures.FlowJWTBearer)); v.Outcome != reports.Fail || !s.invariant {
		t.Errorf("text/plain error body: got %s", v.Outcome)
	}
	ex = exchange(400, "invalid_grant", nil, false)
	ex.Fields["error_description"] = "bad \"quote\"\r\n"
	s = &session{}
	if v := s.judgeRejected(ex, flowErr(fixtures.FlowJWTBearer)); v.Outcome != reports.Fail || !s.invariant {
		t.Errorf("CR LF in error_description: got %s", v.Outcome)
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
		{MUST, false, reports.Fail}, {BCP, false, reports.Fail}, {SHOULD, false, reports.Warn}, {MAY, false, reports.Warn}, {SHOULD, true, reports.Fail},
	} {
		c := mk(tc.level, tc.invariant)
		s := &session{ctx: context.Background(), c: &c, flow: fixtures.FlowJWTBearer}
		out := grade(c, s, c.Run(context.WithValue(context.Background(), sessionKey{}, s), nil, fixtures.FlowJWTBearer))
		if out.Outcome != tc.want {
			t.Errorf("%s invariant=%v: got %s, want %s", tc.level, tc.invariant, out.Outcome, tc.want)
		}
	}
}
