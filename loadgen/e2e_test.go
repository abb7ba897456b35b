package loadgen

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

// TestEndToEnd runs a short, bounded load (300 requests, ES256, a mix with
// one mutation) against the in-process reference server and checks what
// the run file says.
func TestEndToEnd(t *testing.T) {
	emb, err := StartEmbedded(fixtures.FlowJWTBearer, jose.ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	mix := []MixEntry{{Name: ClassValid, Weight: 9}, {Name: "sig-wrong-key", Mutation: "sig-wrong-key", Weight: 1}}
	sc, err := NewScenario(emb.Target, fixtures.FlowJWTBearer, jose.ES256, mix)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(emb.Target.TokenEndpoint)
	th, _ := ParseThreshold("error_rate<1%")
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	run, err := Execute(ctx, Config{
		Plan:        Plan{Model: ModelOpen, Rate: 300, Requests: 300, Duration: Duration(3 * time.Second), Mix: mix, Target: u.String()},
		Endpoint:    &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 5 * time.Second},
		Scenario:    sc,
		CeilingTime: 100 * time.Millisecond,
		Thresholds:  []Threshold{th},
		Out:         &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := run.Summary
	if !s.Complete || s.All.Counters.Sent != 300 {
		t.Fatalf("complete=%v sent=%d", s.Complete, s.All.Counters.Sent)
	}
	var valid, bad *ClassSummary
	for i := range s.Classes {
		switch s.Classes[i].Class {
		case ClassValid:
			valid = &s.Classes[i]
		case "sig-wrong-key":
			bad = &s.Classes[i]
		}
	}
	if valid == nil || bad == nil {
		t.Fatalf("classes: %+v", s.Classes)
	}
	if valid.Counters.Issued != 270 || bad.Counters.Rejected != 30 || bad.Counters.ErrorCodes["invalid_grant"] != 30 {
		t.Errorf("valid %+v\nbad %+v", valid.Counters, bad.Counters)
	}
	if s.All.Response.P99 <= 0 || s.All.Response.P99 < s.All.Service.P50 {
		t.Errorf("latencies: %+v", s.All)
	}
	if run.Header.Ceiling == nil || run.Header.Ceiling.PerCore <= 0 {
		t.Errorf("no ceiling")
	}
	if len(s.Thresholds) != 1 || !s.Thresholds[0].Pass {
		t.Errorf("threshold: %+v", s.Thresholds)
	}
	if s.Pool == nil || s.Pool.Used != 301-1 && s.Pool.Used != 300 {
		t.Errorf("pool: %+v", s.Pool)
	}
	back, err := ReadRun(&out)
	if err != nil {
		t.Fatal(err)
	}
	re, err := Summarize(&back.Header, back.Intervals, s.Elapsed.D())
	if err != nil {
		t.Fatal(err)
	}
	if re.All.Counters.Sent != 300 || re.All.Response != s.All.Response {
		t.Errorf("intervals do not add up to the summary: %+v vs %+v", re.All.Response, s.All.Response)
	}
	if bytes.Contains(out.Bytes(), []byte("eyJ")) {
		t.Error("run file holds a token")
	}
}

// TestLoadEveryFlowAndProfile: load builds its valid request with validreq,
// so a tiny bounded run, open and closed, gets tokens from the reference
// server in both profiles (rfc7523bis: client assertions name the issuer)
// and all three flows.
func TestLoadEveryFlowAndProfile(t *testing.T) {
	for _, profile := range []target.Profile{target.ProfileRFC7523, target.ProfileRFC7523bis} {
		for _, flow := range fixtures.Flows {
			emb, err := StartEmbeddedProfile(flow, "", 2048, profile)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := NewScenario(emb.Target, flow, "", []MixEntry{{Name: ClassValid, Weight: 1}})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(emb.Target.TokenEndpoint)
			for _, plan := range []Plan{
				{Model: ModelOpen, Rate: 200, Requests: 20},
				{Model: ModelClosed, Concurrency: 2, Requests: 20},
			} {
				plan.Duration, plan.Mix, plan.Target = Duration(5*time.Second), sc.Mix, u.String()
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				run, err := Execute(ctx, Config{Plan: plan, Scenario: sc,
					Endpoint: &Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Header: sc.Header(), Timeout: 5 * time.Second}})
				cancel()
				if err != nil {
					t.Errorf("%s %s %s: %v", profile, flow, plan.Model, err)
					continue
				}
				if c := run.Summary.All.Counters; c.Issued != 20 || len(run.Summary.Invalid) > 0 {
					t.Errorf("%s %s %s: %+v %v", profile, flow, plan.Model, c, run.Summary.Invalid)
				}
			}
			emb.Close()
		}
	}
}
