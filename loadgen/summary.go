package loadgen

import (
	"fmt"
	"sort"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The summary: the run's figures per class and overall, computed in one
// place (summarize) from per-class counters and histograms, whether they
// come from the recorder at the end of a run or from a run file's
// intervals (report, merge).

// Stats are the figures read off one histogram, in µs.
type Stats struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min_us"`
	Mean  float64 `json:"mean_us"`
	P50   int64   `json:"p50_us"`
	P90   int64   `json:"p90_us"`
	P99   int64   `json:"p99_us"`
	P999  int64   `json:"p999_us"`
	Max   int64   `json:"max_us"`
}

// StatsOf reads the standard figures off h.
func StatsOf(h *hdrhistogram.Histogram) Stats {
	if h.TotalCount() == 0 {
		return Stats{}
	}
	return Stats{Count: h.TotalCount(), Min: h.Min(), Mean: h.Mean(), P50: h.ValueAtQuantile(50),
		P90: h.ValueAtQuantile(90), P99: h.ValueAtQuantile(99), P999: h.ValueAtQuantile(99.9), Max: h.Max()}
}

// ClassSummary is one class over the whole run (or "all").
type ClassSummary struct {
	Class      string   `json:"class"`
	Expect     string   `json:"expect,omitempty"` // "issued" or "rejected"
	Counters   Counters `json:"counters"`
	Response   Stats    `json:"response"` // from intended send time
	Service    Stats    `json:"service"`  // from actual send
	Rate       float64  `json:"rate"`     // answered requests per second
	OKRate     float64  `json:"ok_rate"`  // answers as expected per second (successful verifications for valid)
	ErrorRate  float64  `json:"error_rate"`
	LateRate   float64  `json:"late_rate"`
	ResponseH  string   `json:"response_hist"`
	ServiceH   string   `json:"service_hist"`
	responseHH *hdrhistogram.Histogram
}

// CPUUsage is the generator process's own CPU use over the measured run.
type CPUUsage struct {
	User    Duration `json:"user"`
	System  Duration `json:"system"`
	Wall    Duration `json:"wall"`
	Cores   float64  `json:"cores"`    // (user+system)/wall
	Share   float64  `json:"share"`    // Cores / GOMAXPROCS
	Process string   `json:"includes"` // what the process also ran (e.g. the embedded server)
}

// Summary is a run file's last line. Everything in it except Pool, CPU,
// Thresholds, Warnings and Complete can be recomputed from the intervals.
type Summary struct {
	Type       string            `json:"type"` // "summary"
	Start      time.Time         `json:"start"`
	End        time.Time         `json:"end"`
	Elapsed    Duration          `json:"elapsed"`
	Classes    []ClassSummary    `json:"classes"`
	All        ClassSummary      `json:"all"`
	VerifyRate float64           `json:"verify_rate"`    // valid assertions answered with a token, per second
	OfCeiling  float64           `json:"of_ceiling"`     // VerifyRate (or raw rate) / ceiling on all cores, when known
	Pool       *PoolStats        `json:"pool,omitempty"` // assertion pool
	CPU        *CPUUsage         `json:"cpu,omitempty"`  // generator CPU
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
	// Invalid says why the run is not a valid measurement (Validity);
	// empty when it is.
	Invalid  []string `json:"invalid,omitempty"`
	Complete bool     `json:"complete"`
}

// Summarize recomputes the per-class and overall figures from a run
// file's intervals (report, merge): it adds them up per class, in the
// header's class order, and hands them to summarize. elapsed is the
// measured wall time (0: from the first interval's start to the last
// one's end).
func Summarize(h *Header, intervals []IntervalRecord, elapsed time.Duration) (*Summary, error) {
	byClass := map[string]*ClassTotal{}
	var first, last time.Time
	for i := range intervals {
		iv := &intervals[i]
		a := byClass[iv.Class]
		if a == nil {
			a = &ClassTotal{Class: iv.Class, Response: NewHistogram(), Service: NewHistogram()}
			byClass[iv.Class] = a
		}
		a.Counters.Add(&iv.Counters)
		rh, err := DecodeHistogram(iv.Response)
		if err != nil {
			return nil, fmt.Errorf("interval %s %s: response histogram: %v", iv.Start.Format(time.RFC3339), iv.Class, err)
		}
		sh, err := DecodeHistogram(iv.Service)
		if err != nil {
			return nil, fmt.Errorf("interval %s %s: service histogram: %v", iv.Start.Format(time.RFC3339), iv.Class, err)
		}
		if d := a.Response.Merge(rh) + a.Service.Merge(sh); d != 0 {
			return nil, fmt.Errorf("interval %s %s: %d values out of histogram range", iv.Start.Format(time.RFC3339), iv.Class, d)
		}
		if first.IsZero() || iv.Start.Before(first) {
			first = iv.Start
		}
		if iv.End.After(last) {
			last = iv.End
		}
	}
	if elapsed <= 0 {
		elapsed = last.Sub(first)
	}
	classes := append([]string(nil), h.Classes...)
	for c := range byClass {
		if !contains(classes, c) {
			classes = append(classes, c)
		}
	}
	sort.Strings(classes[len(h.Classes):]) // classes the header does not name, in a stable order
	var totals []ClassTotal
	for _, c := range classes {
		if a := byClass[c]; a != nil {
			totals = append(totals, *a)
		}
	}
	s := summarize(h, totals, elapsed)
	s.Start, s.End = first, last
	return s, nil
}

// summarize is the one place a summary is computed: per class (in the
// order given, classes that saw no traffic left out) and over all, the
// counters, latency statistics, rates, the verify rate (the valid class's
// tokens per second) and its share of the ceiling. Execute calls it with
// the recorder's run totals, Summarize with a run file's intervals.
func summarize(h *Header, totals []ClassTotal, elapsed time.Duration) *Summary {
	s := &Summary{Type: "summary", Elapsed: Duration(elapsed)}
	expect := map[string]bool{}
	for _, e := range h.Plan.Mix {
		expect[e.Name] = e.ExpectIssued()
	}
	allResp, allSvc := NewHistogram(), NewHistogram()
	var allC Counters
	for i := range totals {
		t := &totals[i]
		if t.Counters.Scheduled == 0 {
			continue
		}
		cs := classSummary(t.Class, &t.Counters, t.Response, t.Service, elapsed)
		if issued, ok := expect[t.Class]; ok {
			cs.Expect = "rejected"
			if issued {
				cs.Expect = "issued"
			}
		}
		s.Classes = append(s.Classes, cs)
		allC.Add(&t.Counters)
		allResp.Merge(t.Response)
		allSvc.Merge(t.Service)
		if t.Class == ClassValid {
			s.VerifyRate = cs.OKRate
		}
	}
	s.All = classSummary("all", &allC, allResp, allSvc, elapsed)
	if h.Ceiling != nil && h.Ceiling.AllCores > 0 && s.VerifyRate > 0 {
		s.OfCeiling = s.VerifyRate / h.Ceiling.AllCores
	}
	return s
}

func classSummary(name string, c *Counters, resp, svc *hdrhistogram.Histogram, elapsed time.Duration) ClassSummary {
	cs := ClassSummary{Class: name, Counters: *c, Response: StatsOf(resp), Service: StatsOf(svc), responseHH: resp}
	cs.ResponseH, _ = EncodeHistogram(resp)
	cs.ServiceH, _ = EncodeHistogram(svc)
	if sec := elapsed.Seconds(); sec > 0 {
		cs.Rate = float64(c.Answered()) / sec
		cs.OKRate = float64(c.AsExpected()) / sec
	}
	if c.Sent > 0 {
		cs.ErrorRate = float64(c.Errors()) / float64(c.Sent)
	}
	if c.Scheduled > 0 {
		cs.LateRate = float64(c.Late) / float64(c.Scheduled)
	}
	return cs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
