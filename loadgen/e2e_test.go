package loadgen

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
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
