package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenModelCountsLateAndMeasuresFromIntended: an endpoint that can
// serve 4 connections × 20 req/s = 80 req/s, asked for 200 req/s. The
// schedule must not slow down: requests are late, some dropped, and the
// response time (from the intended send time) must exceed the service
// time, which is what coordinated omission would hide.
func TestOpenModelCountsLateAndMeasuresFromIntended(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		time.Sleep(50 * time.Millisecond)
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	plan := Plan{Model: ModelOpen, Rate: 200, Duration: Duration(time.Second), MaxInflight: 4, Raw: true, Method: "GET",
		DropAfter: Duration(300 * time.Millisecond), Target: srv.URL}
	plan.Defaults()
	rec := NewRecorder(plan.Mix, 2)
	a := &Attacker{Plan: &plan, Endpoint: &Endpoint{URL: u, Method: "GET", Timeout: 5 * time.Second}, Recorder: rec}
	res, err := a.Run(context.Background())
	if err != nil || !res.Complete {
		t.Fatalf("run: %v complete=%v", err, res.Complete)
	}
	tot := rec.Totals()[0]
	c := tot.Counters
	if c.Scheduled != 200 {
		t.Errorf("scheduled %d, want all 200 slots of the schedule", c.Scheduled)
	}
	if c.Late == 0 || c.Dropped == 0 || c.Sent+c.Dropped != c.Scheduled {
		t.Errorf("late %d dropped %d sent %d scheduled %d", c.Late, c.Dropped, c.Sent, c.Scheduled)
	}
	if c.Sent > 110 {
		t.Errorf("sent %d: more than 4 connections can carry in ~1.05 s", c.Sent)
	}
	resp, svc := tot.Response.ValueAtQuantile(90), tot.Service.ValueAtQuantile(90)
	if resp < 2*svc {
		t.Errorf("p90 response %dµs vs service %dµs: the wait behind schedule is not in the response time", resp, svc)
	}
	if svc < 50_000 || svc > 150_000 {
		t.Errorf("service p90 %dµs, want about 50ms", svc)
	}
}

// TestClosedModelRequestsBound: exactly Requests measured requests.
func TestClosedModelRequestsBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	plan := Plan{Model: ModelClosed, Concurrency: 8, Requests: 500, Raw: true, Method: "GET", Target: srv.URL}
	plan.Defaults()
	rec := NewRecorder(plan.Mix, 2)
	a := &Attacker{Plan: &plan, Endpoint: &Endpoint{URL: u, Method: "GET", Timeout: 5 * time.Second}, Recorder: rec}
	if _, err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := rec.Totals()[0].Counters
	if c.Sent != 500 || c.Rejected != 500 || c.ErrorCodes["invalid_grant"] != 500 || c.Unexpected != 500 {
		t.Errorf("%+v", c)
	}
}

// TestPacerCostDoesNotGrowWithRate: a rate far beyond what any endpoint or
// generator can do (1e9/s for 1 s) ends in about its duration; the missed
// slots are counted dropped, every slot of the schedule is accounted for.
func TestPacerCostDoesNotGrowWithRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`ok`))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	plan := Plan{Model: ModelOpen, Rate: 1e9, Duration: Duration(time.Second), MaxInflight: 4, Raw: true, Method: "GET",
		DropAfter: Duration(100 * time.Millisecond), Timeout: Duration(time.Second), Target: srv.URL}
	plan.Defaults()
	rec := NewRecorder(plan.Mix, 2)
	a := &Attacker{Plan: &plan, Endpoint: &Endpoint{URL: u, Method: "GET", Timeout: time.Second}, Recorder: rec}
	t0 := time.Now()
	res, err := a.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > 3*time.Second {
		t.Errorf("a 1 s run at 1e9/s took %s", el)
	}
	c := rec.Totals()[0].Counters
	if c.Scheduled != 1e9 || c.Sent+c.Dropped != c.Scheduled || c.Dropped < 9e8 {
		t.Errorf("scheduled %d (want 1e9), sent %d, dropped %d", c.Scheduled, c.Sent, c.Dropped)
	}
	if !res.Complete {
		t.Error("run not complete")
	}
}

// TestRunEndsAtDurationPlusDrain: against an endpoint that never answers, a
// run bounded by 500 ms with a 300 ms timeout ends within about 800 ms, in
// both models.
func TestRunEndsAtDurationPlusDrain(t *testing.T) {
	u := startRaw(t, "", "stall")
	for _, plan := range []Plan{
		{Model: ModelOpen, Rate: 2000, MaxInflight: 8},
		{Model: ModelClosed, Concurrency: 8},
	} {
		plan.Duration, plan.Timeout, plan.Raw, plan.Method, plan.Target = Duration(500*time.Millisecond), Duration(300*time.Millisecond), true, "GET", u.String()
		plan.Defaults()
		rec := NewRecorder(plan.Mix, 2)
		a := &Attacker{Plan: &plan, Endpoint: &Endpoint{URL: u, Method: "GET", Timeout: 300 * time.Millisecond}, Recorder: rec}
		t0 := time.Now()
		if _, err := a.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(t0); el > 1500*time.Millisecond {
			t.Errorf("%s model: 500 ms + 300 ms drain took %s", plan.Model, el)
		}
		if c := rec.Totals()[0].Counters; c.Timeouts == 0 || c.Issued != 0 {
			t.Errorf("%s model: %+v", plan.Model, c)
		}
	}
}
