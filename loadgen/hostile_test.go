package loadgen

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/hostile"
)

// TestLoadAgainstHostileServers runs a tiny bounded load against every
// hostile mode, the server answering the pre-flight properly first where
// the mode allows it, and checks that the verdict is honest: the pre-flight
// refuses what never gives a token, and a run whose answers are not tokens
// counts them as the named error and is not a valid measurement. Every run
// ends within its bound and holds its memory.
func TestLoadAgainstHostileServers(t *testing.T) {
	emb, err := StartEmbedded(fixtures.FlowPrivateKeyJWT, jose.ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	emb.Close() // only its keys and target description are used
	tests := []struct {
		mode      hostile.Mode
		preflight bool                    // the pre-flight must refuse it
		count     func(c *Counters) int64 // the counter the run's answers land in
		valid     bool                    // the run is a valid measurement
		mix       []MixEntry
	}{
		{mode: hostile.NeverAnswers, preflight: true},
		{mode: hostile.CloseAtOnce, preflight: true},
		{mode: hostile.TLSOnly, preflight: true},
		{mode: hostile.PlainOnly, preflight: true},
		{mode: hostile.DripBody, count: func(c *Counters) int64 { return c.Timeouts }},
		{mode: hostile.HeadersThenStall, count: func(c *Counters) int64 { return c.Timeouts }},
		{mode: hostile.EndlessBody, count: func(c *Counters) int64 { return c.Oversize }},
		{mode: hostile.HugeHeader, count: func(c *Counters) int64 { return c.Oversize }},
		{mode: hostile.RedirectLoop, count: func(c *Counters) int64 { return c.OtherStatus }},
		{mode: hostile.ServerError, count: func(c *Counters) int64 { return c.ServerError }},
		{mode: hostile.Garbage, count: func(c *Counters) int64 { return c.Unparseable + c.ConnErrors }},
		{mode: hostile.InvalidJSON, count: func(c *Counters) int64 { return c.NotToken }},
		{mode: hostile.NotAToken, count: func(c *Counters) int64 { return c.NotToken }},
		{mode: hostile.AcceptAll, count: func(c *Counters) int64 { return c.Issued }, valid: true},
		{mode: hostile.AcceptAll, count: func(c *Counters) int64 { return c.Issued },
			mix: []MixEntry{{Name: ClassValid, Weight: 1}, {Name: "sig-wrong-key", Mutation: "sig-wrong-key", Weight: 1}}},
	}
	for _, tc := range tests {
		name := string(tc.mode)
		if tc.mix != nil {
			name += "+mutations"
		}
		t.Run(name, func(t *testing.T) {
			srv, err := hostile.StartWith(tc.mode, hostile.Options{AnswerFirst: 1, DripInterval: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			mix := tc.mix
			if mix == nil {
				mix = []MixEntry{{Name: ClassValid, Weight: 1}}
			}
			sc, err := NewScenario(emb.Target, fixtures.FlowPrivateKeyJWT, jose.ES256, mix)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(srv.URL)
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			run, err := Execute(ctx, Config{
				Plan:     Plan{Model: ModelClosed, Concurrency: 2, Requests: 10, Duration: Duration(2 * time.Second), Mix: mix, Target: srv.URL},
				Endpoint: &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 400 * time.Millisecond},
				Scenario: sc, Premint: 16,
			})
			wall := time.Since(t0)
			runtime.ReadMemStats(&m1)
			if wall > 2*time.Second+2*time.Second { // bound + drain + pre-flight and minting slack
				t.Errorf("took %s", wall)
			}
			if grew := int64(m1.TotalAlloc - m0.TotalAlloc); grew > 256<<20 {
				t.Errorf("allocated %d MiB", grew>>20)
			}
			var pe *PreflightError
			if tc.preflight {
				if !errors.As(err, &pe) || pe.Why == "" {
					t.Fatalf("pre-flight accepted it: %v", err)
				}
				if (tc.mode == hostile.TLSOnly || tc.mode == hostile.PlainOnly) && !strings.Contains(pe.Error(), "TLS/plain HTTP mismatch") {
					t.Errorf("the mismatch is not named: %v", pe)
				}
				return
			}
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			c := &run.Summary.All.Counters
			if got := tc.count(c); got != c.Sent || c.Sent == 0 {
				t.Errorf("%d of %d requests in the expected counter: %+v", got, c.Sent, *c)
			}
			if tc.mode != hostile.AcceptAll && c.Issued != 0 {
				t.Errorf("%d counted issued", c.Issued)
			}
			if valid := len(run.Summary.Invalid) == 0; valid != tc.valid {
				t.Errorf("valid measurement %v, want %v: %v", valid, tc.valid, run.Summary.Invalid)
			}
		})
	}
}
