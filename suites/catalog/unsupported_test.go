package catalog_test

import (
	"context"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// TestUnsupportedFlow: a flow declared unsupported is one verdict. A clean
// refusal (an unknown client for client_secret_jwt) PASSes; a flow the
// endpoint does offer, declared unsupported, is issued a token: FAIL. Every
// catalog case of that flow SKIPs, naming the collapsed verdict.
func TestUnsupportedFlow(t *testing.T) {
	env, stop, err := suites.StartReference(context.Background(), suites.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	flow := fixtures.FlowClientSecretJWT
	declare := func(cred *fixtures.Credential) *catalog.Env {
		tg := *env.Target
		tg.Flows = map[fixtures.Flow]*target.FlowConfig{}
		for f, fc := range env.Target.Flows {
			tg.Flows[f] = fc
		}
		tg.Flows[flow] = &target.FlowConfig{Credential: cred, Unsupported: true}
		e := *env
		e.Target = &tg
		return &e
	}
	probe := &fixtures.Credential{ClientID: "not-registered", Alg: jose.HS256, Secret: []byte("0123456789abcdef0123456789abcdef")}
	v := catalog.Execute(context.Background(), declare(probe), catalog.Unsupported(), flow)
	if v.Outcome != reports.Pass {
		t.Errorf("clean refusal: %s (%s; %s)", v.Outcome, v.Actual, v.Reason)
	}
	v = catalog.Execute(context.Background(), declare(env.Target.Flows[flow].Credential), catalog.Unsupported(), flow)
	if v.Outcome != reports.Fail {
		t.Errorf("issued token on a flow declared unsupported: %s (%s)", v.Outcome, v.Actual)
	}
	c, _ := catalog.Lookup("aud-wrong")
	if v := catalog.Execute(context.Background(), declare(probe), c, flow); v.Outcome != reports.Skip {
		t.Errorf("catalog case on an unsupported flow: %s", v.Outcome)
	}
	if v := catalog.Execute(context.Background(), env, catalog.Unsupported(), flow); v.Outcome != reports.Skip {
		t.Errorf("unsupported check on an offered flow: %s", v.Outcome)
	}
}
