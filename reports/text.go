package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the compact end-of-run summary for a terminal: status,
// counts per outcome, then each gating verdict with its clause and the
// expected and actual answers, then non-gating warnings in one line each.
func WriteText(w io.Writer, r *Run) error {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "\njwtharness conformance: %s\n", r.Status())
	fmt.Fprintf(&b, "  target %s", r.Target.URL)
	if r.Target.Profile != "" {
		fmt.Fprintf(&b, " (%s)", r.Target.Profile)
	}
	fmt.Fprintf(&b, ", %d verdicts", s.Total)
	if d := r.Duration(); d > 0 {
		fmt.Fprintf(&b, " in %s", d.Round(10*time.Millisecond))
	}
	fmt.Fprintf(&b, ", seed %d", r.Seed)
	if r.Strict {
		b.WriteString(", strict")
	}
	b.WriteString("\n")
	if !r.Complete {
		fmt.Fprintf(&b, "  INCOMPLETE: %s\n", nonEmptyStr(r.Incomplete, "not every selected case ran"))
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, o := range Outcomes {
		fmt.Fprintf(tw, "  %s\t%d\t\n", o, s.Count(o))
	}
	tw.Flush()

	if g := r.Gating(); len(g) > 0 {
		fmt.Fprintf(&b, "\nFailures (%d):\n", len(g))
		for i, v := range g {
			if i == maxTextFailures {
				fmt.Fprintf(&b, "  ... and %d more (every one is in the reports: --report-dir)\n", len(g)-i)
				break
			}
			fmt.Fprintf(&b, "  %-5s %s  %s\n", v.Outcome, v.Name(), v.Title)
			m := message(v)
			if m != "" {
				fmt.Fprintf(&b, "        %s\n", oneLine(m, 200))
			}
			if v.Reason != "" && v.Reason != m {
				fmt.Fprintf(&b, "        reason: %s\n", oneLine(v.Reason, 200))
			}
			if v.Repro != "" {
				fmt.Fprintf(&b, "        repro: %s\n", v.Repro)
			}
		}
	}
	if !r.Strict && s.Warn > 0 {
		fmt.Fprintf(&b, "\nWarnings (%d, not gating):\n", s.Warn)
		n := 0
		for _, v := range r.Sorted() {
			if v.Outcome != Warn {
				continue
			}
			if n == maxTextFailures {
				fmt.Fprintf(&b, "  ... and %d more\n", s.Warn-n)
				break
			}
			n++
			fmt.Fprintf(&b, "  WARN  %s  %s\n", v.Name(), oneLine(nonEmptyStr(v.Reason, message(v)), 160))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// maxTextFailures bounds the failures listed on the terminal.
const maxTextFailures = 25

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
