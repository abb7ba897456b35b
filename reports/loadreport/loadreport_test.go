package loadreport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

var t0 = time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)

// fakeRun records n samples per second for secs seconds with latency
// base+i µs, as one machine would.
func fakeRun(t *testing.T, id, alg string, n, secs int, base time.Duration) *loadgen.Run {
	t.Helper()
	plan := loadgen.Plan{Model: loadgen.ModelOpen, Rate: float64(n), Duration: loadgen.Duration(time.Duration(secs) * time.Second),
		Target: "http://127.0.0.1:1/token", Flow: "jwt_bearer", Alg: alg,
		Mix: []loadgen.MixEntry{{Name: "valid", Weight: 9}, {Name: "sig-wrong-key", Mutation: "sig-wrong-key", Weight: 1}}}
	plan.Defaults()
	rec := loadgen.NewRecorder(plan.Mix, 2)
	h := loadgen.NewHeader(id, "test", plan, t0)
	h.Ceiling = &loadgen.Ceiling{Alg: alg, PerCore: 10000, AllCores: 20000, Cores: 2}
	run := &loadgen.Run{Header: h}
	for s := 0; s < secs; s++ {
		start := t0.Add(time.Duration(s) * time.Second)
		for i := 0; i < n; i++ {
			cls, out, st := 0, loadgen.OutcomeIssued, 200
			if i%10 == 9 {
				cls, out, st = 1, loadgen.OutcomeRejected, 400
			}
			sent := start.Add(time.Duration(i) * time.Millisecond)
			smp := loadgen.Sample{Class: cls, Intended: sent, Sent: sent, Done: sent.Add(base + time.Duration(i)*time.Microsecond),
				Status: st, Outcome: out, ErrorCode: -1}
			rec.Record(i, &smp)
		}
		recs, err := rec.Flush(start, start.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		run.Intervals = append(run.Intervals, recs...)
	}
	sum, err := loadgen.Summarize(&run.Header, run.Intervals, time.Duration(secs)*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sum.Complete = true
	run.Summary = sum
	return run
}

func TestMergeLossless(t *testing.T) {
	a := fakeRun(t, "a", "RS256", 100, 3, time.Millisecond)
	b := fakeRun(t, "b", "RS256", 50, 3, 3*time.Millisecond)
	m, err := Merge([]*loadgen.Run{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Summary.All.Counters.Sent; got != 450 {
		t.Errorf("sent %d, want 450", got)
	}
	if m.Header.Plan.Rate != 150 || len(m.Header.Machines) != 2 || m.Header.Plan.Machines != 2 {
		t.Errorf("header: rate %v machines %d", m.Header.Plan.Rate, len(m.Header.Machines))
	}
	if len(m.Intervals) != 6 { // 3 seconds × 2 classes
		t.Errorf("%d intervals, want 6", len(m.Intervals))
	}
	// The merged histogram is exactly the union of the two.
	want := loadgen.NewHistogram()
	for _, r := range []*loadgen.Run{a, b} {
		h, _ := loadgen.DecodeHistogram(r.Summary.All.ResponseH)
		want.Merge(h)
	}
	got, _ := loadgen.DecodeHistogram(m.Summary.All.ResponseH)
	if !got.Equals(want) {
		t.Error("merged histogram differs from the union of the inputs")
	}
	if m.Summary.All.Rate != 150 {
		t.Errorf("rate %v, want 150", m.Summary.All.Rate)
	}
	var buf bytes.Buffer
	w := loadgen.NewWriter(&buf)
	_ = w.WriteHeader(&m.Header)
	_ = w.WriteIntervals(m.Intervals)
	_ = w.WriteSummary(m.Summary)
	back, err := loadgen.ReadRun(&buf)
	if err != nil || back.Summary.All.Counters.Sent != 450 {
		t.Fatalf("merged file does not read back: %v", err)
	}
}

func TestMergeRefusesMismatch(t *testing.T) {
	a := fakeRun(t, "a", "RS256", 10, 1, time.Millisecond)
	cases := map[string]func(r *loadgen.Run){
		"alg ES256 vs RS256": func(r *loadgen.Run) { r.Header.Plan.Alg = "ES256" },
		"histogram settings": func(r *loadgen.Run) { r.Header.Histogram.SigFigs = 2 },
		"schema":             func(r *loadgen.Run) { r.Header.Schema = 99 },
		"interval":           func(r *loadgen.Run) { r.Header.Interval = loadgen.Duration(2 * time.Second) },
		"flow":               func(r *loadgen.Run) { r.Header.Plan.Flow = "private_key_jwt" },
		"different targets":  func(r *loadgen.Run) { r.Header.Plan.Target = "http://127.0.0.2:1/token" },
		"mix valid=1":        func(r *loadgen.Run) { r.Header.Plan.Mix = r.Header.Plan.Mix[:1]; r.Header.Plan.Mix[0].Weight = 1 },
		"timeout 3s":         func(r *loadgen.Run) { r.Header.Plan.Timeout = loadgen.Duration(3 * time.Second) },
		"same run":           func(r *loadgen.Run) { r.Header.Machines[0].RunID = "a" },
		"not made at the same time": func(r *loadgen.Run) {
			shift := 2 * time.Hour
			r.Header.Start = r.Header.Start.Add(shift)
			r.Summary.End = r.Summary.End.Add(shift)
			for i := range r.Intervals {
				r.Intervals[i].Start, r.Intervals[i].End = r.Intervals[i].Start.Add(shift), r.Intervals[i].End.Add(shift)
			}
		},
	}
	for want, edit := range cases {
		b := fakeRun(t, "b", "RS256", 10, 1, time.Millisecond)
		edit(b)
		_, err := Merge([]*loadgen.Run{a, b})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v", want, err)
		}
	}
	if _, err := Merge([]*loadgen.Run{a}); err == nil {
		t.Error("merge of one file accepted")
	}
}

func TestCompare(t *testing.T) {
	base := fakeRun(t, "a", "RS256", 100, 2, time.Millisecond)
	same := fakeRun(t, "b", "RS256", 100, 2, time.Millisecond)
	slow := fakeRun(t, "c", "RS256", 100, 2, 3*time.Millisecond)
	c, err := Compare(base, same, 0.10)
	if err != nil {
		t.Fatal(err)
	}
	if c.Regressed() {
		t.Error("identical runs regressed")
	}
	c, _ = Compare(base, slow, 0.10)
	if !c.Regressed() {
		t.Error("3x latency not flagged")
	}
	var buf bytes.Buffer
	_ = c.WriteText(&buf)
	if !strings.Contains(buf.String(), "REGRESSED") {
		t.Errorf("no REGRESSED line:\n%s", buf.String())
	}
	// Faster is never a regression.
	c, _ = Compare(slow, base, 0.10)
	if c.Regressed() {
		t.Error("an improvement regressed")
	}
	if _, err := Compare(base, fakeRun(t, "d", "ES256", 100, 1, time.Millisecond), 0.1); err == nil {
		t.Error("runs of different algorithms compared")
	}
	elsewhere := fakeRun(t, "e", "RS256", 100, 2, time.Millisecond)
	elsewhere.Header.Plan.Target = "http://127.0.0.2:1/token"
	c, err = Compare(base, elsewhere, 0.1)
	if err != nil || len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "different targets") {
		t.Errorf("different targets compared without a warning: %v %v", err, c)
	}
}

func TestRenderers(t *testing.T) {
	run := fakeRun(t, "a", "RS256", 100, 3, time.Millisecond)
	var txt, md, htm bytes.Buffer
	if err := WriteText(&txt, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, run); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&htm, run); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]*bytes.Buffer{"text": &txt, "markdown": &md, "html": &htm} {
		for _, want := range []string{"sig-wrong-key", "p99", "valid"} {
			if !strings.Contains(b.String(), want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	h := htm.String()
	if strings.Count(h, "<svg") != 3 {
		t.Errorf("%d SVG plots, want 3", strings.Count(h, "<svg"))
	}
	for _, ext := range []string{"<script", "src=", "<link", "@import"} {
		if strings.Contains(h, ext) {
			t.Errorf("HTML is not self-contained: %q", ext)
		}
	}
}

// TestNotTokenIsRedEverywhere: 2xx answers that carry no token are counted
// on their own and shown as an alarm in red in text, Markdown and HTML.
func TestNotTokenIsRedEverywhere(t *testing.T) {
	run := fakeRun(t, "a", "RS256", 100, 1, time.Millisecond)
	run.Summary.All.Counters.NotToken = 7
	run.Summary.Invalid = []string{"error rate 7% is above 1%"}
	var txt, md, htm bytes.Buffer
	if err := WriteTextColor(&txt, run, true); err != nil {
		t.Fatal(err)
	}
	_ = WriteMarkdown(&md, run)
	_ = WriteHTML(&htm, run)
	for name, want := range map[string]string{
		"text":     ansiRed + "!! 2xx NOT A TOKEN: 7",
		"markdown": `🔴 <span style="color:#b42318">**2xx NOT A TOKEN: 7`,
		"html":     `<td class="bad">2xx NOT A TOKEN: 7`,
	} {
		invalid := map[string]string{"text": ansiRed + "!! NOT A VALID MEASUREMENT: error rate 7%", "markdown": "🔴 <span style=\"color:#b42318\">**NOT A VALID MEASUREMENT", "html": `<p class="bad">NOT A VALID MEASUREMENT`}[name]
		if out := map[string]string{"text": txt.String(), "markdown": md.String(), "html": htm.String()}[name]; !strings.Contains(out, invalid) {
			t.Errorf("%s report lacks the one-line invalid verdict %q", name, invalid)
		}
		out := map[string]string{"text": txt.String(), "markdown": md.String(), "html": htm.String()}[name]
		if !strings.Contains(out, want) {
			t.Errorf("%s report lacks the red not-a-token alarm %q", name, want)
		}
	}
	var plain bytes.Buffer
	_ = WriteText(&plain, run)
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(plain.String(), "!! 2xx NOT A TOKEN") {
		t.Error("plain text: escape codes, or no alarm")
	}
}
