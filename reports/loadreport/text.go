// Package loadreport renders jwtharness load run files (text, Markdown,
// self-contained HTML with inline SVG plots), merges run files made on
// several machines into one, and compares two runs figure by figure.
package loadreport

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

// us renders microseconds.
func us(v int64) string { return loadgen.FormatMicros(float64(v)) }

func pct(f float64) string {
	if f == 0 {
		return "0%"
	}
	if f < 0.0001 {
		return strconv.FormatFloat(f*100, 'f', 4, 64) + "%"
	}
	return strconv.FormatFloat(f*100, 'f', 2, 64) + "%"
}

func rate(f float64) string {
	switch {
	case f == 0:
		return "0"
	case f >= 100:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case f >= 1:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func bytesH(n int64) string {
	f := float64(n)
	switch {
	case f >= 1<<30:
		return strconv.FormatFloat(f/(1<<30), 'f', 2, 64) + " GiB"
	case f >= 1<<20:
		return strconv.FormatFloat(f/(1<<20), 'f', 1, 64) + " MiB"
	case f >= 1<<10:
		return strconv.FormatFloat(f/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// PlanLine describes the plan in one line.
func PlanLine(p *loadgen.Plan) string {
	var b strings.Builder
	switch p.Model {
	case loadgen.ModelOpen:
		fmt.Fprintf(&b, "open model, %s/s", rate(p.Rate))
	default:
		fmt.Fprintf(&b, "closed model, %d connections", p.Concurrency)
	}
	var bounds []string
	if p.Duration > 0 {
		bounds = append(bounds, p.Duration.D().String())
	}
	if p.Requests > 0 {
		bounds = append(bounds, strconv.FormatInt(p.Requests, 10)+" requests")
	}
	fmt.Fprintf(&b, " for %s", strings.Join(bounds, " or "))
	if p.Warmup > 0 {
		fmt.Fprintf(&b, " (+%s warm-up)", p.Warmup.D())
	}
	if p.Model == loadgen.ModelOpen {
		fmt.Fprintf(&b, ", max in-flight %d, late > %s, dropped > %s", p.MaxInflight, p.LateAfter.D(), p.DropAfter.D())
	}
	fmt.Fprintf(&b, ", timeout %s, %s client", p.Timeout.D(), p.Client)
	if p.Machines > 1 {
		fmt.Fprintf(&b, ", %d machines", p.Machines)
	}
	return b.String()
}

// WhatLine describes what was sent.
func WhatLine(p *loadgen.Plan) string {
	if p.Raw {
		m := p.Method
		if m == "" {
			m = "POST"
		}
		return "RAW CALIBRATION MODE: a fixed " + m + " request, no assertion (measures the generator and the HTTP path, not JWT verification)"
	}
	alg := p.Alg
	if p.KeySize > 0 && strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS") && p.KeySize > 0 {
		alg += "-" + strconv.Itoa(p.KeySize)
	}
	return fmt.Sprintf("flow %s, %s, mix %s", p.Flow, alg, loadgen.FormatMix(p.Mix))
}

// Notes are observations drawn from the summary: what each kind of
// rejection costs compared with verifying a valid assertion.
func Notes(run *loadgen.Run) []string {
	s := run.Summary
	if s == nil {
		return nil
	}
	var valid *loadgen.ClassSummary
	for i := range s.Classes {
		if s.Classes[i].Class == loadgen.ClassValid {
			valid = &s.Classes[i]
		}
	}
	if valid == nil || valid.Service.P50 <= 0 {
		return nil
	}
	var out []string
	for _, cs := range s.Classes {
		if cs.Class == loadgen.ClassValid || cs.Service.Count == 0 {
			continue
		}
		r := float64(cs.Service.P50) / float64(valid.Service.P50)
		switch {
		case r >= 0.8:
			out = append(out, fmt.Sprintf("rejecting %s costs as much as verifying a valid assertion (service p50 %s vs %s, %.0f%%): the endpoint does the expensive work before it can refuse",
				cs.Class, us(cs.Service.P50), us(valid.Service.P50), r*100))
		default:
			out = append(out, fmt.Sprintf("rejecting %s costs %.0f%% of a valid verification (service p50 %s vs %s)", cs.Class, r*100, us(cs.Service.P50), us(valid.Service.P50)))
		}
	}
	return out
}

// CeilingLine relates the verify rate to the ceiling.
func CeilingLine(run *loadgen.Run) string {
	h, s := &run.Header, run.Summary
	if h.Ceiling == nil || s == nil {
		return ""
	}
	c := h.Ceiling
	r := s.VerifyRate
	what := "successful verifications"
	if h.Plan.Raw {
		r = s.All.Rate
		what = "raw requests"
	}
	if r <= 0 {
		return ""
	}
	where := "target on this host"
	if u, err := url.Parse(h.Plan.Target); err != nil || !isLoopback(u.Hostname()) {
		where = "target on another host: the ceiling is this host's, for scale only"
	}
	return fmt.Sprintf("%s %s/s = %.1f%% of this host's raw go-jose verify rate on %d cores (%.0f/s), %.2f× the single-core rate (%.0f/s) (%s)",
		what, rate(r), 100*r/c.AllCores, c.Cores, c.AllCores, r/c.PerCore, c.PerCore, where)
}

// AnswersLine lists every counted kind of answer.
func AnswersLine(c *loadgen.Counters) string {
	return fmt.Sprintf("issued %d, refused %d, 2xx not a token %d, 5xx %d, other status %d, unparseable %d, truncated %d, oversize %d, timeouts %d, connection errors %d, unexpected %d",
		c.Issued, c.Rejected, c.NotToken, c.ServerError, c.OtherStatus, c.Unparseable, c.Truncated, c.Oversize, c.Timeouts, c.ConnErrors, c.Unexpected)
}

// NotTokenLine is the alarm for 2xx answers that carried no token, "" when
// there were none. Every report shows it in red.
func NotTokenLine(c *loadgen.Counters) string {
	if c.NotToken == 0 {
		return ""
	}
	return fmt.Sprintf("2xx NOT A TOKEN: %d of %d answers had a 2xx status but no parseable token (access_token and token_type): none of them is counted as a verification", c.NotToken, c.Answered())
}

// ANSI colours for the text report on a terminal.
const (
	ansiRed   = "\x1b[1;31m"
	ansiReset = "\x1b[0m"
)

// WriteText renders a run as plain text.
func WriteText(w io.Writer, run *loadgen.Run) error { return WriteTextColor(w, run, false) }

// WriteTextColor renders a run as plain text; with color, alarms (2xx that
// are not a token, a run that is not a valid measurement) are red.
func WriteTextColor(w io.Writer, run *loadgen.Run, color bool) error {
	red := func(s string) string {
		if color {
			return ansiRed + s + ansiReset
		}
		return s
	}
	h := &run.Header
	s := run.Summary
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "jwtharness load run %s\t(%s %s, run file schema %d)\n", h.RunID, h.Tool, h.ToolVersion, h.Schema)
	fmt.Fprintf(tw, "target\t%s\n", h.Plan.Target)
	fmt.Fprintf(tw, "plan\t%s\n", PlanLine(&h.Plan))
	fmt.Fprintf(tw, "sent\t%s\n", WhatLine(&h.Plan))
	for _, m := range h.Machines {
		fmt.Fprintf(tw, "machine\t%s (%s/%s, %d CPUs, GOMAXPROCS %d, %s), started %s%s\n", m.Host, m.OS, m.Arch, m.CPUs, m.GOMAXPROCS, m.GoVersion, m.Start.UTC().Format(time.RFC3339), MachineNote(m))
	}
	if h.Ceiling != nil {
		fmt.Fprintf(tw, "ceiling\t%s\n", h.Ceiling)
	}
	for _, n := range h.Notes {
		fmt.Fprintf(tw, "note\t%s\n", n)
	}
	if s == nil {
		fmt.Fprintln(tw, "summary\tmissing (the run did not finish writing its file)")
		return tw.Flush()
	}
	complete := "yes"
	if !s.Complete {
		complete = "NO"
	}
	fmt.Fprintf(tw, "complete\t%s, measured %s\n", complete, s.Elapsed.D().Round(time.Millisecond))
	tw.Flush()
	if l := s.InvalidLine(); l != "" {
		fmt.Fprintln(w, red("!! "+l))
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "Response time, from the intended send time (includes any wait for a connection or an assertion):")
	latencyTable(w, s, false)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Service time, from the actual send:")
	latencyTable(w, s, true)
	fmt.Fprintln(w)

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	c := &s.All.Counters
	fmt.Fprintf(tw, "requests\tscheduled %d, sent %d, late %d (%s), dropped %d\n", c.Scheduled, c.Sent, c.Late, pct(s.All.LateRate), c.Dropped)
	fmt.Fprintf(tw, "answers\t%s\n", AnswersLine(c))
	fmt.Fprintf(tw, "status\t%s\n", mapLine(c.Status))
	if len(c.ErrorCodes) > 0 {
		fmt.Fprintf(tw, "error codes\t%s\n", mapLine(c.ErrorCodes))
	}
	fmt.Fprintf(tw, "bytes\tout %s, in %s\n", bytesH(c.BytesOut), bytesH(c.BytesIn))
	fmt.Fprintf(tw, "throughput\t%s answers/s, error rate %s\n", rate(s.All.Rate), pct(s.All.ErrorRate))
	if s.VerifyRate > 0 {
		fmt.Fprintf(tw, "verify rate\t%s successful verifications/s\n", rate(s.VerifyRate))
	}
	if l := CeilingLine(run); l != "" {
		fmt.Fprintf(tw, "vs ceiling\t%s\n", l)
	}
	if s.CPU != nil {
		inc := ""
		if s.CPU.Process != "" {
			inc = "; includes " + s.CPU.Process
		}
		fmt.Fprintf(tw, "generator CPU\t%.2f cores (%.0f%% of GOMAXPROCS): user %s, system %s over %s%s\n",
			s.CPU.Cores, s.CPU.Share*100, s.CPU.User.D().Round(time.Millisecond), s.CPU.System.D().Round(time.Millisecond), s.CPU.Wall.D().Round(time.Millisecond), inc)
	}
	if p := s.Pool; p != nil {
		fmt.Fprintf(tw, "assertion pool\tminted %d (%.0f/s), used %d, discarded near expiry %d, starved %d (waited %s), mint errors %d\n",
			p.Minted, p.MintRate, p.Used, p.Discarded, p.Starved, p.Waited.D().Round(time.Millisecond), p.Errors)
	}
	tw.Flush()
	if l := NotTokenLine(c); l != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, red("!! "+l))
	}
	if len(s.Thresholds) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Thresholds:")
		for _, t := range s.Thresholds {
			fmt.Fprintln(w, "  "+t.Describe())
		}
	}
	notes := Notes(run)
	if len(notes) > 0 || len(s.Warnings) > 0 {
		fmt.Fprintln(w)
	}
	for _, n := range notes {
		fmt.Fprintln(w, "note: "+n)
	}
	for _, n := range s.Warnings {
		fmt.Fprintln(w, "WARNING: "+n)
	}
	return nil
}

func latencyTable(w io.Writer, s *loadgen.Summary, service bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\texpect\tsent\tanswers/s\tas expected/s\terrors\tp50\tp90\tp99\tp99.9\tmax\t")
	rows := append(append([]loadgen.ClassSummary(nil), s.Classes...), s.All)
	for _, cs := range rows {
		st := cs.Response
		if service {
			st = cs.Service
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", cs.Class, cs.Expect, cs.Counters.Sent, rate(cs.Rate), rate(cs.OKRate),
			pct(cs.ErrorRate), us(st.P50), us(st.P90), us(st.P99), us(st.P999), us(st.Max))
	}
	tw.Flush()
}

func mapLine(m map[string]int64) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Change is one figure compared between two runs.
type Change struct {
	Figure      string
	Base, New   float64
	Unit        string  // "us", "/s", "fraction"
	Delta       float64 // relative change, (new-base)/base; for fractions the absolute change
	HigherWorse bool
	Regressed   bool
}

// Comparison is the result of Compare.
type Comparison struct {
	Changes       []Change
	MaxRegression float64
	// Warnings say why the two runs may not measure the same thing
	// (different targets, different plans, a run that is not a valid
	// measurement); `report compare --strict` refuses to compare then.
	Warnings []string
}

// Regressed reports whether any figure got worse beyond the allowance.
func (c *Comparison) Regressed() bool {
	for _, ch := range c.Changes {
		if ch.Regressed {
			return true
		}
	}
	return false
}

// Compare compares new against base: throughput (higher is better),
// latency percentiles and error rate (lower is better), overall and per
// class present in both. A figure regresses when it is worse by more than
// maxRegression (0.1 = 10%); the error rate regresses when it rises by
// more than 0.1 percentage point.
func Compare(base, new *loadgen.Run, maxRegression float64) (*Comparison, error) {
	if base.Summary == nil || new.Summary == nil {
		return nil, fmt.Errorf("compare needs run files with a summary line")
	}
	if base.Header.Plan.Alg != new.Header.Plan.Alg || base.Header.Plan.Raw != new.Header.Plan.Raw {
		return nil, fmt.Errorf("runs are not comparable: algorithm %q vs %q, raw %v vs %v", base.Header.Plan.Alg, new.Header.Plan.Alg, base.Header.Plan.Raw, new.Header.Plan.Raw)
	}
	c := &Comparison{MaxRegression: maxRegression}
	if bt, nt := base.Header.Plan.Target, new.Header.Plan.Target; bt != nt {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the runs measured different targets (base %s, new %s): a change may be the target's, not the code's", bt, nt))
	}
	if d := PlanDiff(&base.Header.Plan, &new.Header.Plan); len(d) > 0 {
		c.Warnings = append(c.Warnings, "the plans differ: "+strings.Join(d, "; "))
	}
	for name, r := range map[string]*loadgen.Run{"base": base, "new": new} {
		if l := r.Summary.InvalidLine(); l != "" {
			c.Warnings = append(c.Warnings, name+" run: "+l)
		}
	}
	sort.Strings(c.Warnings)
	add := func(name string, b, n float64, unit string, higherWorse bool) {
		ch := Change{Figure: name, Base: b, New: n, Unit: unit, HigherWorse: higherWorse}
		if unit == "fraction" {
			ch.Delta = n - b
			ch.Regressed = ch.Delta > 0.001
		} else if b > 0 {
			ch.Delta = (n - b) / b
			if higherWorse {
				ch.Regressed = ch.Delta > maxRegression
			} else {
				ch.Regressed = ch.Delta < -maxRegression
			}
		} else if n > 0 && higherWorse {
			ch.Delta = math.Inf(1)
		}
		c.Changes = append(c.Changes, ch)
	}
	bs, ns := base.Summary, new.Summary
	if bs.VerifyRate > 0 || ns.VerifyRate > 0 {
		add("verify rate", bs.VerifyRate, ns.VerifyRate, "/s", false)
	}
	add("answers/s", bs.All.Rate, ns.All.Rate, "/s", false)
	add("error rate", bs.All.ErrorRate, ns.All.ErrorRate, "fraction", true)
	lat := func(prefix string, b, n loadgen.Stats) {
		add(prefix+"p50", float64(b.P50), float64(n.P50), "us", true)
		add(prefix+"p90", float64(b.P90), float64(n.P90), "us", true)
		add(prefix+"p99", float64(b.P99), float64(n.P99), "us", true)
		add(prefix+"p99.9", float64(b.P999), float64(n.P999), "us", true)
	}
	lat("", bs.All.Response, ns.All.Response)
	for _, bc := range bs.Classes {
		for _, nc := range ns.Classes {
			if bc.Class == nc.Class && len(bs.Classes) > 1 {
				lat(bc.Class+" ", bc.Response, nc.Response)
			}
		}
	}
	return c, nil
}

// WriteText prints the comparison.
func (c *Comparison) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tbase\tnew\tchange\tverdict")
	for _, ch := range c.Changes {
		f := func(v float64) string {
			switch ch.Unit {
			case "us":
				return us(int64(v))
			case "fraction":
				return pct(v)
			}
			return rate(v) + "/s"
		}
		var d string
		switch {
		case ch.Unit == "fraction":
			d = fmt.Sprintf("%+.3f pp", ch.Delta*100)
		case math.IsInf(ch.Delta, 0):
			d = "new"
		default:
			d = fmt.Sprintf("%+.1f%%", ch.Delta*100)
		}
		verdict := "ok"
		if ch.Regressed {
			verdict = "REGRESSED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ch.Figure, f(ch.Base), f(ch.New), d, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, msg := range c.Warnings {
		fmt.Fprintln(w, "WARNING: "+msg)
	}
	if c.Regressed() {
		_, err := fmt.Fprintf(w, "\nregression beyond the allowed %.0f%%\n", c.MaxRegression*100)
		return err
	}
	_, err := fmt.Fprintf(w, "\nno regression beyond the allowed %.0f%%\n", c.MaxRegression*100)
	return err
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
