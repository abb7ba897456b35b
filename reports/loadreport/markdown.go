package loadreport

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/loadgen"
)

// WriteMarkdown renders a run as GitHub-flavoured Markdown.
func WriteMarkdown(w io.Writer, run *loadgen.Run) error {
	h := &run.Header
	s := run.Summary
	var b strings.Builder
	fmt.Fprintf(&b, "# jwtharness load run `%s`\n\n", h.RunID)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| target | `%s` |\n| plan | %s |\n| sent | %s |\n", h.Plan.Target, mdEsc(PlanLine(&h.Plan)), mdEsc(WhatLine(&h.Plan)))
	for _, m := range h.Machines {
		fmt.Fprintf(&b, "| machine | %s (%s/%s, %d CPUs, GOMAXPROCS %d, %s), %s%s |\n", mdEsc(m.Host), m.OS, m.Arch, m.CPUs, m.GOMAXPROCS, m.GoVersion, m.Start.UTC().Format(time.RFC3339), mdEsc(MachineNote(m)))
	}
	if h.Ceiling != nil {
		fmt.Fprintf(&b, "| ceiling | %s |\n", h.Ceiling)
	}
	fmt.Fprintf(&b, "| tool | %s %s, schema %d |\n", h.Tool, h.ToolVersion, h.Schema)
	if s == nil {
		b.WriteString("\n**No summary line: the run did not finish writing its file.**\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	complete := "yes"
	if !s.Complete {
		complete = "**no**"
	}
	fmt.Fprintf(&b, "| complete | %s, measured %s |\n\n", complete, s.Elapsed.D().Round(time.Millisecond))
	if l := s.InvalidLine(); l != "" {
		fmt.Fprintf(&b, "%s\n\n", mdRed(l))
	}
	for _, t := range []struct {
		title   string
		service bool
	}{{"Response time (from the intended send time)", false}, {"Service time (from the actual send)", true}} {
		fmt.Fprintf(&b, "## %s\n\n| class | expect | sent | answers/s | as expected/s | errors | p50 | p90 | p99 | p99.9 | max |\n|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n", t.title)
		for _, cs := range append(append([]loadgen.ClassSummary(nil), s.Classes...), s.All) {
			st := cs.Response
			if t.service {
				st = cs.Service
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", cs.Class, cs.Expect, cs.Counters.Sent, rate(cs.Rate), rate(cs.OKRate),
				pct(cs.ErrorRate), us(st.P50), us(st.P90), us(st.P99), us(st.P999), us(st.Max))
		}
		b.WriteString("\n")
	}
	c := &s.All.Counters
	b.WriteString("## Counters\n\n")
	fmt.Fprintf(&b, "- requests: scheduled %d, sent %d, late %d (%s), dropped %d\n", c.Scheduled, c.Sent, c.Late, pct(s.All.LateRate), c.Dropped)
	fmt.Fprintf(&b, "- answers: %s\n", AnswersLine(c))
	if l := NotTokenLine(c); l != "" {
		fmt.Fprintf(&b, "- %s\n", mdRed(l))
	}
	fmt.Fprintf(&b, "- status: %s\n", mapLine(c.Status))
	if len(c.ErrorCodes) > 0 {
		fmt.Fprintf(&b, "- error codes: %s\n", mapLine(c.ErrorCodes))
	}
	fmt.Fprintf(&b, "- bytes: out %s, in %s\n", bytesH(c.BytesOut), bytesH(c.BytesIn))
	if l := CeilingLine(run); l != "" {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	if s.CPU != nil {
		fmt.Fprintf(&b, "- generator CPU: %.2f cores (%.0f%% of GOMAXPROCS)", s.CPU.Cores, s.CPU.Share*100)
		if s.CPU.Process != "" {
			fmt.Fprintf(&b, "; includes %s", s.CPU.Process)
		}
		b.WriteString("\n")
	}
	if p := s.Pool; p != nil {
		fmt.Fprintf(&b, "- assertion pool: minted %d (%.0f/s), used %d, discarded %d, starved %d\n", p.Minted, p.MintRate, p.Used, p.Discarded, p.Starved)
	}
	if len(s.Thresholds) > 0 {
		b.WriteString("\n## Thresholds\n\n| threshold | actual | result |\n|---|--:|---|\n")
		for _, t := range s.Thresholds {
			res := "pass"
			if !t.Pass {
				res = "**FAILED**"
			}
			parts := strings.Fields(t.Describe())
			actual := ""
			if len(parts) >= 3 {
				actual = parts[len(parts)-2]
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", t.Source, actual, res)
		}
	}
	notes := Notes(run)
	if len(notes)+len(s.Warnings) > 0 {
		b.WriteString("\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", mdEsc(n))
		}
		for _, n := range s.Warnings {
			fmt.Fprintf(&b, "- **warning:** %s\n", mdEsc(n))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdRed marks an alarm red in Markdown: a red circle (every renderer
// shows it in colour) and bold text in a red span (where HTML is allowed).
func mdRed(s string) string {
	return `🔴 <span style="color:#b42318">**` + mdEsc(s) + `**</span>`
}

func mdEsc(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
