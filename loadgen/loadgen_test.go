package loadgen

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestIntendedTimes(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		rate float64
		i    int64
		want time.Duration
	}{
		{1000, 0, 0},
		{1000, 1, time.Millisecond},
		{1000, 1500, 1500 * time.Millisecond},
		{3, 1, 333333333},
		{3, 3, time.Second},
		{3, 3_000_000_000, 1_000_000_000 * time.Second},
		{0.5, 1, 2 * time.Second},
	}
	for _, tc := range cases {
		p := Pacer{Start: start, Rate: tc.rate}
		if got := p.At(tc.i).Sub(start); got != tc.want {
			t.Errorf("rate %v i %d: got %v, want %v", tc.rate, tc.i, got, tc.want)
		}
	}
	// Pure: the same inputs give the same time, in any order.
	p := Pacer{Start: start, Rate: 7}
	if p.At(12345) != p.At(12345) || p.At(10).After(p.At(11)) {
		t.Fatal("pacer is not a pure, monotonic function of i")
	}
	if got := p.Count(2 * time.Second); got != 14 {
		t.Errorf("Count(2s) at 7/s = %d, want 14", got)
	}
}

func TestParseMix(t *testing.T) {
	resolve := func(name string) (string, bool) {
		switch name {
		case "exp-past":
			return "exp-past", true
		case "sig-wrong-key":
			return "signature-wrong-key", true
		}
		return "", false
	}
	good := []struct {
		in   string
		want string
	}{
		{"valid=90,exp-past=5,sig-wrong-key=5", "valid=90,exp-past=5,sig-wrong-key=5"},
		{"valid", "valid=1"},
		{" valid = 3 , exp-past=1%", "valid=3,exp-past=1"},
	}
	for _, tc := range good {
		m, err := ParseMix(tc.in, resolve)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got := FormatMix(m); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
	m, _ := ParseMix("valid=90,sig-wrong-key=10", resolve)
	if m[1].Mutation != "signature-wrong-key" || !m[0].ExpectIssued() || m[1].ExpectIssued() {
		t.Errorf("resolution: %+v", m)
	}
	bad := map[string]string{
		"":                "empty",
		"valid=0":         "positive",
		"valid=x":         "positive",
		"nope=3":          "neither",
		"valid=1,valid=2": "twice",
		"valid=1,,":       "empty entry",
		"=3":              "missing class",
	}
	for in, want := range bad {
		if _, err := ParseMix(in, resolve); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want it to mention %q", in, err, want)
		}
	}
}

func TestSelectorShares(t *testing.T) {
	mix := []MixEntry{{Name: "a", Weight: 90}, {Name: "b", Weight: 5}, {Name: "c", Weight: 5}}
	s := NewSelector(mix)
	n := make([]int, 3)
	for i := int64(0); i < 2000; i++ {
		n[s.Class(i)]++
	}
	if n[0] != 1800 || n[1] != 100 || n[2] != 100 {
		t.Fatalf("counts %v, want exact 1800/100/100", n)
	}
	// Evenly spread: no run of the minority class.
	for i := int64(0); i < 20; i++ {
		if s.Class(i) == 1 && s.Class(i+1) == 1 {
			t.Fatal("minority class bunched")
		}
	}
}

func TestHistogramMergeLossless(t *testing.T) {
	a, b, want := NewHistogram(), NewHistogram(), NewHistogram()
	for i := int64(1); i <= 10000; i++ {
		v := i * 37 % 5_000_000
		if v == 0 {
			v = 1
		}
		if i%2 == 0 {
			a.RecordValue(v)
		} else {
			b.RecordValue(v)
		}
		want.RecordValue(v)
	}
	ea, _ := EncodeHistogram(a)
	eb, _ := EncodeHistogram(b)
	da, err := DecodeHistogram(ea)
	if err != nil {
		t.Fatal(err)
	}
	db, _ := DecodeHistogram(eb)
	got := NewHistogram()
	if d := got.Merge(da) + got.Merge(db); d != 0 {
		t.Fatalf("dropped %d", d)
	}
	if !got.Equals(want) {
		t.Fatal("merge of decoded halves differs from the whole")
	}
	for _, q := range []float64{50, 90, 99, 99.9, 100} {
		if got.ValueAtQuantile(q) != want.ValueAtQuantile(q) {
			t.Errorf("q%v: %d vs %d", q, got.ValueAtQuantile(q), want.ValueAtQuantile(q))
		}
	}
}

func TestParseThreshold(t *testing.T) {
	good := []struct {
		in     string
		metric string
		op     string
		value  float64
		class  string
	}{
		{"p99<50ms", "p99", "<", 50000, ""},
		{"p99.9 <= 1s", "p999", "<=", 1e6, ""},
		{"p50<800us", "p50", "<", 800, ""},
		{"max<2µs", "max", "<", 2, ""},
		{"error_rate<0.1%", "error_rate", "<", 0.001, ""},
		{"error_rate<0.01", "error_rate", "<", 0.01, ""},
		{"rate>2000", "rate", ">", 2000, ""},
		{"rate>=2000/s", "rate", ">=", 2000, ""},
		{"dropped==0", "dropped", "==", 0, ""},
		{"dropped<1%", "dropped_rate", "<", 0.01, ""},
		{"late_rate<5%", "late_rate", "<", 0.05, ""},
		{"valid.p99<20ms", "p99", "<", 20000, "valid"},
		{"verify_rate>100", "verify_rate", ">", 100, ""},
	}
	for _, tc := range good {
		th, err := ParseThreshold(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if th.Metric != tc.metric || th.Op != tc.op || math.Abs(th.Value-tc.value) > 1e-9 || th.Class != tc.class {
			t.Errorf("%q: got %+v", tc.in, th)
		}
	}
	bad := map[string]string{
		"":                "empty",
		"p99":             "want METRIC OP VALUE",
		"<50ms":           "want METRIC OP VALUE",
		"p98<50ms":        "unknown metric",
		"p99<50":          "needs a unit",
		"p99<fast":        "latency",
		"p99=<5ms":        "unknown operator",
		"error_rate<150%": "outside",
		"rate>lots":       "not a non-negative number",
		"rate>":           "missing value",
		".p99<1ms":        "empty class",
	}
	for in, want := range bad {
		_, err := ParseThreshold(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want it to mention %q", in, err, want)
		}
	}
}

func TestThresholdCheck(t *testing.T) {
	s := &Summary{All: ClassSummary{Response: Stats{P99: 40000}, Rate: 2500, ErrorRate: 0.002,
		Counters: Counters{Sent: 1000, Scheduled: 1000}}}
	for in, pass := range map[string]bool{"p99<50ms": true, "p99<30ms": false, "rate>2000": true, "error_rate<0.1%": false, "error_rate<1%": true} {
		th, err := ParseThreshold(in)
		if err != nil {
			t.Fatal(err)
		}
		if r := th.Check(s); r.Pass != pass {
			t.Errorf("%s: pass=%v (actual %v), want %v", in, r.Pass, r.Actual, pass)
		}
	}
	th, _ := ParseThreshold("nosuch.p99<1s")
	if th.Check(s).Pass {
		t.Error("threshold on an absent class passed")
	}
}

func TestRunFileRoundTrip(t *testing.T) {
	plan := Plan{Model: ModelOpen, Rate: 100, Duration: Duration(2 * time.Second), Target: "http://127.0.0.1:1/token",
		Mix: []MixEntry{{Name: "valid", Weight: 9}, {Name: "exp-past", Mutation: "exp-past", Weight: 1}}}
	plan.Defaults()
	rec := NewRecorder(plan.Mix, 2)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 500; i++ {
		cls := 0
		out, st := OutcomeIssued, 200
		if i%10 == 0 {
			cls, out, st = 1, OutcomeRejected, 400
		}
		s := Sample{Class: cls, Intended: t0, Sent: t0.Add(time.Duration(i) * time.Microsecond), Done: t0.Add(time.Duration(i+100) * time.Microsecond * 10),
			Status: st, Outcome: out, ErrorCode: -1, BytesIn: 100, BytesOut: 700}
		rec.Record(i, &s)
	}
	recs, err := rec.Flush(t0, t0.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	h := NewHeader("run1", "test", plan, t0)
	h.Ceiling = &Ceiling{Alg: "RS256", PerCore: 1000, AllCores: 2000, Cores: 2}
	sum, err := Summarize(&h, recs, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sum.Complete = true
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteHeader(&h); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteIntervals(recs); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSummary(sum); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"eyJ", "PRIVATE", "assertion="} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("run file contains %q", secret)
		}
	}
	run, err := ReadRun(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if run.Header.RunID != "run1" || len(run.Intervals) != 2 || run.Summary == nil || !run.Summary.Complete {
		t.Fatalf("round trip lost data: %+v", run.Header)
	}
	again, err := Summarize(&run.Header, run.Intervals, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if again.All.Response != sum.All.Response || again.All.Counters.Sent != 500 || again.VerifyRate != 450 {
		t.Errorf("recomputed summary differs: %+v vs %+v (verify %v)", again.All.Response, sum.All.Response, again.VerifyRate)
	}
	if again.Classes[1].Counters.Rejected != 50 || again.Classes[1].Counters.Unexpected != 0 {
		t.Errorf("class counters: %+v", again.Classes[1].Counters)
	}
	if _, err := ReadRun(strings.NewReader(`{"type":"header","schema":99}` + "\n")); err == nil || !strings.Contains(err.Error(), "schema") {
		t.Errorf("schema mismatch not refused: %v", err)
	}
}

func TestPlanValidate(t *testing.T) {
	bad := []Plan{
		{Model: ModelOpen, Rate: 10},
		{Model: ModelOpen, Duration: Duration(time.Second)},
		{Model: ModelClosed, Requests: 10},
		{Model: "x", Requests: 1},
		{Model: ModelOpen, Rate: 1, Concurrency: 2, Requests: 1},
	}
	for i, p := range bad {
		p.Defaults()
		if err := p.Validate(); err == nil {
			t.Errorf("plan %d validated: %+v", i, p)
		}
	}
	ok := Plan{Model: ModelClosed, Concurrency: 4, Requests: 100}
	ok.Defaults()
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func TestSelectorCountRange(t *testing.T) {
	s := NewSelector([]MixEntry{{Name: "a", Weight: 7}, {Name: "b", Weight: 2}, {Name: "c", Weight: 1}})
	for _, r := range [][2]int64{{0, 0}, {0, 1}, {3, 17}, {5, 1005}, {999, 12345}} {
		got, want := make([]int64, 3), make([]int64, 3)
		s.CountRange(r[0], r[1], got)
		for i := r[0]; i < r[1]; i++ {
			want[s.Class(i)]++
		}
		if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("[%d,%d): %v, want %v", r[0], r[1], got, want)
		}
	}
}
