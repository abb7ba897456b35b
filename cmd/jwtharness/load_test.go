package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// scriptedServer answers the first request (the pre-flight) with a token
// and every later one as then says: "500", "token" (accept everything),
// "not-a-token" (200 with invalid JSON).
func scriptedServer(t *testing.T, then string) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := n.Add(1) == 1
		w.Header().Set("Content-Type", "application/json")
		switch {
		case first || then == "token":
			w.Write([]byte(`{"access_token":"x","token_type":"Bearer","expires_in":60}`))
		case then == "500":
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":"server_error"}`))
		case then == "not-a-token":
			w.Write([]byte(`{"access_token":`))
		}
	}))
	t.Cleanup(srv.Close)
	return writeTarget(t, srv.URL+"/token")
}

// TestLoadRunThatMeasuredNothingFails: a run whose answers are errors, or
// that got tokens for assertions that must be refused, is not a valid
// measurement (exit 1) unless the check is explicitly turned off.
func TestLoadRunThatMeasuredNothingFails(t *testing.T) {
	tiny := func(tgt string, extra ...string) []string {
		return append([]string{"load", "--quiet", "--ceiling", "0", "--target", tgt, "--concurrency", "2", "--requests", "30"}, extra...)
	}
	tests := []struct {
		name   string
		server string
		args   []string
		want   int
	}{
		{"500 after the pre-flight", "500", nil, ExitGateFailed},
		{"500, ceiling off but no success", "500", []string{"--max-error-rate", "off"}, ExitGateFailed},
		{"500, every check off", "500", []string{"--max-error-rate", "off", "--allow-no-success"}, ExitOK},
		{"2xx not a token after the pre-flight", "not-a-token", nil, ExitGateFailed},
		{"accept-all, mutations in the mix", "token", []string{"--mix", "valid=50,sig-wrong-key=50"}, ExitGateFailed},
		{"accept-all, issued mutations allowed, error ceiling off", "token", []string{"--mix", "valid=50,sig-wrong-key=50", "--allow-issued-mutations", "--max-error-rate", "off"}, ExitOK},
		{"accept-all, valid only", "token", nil, ExitOK},
		{"accept-all, net/http client", "token", []string{"--client", "net"}, ExitOK},
		{"500 after the pre-flight, net/http client", "500", []string{"--client", "net"}, ExitGateFailed},
		{"2xx not a token, net/http client", "not-a-token", []string{"--client", "net"}, ExitGateFailed},
		{"bad --max-error-rate", "token", []string{"--max-error-rate", "lots"}, ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := tiny(scriptedServer(t, tc.server), tc.args...)
			if got := run(args); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", args, got, tc.want)
			}
		})
	}
}

// runErr runs the command as run does and returns its exit code and
// error message (stdout and stderr discarded).
func runErr(args []string) (int, string) {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	err := root.Execute()
	if err == nil {
		return ExitOK, ""
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, err.Error()
	}
	return ExitUsage, err.Error()
}

// TestLoadRefusesNonsenseNumbers: every numeric flag that makes no sense is
// exit 2 naming the flag, never silently replaced; a rate above the cap and
// more connections than file descriptors are refused with advice.
func TestLoadRefusesNonsenseNumbers(t *testing.T) {
	base := []string{"load", "--quiet", "--ceiling", "0", "--concurrency", "2", "--requests", "10"}
	open := []string{"load", "--quiet", "--ceiling", "0", "--rate", "100", "--requests", "10"}
	tests := []struct {
		args []string
		want string
	}{
		{append(base[:len(base):len(base)], "--timeout", "0"), "--timeout"},
		{append(open[:len(open):len(open)], "--max-inflight", "0"), "--max-inflight"},
		{append(base[:len(base):len(base)], "--interval", "0"), "--interval"},
		{append(base[:len(base):len(base)], "--pool", "-1"), "--pool"},
		{append(base[:len(base):len(base)], "--premint", "-1"), "--premint"},
		{append(base[:len(base):len(base)], "--late-after", "-1s"), "--late-after"},
		{append(base[:len(base):len(base)], "--drop-after", "0s"), "--drop-after"},
		{append(base[:len(base):len(base)], "--warmup", "-1s"), "--warmup"},
		{append(base[:len(base):len(base)], "--ceiling", "-1s"), "--ceiling"},
		{append(base[:len(base):len(base)], "--key-size", "0"), "--key-size"},
		{[]string{"load", "--quiet", "--concurrency", "-3", "--requests", "10"}, "--concurrency"},
		{[]string{"load", "--quiet", "--concurrency", "2", "--requests", "-10"}, "--requests"},
		{[]string{"load", "--quiet", "--rate", "1e9", "--duration", "1s"}, "--max-rate"},
		{[]string{"load", "--quiet", "--rate", "NaN", "--duration", "1s"}, "--rate"},
		{[]string{"load", "--quiet", "--rate", "100", "--duration", "1s", "--max-rate", "0"}, "--max-rate"},
		{[]string{"load", "--quiet", "--ceiling", "0", "--concurrency", "100000", "--requests", "10"}, "ulimit -n"},
		{[]string{"load", "--quiet", "--ceiling", "0", "--rate", "10", "--max-inflight", "100000", "--requests", "10"}, "lower --max-inflight"},
	}
	for _, tc := range tests {
		code, msg := runErr(tc.args)
		if code != ExitUsage || !strings.Contains(msg, tc.want) {
			t.Errorf("%q: exit %d %q, want exit 2 naming %q", tc.args, code, msg, tc.want)
		}
	}
}
