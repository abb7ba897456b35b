package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// undeclared is env with a target that declares no policy: no leeway,
// lifetime cap, formats, typing, limits, audiences, iat or jti rules.
func undeclared(env *catalog.Env) *catalog.Env {
	tg := *env.Target
	tg.Policy = target.Policy{}
	tg.LeewayDeclared, tg.MaxLifetimeDeclared = false, false
	tg.Formats = []string{target.FormatJSON}
	tg.Flows = map[fixtures.Flow]*target.FlowConfig{}
	for f, fc := range env.Target.Flows {
		c := *fc
		c.IATRequired, c.JTIRequired, c.MaxLifetime = nil, nil, nil
		tg.Flows[f] = &c
	}
	e := *env
	e.Target = &tg
	return &e
}

// TestUndeclaredPolicyNeverFails runs every case that is not a MUST (nor
// a policy the target file declares by its flows and clients)
// against the reference server with the case's flaw, described by a target
// that declares no policy: none may FAIL (a POLICY case reports INFO, a
// SHOULD/MAY/BCP case WARN), unless a MUST finding the case is about was
// broken. Against the clean server every case must still PASS or SKIP.
func TestUndeclaredPolicyNeverFails(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the non-MUST cases against flawed servers")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	reg := proofRegistry(t, set)
	clean := undeclared(startProofServer(t, reg, target.ProfileRFC7523))
	byFlaw := map[reference.Flaw][]catalog.Case{}
	for _, c := range catalog.All() {
		if len(c.Profiles) == 0 || c.Profiles[0] == target.ProfileRFC7523 {
			byFlaw[c.Flaw] = append(byFlaw[c.Flaw], c)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	infos := 0
	for flaw, cases := range byFlaw {
		var flawed *catalog.Env
		for _, c := range cases {
			for _, flow := range c.Flows {
				if v := catalog.Execute(ctx, clean, c, flow); v.Outcome != reports.Pass && v.Outcome != reports.Skip {
					t.Errorf("%s against the clean reference with an undeclared policy: %s (%s)", v.Key, v.Outcome, v.Reason)
				}
				if c.Level == catalog.MUST || c.Policy == catalog.PolicyFlows {
					continue
				}
				if flawed == nil {
					flawed = undeclared(startProofServer(t, reg, target.ProfileRFC7523, flaw))
				}
				v := catalog.Execute(ctx, flawed, c, flow)
				if v.Outcome == reports.Fail {
					t.Errorf("%s [%s] FAILs against flaw %s although the target declares no policy: %s", v.Key, c.Level, flaw, v.Reason)
				}
				if v.Outcome == reports.Info {
					infos++
				}
			}
		}
	}
	if infos == 0 {
		t.Error("no POLICY case reported INFO against its flaw with an undeclared policy")
	}
}

// TestFormatsDoNotGateRequestShape: a target that declares its response
// formats (the gateway-rs256 preset does) but not strict_requests gets an
// INFO, never a FAIL, from the request-shape cases against a server that
// takes a GET, query parameters, a repeated parameter or a JSON body; with
// strict_requests: true the same runs FAIL.
func TestFormatsDoNotGateRequestShape(t *testing.T) {
	if testing.Short() {
		t.Skip("starts flawed reference servers")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	reg := proofRegistry(t, set)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		id   string
		flaw reference.Flaw
	}{
		{"req-method-get", reference.FlawGETAccepted},
		{"req-params-in-query", reference.FlawQueryParamsAccepted},
		{"req-grant-type-repeated", reference.FlawRepeatedParamsOK},
		{"req-content-type-json", reference.FlawNonFormAccepted},
	} {
		t.Run(tc.id, func(t *testing.T) {
			c, ok := catalog.Lookup(tc.id)
			if !ok {
				t.Fatalf("no case %s", tc.id)
			}
			if c.Policy != catalog.PolicyStrictRequests {
				t.Fatalf("%s keyed to %q, want %q", tc.id, c.Policy, catalog.PolicyStrictRequests)
			}
			env := startProofServer(t, reg, target.ProfileRFC7523, tc.flaw)
			formatsOnly := undeclared(env)
			formatsOnly.Target.Policy.FormatsDeclared = true
			formatsOnly.Target.Formats = []string{target.FormatJSON, target.FormatURLEncoded, target.FormatXML}
			if v := catalog.Execute(ctx, formatsOnly, c, fixtures.FlowJWTBearer); v.Outcome != reports.Info {
				t.Errorf("formats declared, strict_requests not: %s %s (%s), want INFO", v.Key, v.Outcome, v.Reason)
			}
			strict := true
			formatsOnly.Target.Policy.StrictRequests = &strict
			if v := catalog.Execute(ctx, formatsOnly, c, fixtures.FlowJWTBearer); v.Outcome != reports.Fail {
				t.Errorf("strict_requests: true: %s %s (%s), want FAIL", v.Key, v.Outcome, v.Reason)
			}
		})
	}
}
