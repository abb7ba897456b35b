package catalog_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// TestMisconfiguredRunPassesNothing points every negative case at an
// endpoint whose audience the target file gets wrong: the paired control
// fails, so no negative case may PASS (each is ERROR, or SKIP).
func TestMisconfiguredRunPassesNothing(t *testing.T) {
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	env := startProofServer(t, proofRegistry(t, set), target.ProfileRFC7523)
	env.Target.Audience = "https://not-this-server.example/token"
	ctx := context.Background()
	n := 0
	for _, c := range catalog.All() {
		if !c.Negative {
			continue
		}
		for _, flow := range c.Flows {
			if c.Flaw == "" {
				continue
			}
			v := catalog.Execute(ctx, env, c, flow)
			switch v.Outcome {
			case reports.Error:
				n++
				if !strings.Contains(v.Reason, "control request failed") {
					t.Errorf("%s: ERROR without the control's reason: %s", v.Key, v.Reason)
				}
			case reports.Skip:
			default:
				// Cases whose mutation replaces the audience are not built
				// from the (wrong) target audience; they must still not PASS
				// without a control.
				t.Errorf("%s: %s with a failing control (want ERROR): %s", v.Key, v.Outcome, v.Reason)
			}
		}
	}
	if n == 0 {
		t.Fatal("no negative case ran")
	}
}

// TestExecuteMechanics: SKIP with a reason, panics as ERROR, metadata.
func TestExecuteMechanics(t *testing.T) {
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	env := startProofServer(t, proofRegistry(t, set), target.ProfileRFC7523)
	ctx := context.Background()

	boom := catalog.Case{ID: "boom", Title: "panics", Family: "test", Flows: []fixtures.Flow{fixtures.FlowJWTBearer},
		Level: catalog.MUST, Clause: catalog.Clause{Doc: "RFC7523", Section: "3", Quote: "q"},
		Run: func(context.Context, *catalog.Env, fixtures.Flow) reports.Verdict { panic("kaboom") }}
	v := catalog.Execute(ctx, env, boom, fixtures.FlowJWTBearer)
	if v.Outcome != reports.Error || !strings.Contains(v.Reason, "kaboom") {
		t.Errorf("panic: got %s %q, want ERROR", v.Outcome, v.Reason)
	}
	if v.Key != "boom@grant" || v.Clause != "RFC7523-3" || v.ClauseURL == "" || !strings.Contains(v.Repro, "--case boom") {
		t.Errorf("metadata: %+v", v)
	}

	v = catalog.Execute(ctx, env, boom, fixtures.FlowPrivateKeyJWT)
	if v.Outcome != reports.Skip || v.Reason == "" {
		t.Errorf("flow not in case: got %s %q, want SKIP with a reason", v.Outcome, v.Reason)
	}

	c, ok := catalog.Lookup("time-exp-equals-now")
	if !ok {
		t.Fatal("time-exp-equals-now missing")
	}
	noClock := *env
	noClock.Clock = nil
	v = catalog.Execute(ctx, &noClock, c, fixtures.FlowJWTBearer)
	if v.Outcome != reports.Skip || !strings.Contains(v.Reason, "clock") {
		t.Errorf("no clock: got %s %q, want SKIP naming the clock", v.Outcome, v.Reason)
	}

	noFlow := *env
	tg := *env.Target
	tg.Flows = map[fixtures.Flow]*target.FlowConfig{fixtures.FlowJWTBearer: env.Target.Flows[fixtures.FlowJWTBearer]}
	noFlow.Target = &tg
	c, _ = catalog.Lookup("aud-wrong")
	v = catalog.Execute(ctx, &noFlow, c, fixtures.FlowClientSecretJWT)
	if v.Outcome != reports.Skip || !strings.Contains(v.Reason, "does not offer") {
		t.Errorf("flow not offered: got %s %q", v.Outcome, v.Reason)
	}
	v = catalog.Execute(ctx, &noFlow, c, fixtures.FlowJWTBearer)
	if v.Outcome != reports.Pass || v.Transcript == "" || v.Duration <= 0 {
		t.Errorf("aud-wrong@grant: got %s %q, transcript %d bytes", v.Outcome, v.Reason, len(v.Transcript))
	}
	if strings.Contains(v.Transcript, `"access_token":"ey`) {
		t.Error("transcript leaks an access token")
	}
}
