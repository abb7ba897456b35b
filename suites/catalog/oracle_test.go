package catalog_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// acceptAll answers every request with a well-formed token response.
func acceptAll(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "accept-all", "token_type": "Bearer", "expires_in": 300})
}

// refuseAll answers every request with a well-formed RFC 6749 §5.2 error:
// invalid_client (401, WWW-Authenticate) when the client authenticated,
// invalid_grant (400) otherwise.
func refuseAll(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code, status := "invalid_grant", http.StatusBadRequest
	if r.PostForm.Get("client_assertion") != "" || r.Header.Get("Authorization") != "" {
		code, status = "invalid_client", http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", `Basic realm="refuse-all"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": "refused"})
}

// mayBeAccepted are the negative cases (a paired control, refusal
// invariants) whose rule also lets the endpoint accept: a kid is only a
// hint (RFC 7515 §4.1.4), so issuing a token to a validly signed assertion
// with an odd kid is a PASS.
var mayBeAccepted = map[string]bool{"hdr-kid-unknown": true, "hdr-kid-injection": true, "hdr-kid-sqli": true}

// TestOracles runs the whole catalog, as jwtharness conform does
// (suites.Run), against two endpoints that do not check anything: one
// issues a token to every request, the other refuses every request. The
// accept-all run may PASS no negative case, the refuse-all run no positive
// case, and both must fail the conformance gate (reports.Run.Gated, which
// makes conform exit 1).
func TestOracles(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole catalog twice")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		handler  http.HandlerFunc
		positive bool // the kind of case that must never PASS
	}{
		{"accept-all", acceptAll, false},
		{"refuse-all", refuseAll, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler) // loopback
			defer srv.Close()
			env, err := suites.NewEnv(set.NewTarget(srv.URL+"/token", srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := suites.Run(suites.Config{Env: env, Timeout: 2 * time.Minute, Tool: "jwtharness"})
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Verdicts) == 0 {
				t.Fatal("no verdicts")
			}
			passes, hints := 0, 0
			for _, v := range rec.Verdicts {
				c, ok := catalog.Lookup(v.Case)
				if !ok || v.Outcome != reports.Pass {
					continue
				}
				passes++
				if c.Negative == tc.positive { // the kind that may PASS here
					continue
				}
				if tc.name == "accept-all" && mayBeAccepted[c.ID] {
					hints++
					continue
				}
				t.Errorf("%s PASSes against the %s endpoint (%s)", v.Key, tc.name, map[bool]string{true: "a positive case", false: "a negative case"}[tc.positive])
			}
			if !rec.Gated() {
				t.Errorf("the %s run does not fail the conformance gate: conform would exit 0 (summary %+v)", tc.name, rec.Summary())
			}
			t.Logf("%s: %d verdicts, %d PASS, none of them a %s case (%d kid-hint runs, which may be accepted, aside); the gate fails: %v",
				tc.name, len(rec.Verdicts), passes, map[bool]string{true: "positive", false: "negative"}[tc.positive], hints, rec.Gated())
		})
	}
}
