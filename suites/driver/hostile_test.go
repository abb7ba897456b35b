package driver

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/hostile"
)

// TestHostileModes sends one token request to each hostile mode and checks
// what the exchange says: the kind of failure, the status, and that "cannot
// reach" is said only of an endpoint that accepted no connection.
func TestHostileModes(t *testing.T) {
	tests := []struct {
		mode      hostile.Mode
		kind      Kind // "" when a complete answer is expected
		status    int
		issued    bool
		truncated bool
		reason    string // in Err
	}{
		{mode: hostile.NeverAnswers, kind: KindTimeout, reason: "connected, but no answer within 300ms"},
		{mode: hostile.DripBody, kind: KindStalled, status: 200, reason: "the body did not complete within 300ms"},
		{mode: hostile.EndlessBody, status: 200, truncated: true},
		{mode: hostile.HugeHeader, status: 400},
		{mode: hostile.RedirectLoop, status: 307},
		{mode: hostile.AcceptAll, status: 200, issued: true},
		{mode: hostile.ServerError, status: 500},
		{mode: hostile.Garbage, kind: KindNotHTTP, reason: "answered with something that is not HTTP"},
		{mode: hostile.CloseAtOnce, kind: KindClosed, reason: "connected, but the endpoint "},
		{mode: hostile.InvalidJSON, status: 200},
		{mode: hostile.NotAToken, status: 200},
		{mode: hostile.HeadersThenStall, kind: KindStalled, status: 200, reason: "the endpoint stopped answering after the headers"},
		{mode: hostile.TLSOnly, kind: KindTLSMismatch, reason: "TLS/plain HTTP mismatch: the endpoint speaks TLS, use https://"},
		{mode: hostile.PlainOnly, kind: KindTLSMismatch, reason: "TLS/plain HTTP mismatch: the endpoint speaks plain HTTP, use http://"},
	}
	for _, tc := range tests {
		t.Run(string(tc.mode), func(t *testing.T) {
			before := runtime.NumGoroutine()
			srv, err := hostile.Start(tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			c, err := NewClient(Options{Endpoint: srv.URL, Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			ex := c.Do(context.Background(), &Request{Params: Form("grant_type", GrantTypeJWTBearer, "assertion", testJWT)})
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("Do took %v with a 300ms timeout", d)
			}
			if got := KindOf(ex.Err); got != tc.kind {
				t.Errorf("kind %q (%v), want %q", got, ex.Err, tc.kind)
			}
			if ex.Status != tc.status || ex.Issued() != tc.issued || ex.Truncated != tc.truncated {
				t.Errorf("status %d issued %v truncated %v, want %d %v %v", ex.Status, ex.Issued(), ex.Truncated, tc.status, tc.issued, tc.truncated)
			}
			if tc.reason != "" && (ex.Err == nil || !strings.Contains(ex.Err.Error(), tc.reason)) {
				t.Errorf("error %v lacks %q", ex.Err, tc.reason)
			}
			if tc.kind != "" {
				if msg := NoAnswer(srv.URL, ex.Err); strings.Contains(msg, "cannot reach") {
					t.Errorf("%q: the endpoint accepted the connection", msg)
				}
			}
			tr := ex.Transcript()
			if len(tr) > 32<<10 {
				t.Errorf("transcript is %d bytes", len(tr))
			}
			c.hc.CloseIdleConnections()
			srv.Close()
			if err := hostile.SettleGoroutines(before, 2*time.Second); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestUnreachableIsCannotReach(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/token"
	ln.Close()
	c, _ := NewClient(Options{Endpoint: url, Timeout: time.Second})
	err = c.Ping(context.Background())
	if KindOf(err) != KindUnreachable || err.Error() != "cannot reach token endpoint "+url+": connection refused" {
		t.Fatalf("Ping() = %v (kind %q)", err, KindOf(err))
	}
}

func TestPingFailsOnAStalledBody(t *testing.T) {
	srv, err := hostile.Start(hostile.HeadersThenStall)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _ := NewClient(Options{Endpoint: srv.URL, Timeout: 200 * time.Millisecond})
	err = c.Ping(context.Background())
	want := "token endpoint " + srv.URL + ": connected, but the endpoint stopped answering after the headers"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Ping() = %v, want %q", err, want)
	}
}

func TestTranscriptCapsAHugeHeader(t *testing.T) {
	srv, err := hostile.Start(hostile.HugeHeader)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _ := NewClient(Options{Endpoint: srv.URL, Timeout: 2 * time.Second})
	ex := c.Do(context.Background(), &Request{Params: Form("grant_type", GrantTypeJWTBearer)})
	if len(ex.Header.Get("X-Huge")) != hostile.HugeHeaderSize {
		t.Fatalf("header of %d bytes (%v)", len(ex.Header.Get("X-Huge")), ex.Err)
	}
	tr := ex.Transcript()
	if len(tr) > 8<<10 {
		t.Errorf("transcript is %d bytes", len(tr))
	}
	if want := "[header: 4096 of 2097152 bytes shown]"; !strings.Contains(tr, want) {
		t.Errorf("transcript lacks %q:\n%.600s", want, tr)
	}
	if !strings.Contains(tr, "invalid_grant") {
		t.Error("transcript lost the body")
	}
}

// TestLimits: consecutive timeouts trip the client, which then sends
// nothing and fails at once; an answer resets the count; the deadline
// trips it too.
func TestLimits(t *testing.T) {
	srv, err := hostile.Start(hostile.HeadersThenStall)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, _ := NewClient(Options{Endpoint: srv.URL, Timeout: 100 * time.Millisecond})
	c.SetLimits(Limits{MaxConsecutiveTimeouts: 3})
	req := &Request{Params: Form("grant_type", GrantTypeJWTBearer)}
	for i := 0; i < 3; i++ {
		if c.Stopped() != nil {
			t.Fatalf("stopped after %d timeouts", i)
		}
		if ex := c.Do(context.Background(), req); KindOf(ex.Err) != KindStalled {
			t.Fatalf("request %d: %v", i, ex.Err)
		}
	}
	st := c.Stopped()
	if st == nil || !strings.HasPrefix(st.Error(), "the endpoint stopped answering after the headers (3 requests in a row") {
		t.Fatalf("Stopped() = %v", st)
	}
	sent := srv.Requests()
	start := time.Now()
	ex := c.Do(context.Background(), req)
	if KindOf(ex.Err) != KindStopped || time.Since(start) > 50*time.Millisecond || srv.Requests() != sent {
		t.Errorf("after the trip: %v in %v, %d requests sent", ex.Err, time.Since(start), srv.Requests()-sent)
	}
	var se *StoppedError
	if !errors.As(ex.Err, &se) {
		t.Errorf("%v does not unwrap to the StoppedError", ex.Err)
	}

	// A complete answer between timeouts resets the run.
	ok, _ := hostile.Start(hostile.AcceptAll)
	defer ok.Close()
	c.SetLimits(Limits{MaxConsecutiveTimeouts: 2})
	c.Do(context.Background(), req)
	c.Do(context.Background(), &Request{URL: ok.URL, Params: req.Params})
	c.Do(context.Background(), req)
	if c.Stopped() != nil {
		t.Errorf("tripped although an answer came between the timeouts: %v", c.Stopped())
	}

	var none *Client // the suite's fake environments have no client
	if none.Stopped() != nil {
		t.Error("a nil client is stopped")
	}

	c.SetLimits(Limits{Deadline: time.Now().Add(-time.Second)})
	if ex := c.Do(context.Background(), req); KindOf(ex.Err) != KindStopped || !strings.Contains(ex.Err.Error(), "deadline") {
		t.Errorf("past the deadline: %v", ex.Err)
	}
}
