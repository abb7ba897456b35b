package loadgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Threshold is a CI gate on one figure of the summary, e.g. p99<50ms,
// error_rate<0.1%, rate>2000, valid.p99<20ms (one class).
type Threshold struct {
	Source string  `json:"source"`          // as written
	Class  string  `json:"class,omitempty"` // "" = all classes
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"` // µs for latencies, fraction for rates ending in _rate, else plain
}

// ThresholdResult is a threshold checked against a run.
type ThresholdResult struct {
	Threshold
	Actual float64 `json:"actual"`
	Pass   bool    `json:"pass"`
}

type metricKind int

const (
	kindLatency metricKind = iota
	kindFraction
	kindNumber
)

var metrics = map[string]metricKind{
	"p50": kindLatency, "p90": kindLatency, "p99": kindLatency, "p999": kindLatency, "max": kindLatency, "mean": kindLatency,
	"service_p50": kindLatency, "service_p99": kindLatency,
	"rate": kindNumber, "ok_rate": kindNumber, "verify_rate": kindNumber,
	"error_rate": kindFraction, "late_rate": kindFraction, "dropped_rate": kindFraction,
	"errors": kindNumber, "dropped": kindNumber, "late": kindNumber, "requests": kindNumber,
}

// MetricNames lists the metrics a threshold may use.
func MetricNames() []string {
	return []string{"p50", "p90", "p99", "p999", "max", "mean", "service_p50", "service_p99", "rate", "ok_rate", "verify_rate",
		"error_rate", "late_rate", "dropped_rate", "errors", "dropped", "late", "requests"}
}

// ParseThreshold reads "metric op value" with op one of < <= > >= ==.
// Latencies take a unit (us, µs, ms, s); *_rate fractions take a % or a
// plain fraction; "dropped" also accepts a % (then it means dropped_rate).
func ParseThreshold(s string) (Threshold, error) {
	src := strings.TrimSpace(s)
	if src == "" {
		return Threshold{}, fmt.Errorf("threshold: empty")
	}
	i := strings.IndexAny(src, "<>=")
	if i <= 0 {
		return Threshold{}, fmt.Errorf("threshold %q: want METRIC OP VALUE, e.g. p99<50ms (ops: < <= > >= ==)", s)
	}
	name := strings.TrimSpace(src[:i])
	rest := src[i:]
	var op string
	for _, o := range []string{"<=", ">=", "==", "<", ">"} {
		if strings.HasPrefix(rest, o) {
			op = o
			break
		}
	}
	if op == "" {
		return Threshold{}, fmt.Errorf("threshold %q: unknown operator in %q (ops: < <= > >= ==)", s, rest)
	}
	val := strings.TrimSpace(rest[len(op):])
	if val == "" {
		return Threshold{}, fmt.Errorf("threshold %q: missing value after %s", s, op)
	}
	t := Threshold{Source: src, Op: op}
	if strings.HasSuffix(strings.ToLower(name), "p99.9") {
		name = name[:len(name)-5] + "p999"
	}
	if c, m, ok := strings.Cut(name, "."); ok {
		t.Class, name = strings.TrimSpace(c), strings.TrimSpace(m)
		if t.Class == "" {
			return Threshold{}, fmt.Errorf("threshold %q: empty class before '.'", s)
		}
	}
	name = strings.ToLower(name)
	switch name {
	case "p99.9":
		name = "p999"
	case "error", "errors_rate":
		name = "error_rate"
	}
	kind, ok := metrics[name]
	if !ok {
		return Threshold{}, fmt.Errorf("threshold %q: unknown metric %q (known: %s)", s, name, strings.Join(MetricNames(), ", "))
	}
	if name == "dropped" || name == "errors" || name == "late" {
		if strings.HasSuffix(val, "%") {
			name += "_rate"
			if name == "errors_rate" {
				name = "error_rate"
			}
			kind = kindFraction
		}
	}
	t.Metric = name
	switch kind {
	case kindLatency:
		d, err := parseLatency(val)
		if err != nil {
			return Threshold{}, fmt.Errorf("threshold %q: %v", s, err)
		}
		t.Value = float64(d) / float64(time.Microsecond)
	case kindFraction:
		f, err := parseFraction(val)
		if err != nil {
			return Threshold{}, fmt.Errorf("threshold %q: %v", s, err)
		}
		t.Value = f
	case kindNumber:
		v := strings.TrimSuffix(strings.TrimSuffix(val, "/s"), "rps")
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			return Threshold{}, fmt.Errorf("threshold %q: %q is not a non-negative number", s, val)
		}
		t.Value = f
	}
	return t, nil
}

func parseLatency(v string) (time.Duration, error) {
	v = strings.ReplaceAll(v, "µs", "us")
	d, err := time.ParseDuration(v)
	if err != nil {
		if _, e := strconv.ParseFloat(v, 64); e == nil {
			return 0, fmt.Errorf("latency %q needs a unit (us, ms, s)", v)
		}
		return 0, fmt.Errorf("latency %q: %v", v, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("latency %q is negative", v)
	}
	return d, nil
}

func parseFraction(v string) (float64, error) {
	pct := strings.HasSuffix(v, "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "%")), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%q is not a number or percentage", v)
	}
	if pct {
		f /= 100
	}
	if f < 0 || f > 1 {
		return 0, fmt.Errorf("%q is outside 0..100%%", v)
	}
	return f, nil
}

// Check evaluates the threshold against a summary.
func (t Threshold) Check(s *Summary) ThresholdResult {
	cs := &s.All
	if t.Class != "" {
		cs = nil
		for i := range s.Classes {
			if s.Classes[i].Class == t.Class {
				cs = &s.Classes[i]
			}
		}
		if cs == nil {
			return ThresholdResult{Threshold: t, Actual: math.NaN(), Pass: false}
		}
	}
	a := t.actual(s, cs)
	var pass bool
	switch t.Op {
	case "<":
		pass = a < t.Value
	case "<=":
		pass = a <= t.Value
	case ">":
		pass = a > t.Value
	case ">=":
		pass = a >= t.Value
	case "==":
		pass = a == t.Value
	}
	return ThresholdResult{Threshold: t, Actual: a, Pass: pass}
}

func (t Threshold) actual(s *Summary, cs *ClassSummary) float64 {
	c := &cs.Counters
	switch t.Metric {
	case "p50":
		return float64(cs.Response.P50)
	case "p90":
		return float64(cs.Response.P90)
	case "p99":
		return float64(cs.Response.P99)
	case "p999":
		return float64(cs.Response.P999)
	case "max":
		return float64(cs.Response.Max)
	case "mean":
		return cs.Response.Mean
	case "service_p50":
		return float64(cs.Service.P50)
	case "service_p99":
		return float64(cs.Service.P99)
	case "rate":
		return cs.Rate
	case "ok_rate":
		return cs.OKRate
	case "verify_rate":
		return s.VerifyRate
	case "error_rate":
		return cs.ErrorRate
	case "late_rate":
		return cs.LateRate
	case "dropped_rate":
		if c.Scheduled == 0 {
			return 0
		}
		return float64(c.Dropped) / float64(c.Scheduled)
	case "errors":
		return float64(c.Errors())
	case "dropped":
		return float64(c.Dropped)
	case "late":
		return float64(c.Late)
	case "requests":
		return float64(c.Sent)
	}
	return math.NaN()
}

// Describe renders the actual value in the threshold's unit.
func (r ThresholdResult) Describe() string {
	verdict := "ok"
	if !r.Pass {
		verdict = "FAILED"
	}
	return fmt.Sprintf("%-24s actual %-12s %s", r.Source, formatMetric(r.Metric, r.Actual), verdict)
}

func formatMetric(metric string, v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	switch metrics[metric] {
	case kindLatency:
		return FormatMicros(v)
	case kindFraction:
		return strconv.FormatFloat(v*100, 'f', 3, 64) + "%"
	}
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// FormatMicros renders µs as a short duration: 850µs, 12.3ms, 1.20s.
func FormatMicros(us float64) string {
	switch {
	case us < 1000:
		return strconv.FormatFloat(us, 'f', 0, 64) + "µs"
	case us < 1e6:
		return strconv.FormatFloat(us/1000, 'f', 2, 64) + "ms"
	}
	return strconv.FormatFloat(us/1e6, 'f', 2, 64) + "s"
}
