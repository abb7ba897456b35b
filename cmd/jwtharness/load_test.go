package main

import (
	"net/http"
	"net/http/httptest"
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
