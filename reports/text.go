package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes the compact end-of-run summary for a terminal: status,
// counts per outcome and of findings, then the distinct findings (one line
// each, with the case runs that saw them), then each gating verdict with
// its clause and the expected and actual answers, stale baseline entries,
// then non-gating warnings in one line each.
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
	fmt.Fprintf(tw, "  findings\t%d\t\n", s.Findings)
	fmt.Fprintf(tw, "  MUST findings\t%d\t\n", s.FindingsFail)
	if r.Expectations != "" {
		fmt.Fprintf(tw, "  expected\t%d\t\n", s.Expected)
		fmt.Fprintf(tw, "  stale\t%d\t\n", s.Stale)
	}
	tw.Flush()
	if r.Expectations != "" {
		fmt.Fprintf(&b, "  (baseline %s)\n", r.Expectations)
	}

	if fs := r.SortedFindings(); len(fs) > 0 {
		fmt.Fprintf(&b, "\nFindings (%d distinct, each once):\n", len(fs))
		for i, f := range fs {
			if i == maxTextFailures {
				fmt.Fprintf(&b, "  ... and %d more (every one is in the reports: --report-dir)\n", len(fs)-i)
				break
			}
			fmt.Fprintf(&b, "  %-5s %s  %s%s\n", f.Outcome, f.Name(), f.Title, baselineNote(f.Baseline))
			fmt.Fprintf(&b, "        seen in %d run(s): %s\n", len(f.Seen), oneLine(strings.Join(f.Seen, " "), 160))
			if f.Example != "" {
				fmt.Fprintf(&b, "        e.g. %s\n", oneLine(f.Example, 200))
			}
		}
	}
	if len(r.Stale) > 0 {
		fmt.Fprintf(&b, "\nStale expectations (%d: expected in %s, did not happen; remove them):\n", len(r.Stale), r.Expectations)
		for _, st := range r.Stale {
			line := ""
			if st.Line > 0 {
				line = fmt.Sprintf(" (line %d)", st.Line)
			}
			fmt.Fprintf(&b, "  STALE %s%s: %s\n        now: %s\n", st.Name(), line, oneLine(st.Reason, 160), oneLine(st.Actual, 160))
		}
	}

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
		own, onlyFindings := 0, 0
		for _, v := range r.Verdicts {
			if v.Outcome == Warn && v.FindingsOnly {
				onlyFindings++
			} else if v.Outcome == Warn {
				own++
			}
		}
		fmt.Fprintf(&b, "\nWarnings (%d, not gating", s.Warn)
		if onlyFindings > 0 {
			fmt.Fprintf(&b, "; %d of them only carry the findings above", onlyFindings)
		}
		b.WriteString("):\n")
		n := 0
		for _, v := range r.Sorted() {
			if v.Outcome != Warn || v.FindingsOnly {
				continue
			}
			if n == maxTextFailures {
				fmt.Fprintf(&b, "  ... and %d more\n", own-n)
				break
			}
			n++
			fmt.Fprintf(&b, "  WARN  %s  %s\n", v.Name(), oneLine(nonEmptyStr(v.Reason, message(v)), 160))
		}
	}
	if s.Info > 0 {
		fmt.Fprintf(&b, "\nObservations of policies the target does not declare (%d INFO, never gating):\n", s.Info)
		n := 0
		for _, v := range r.Sorted() {
			if v.Outcome != Info {
				continue
			}
			if n == maxTextFailures {
				fmt.Fprintf(&b, "  ... and %d more\n", s.Info-n)
				break
			}
			n++
			fmt.Fprintf(&b, "  INFO  %s  %s\n", v.Name(), oneLine(nonEmptyStr(v.Reason, message(v)), 160))
		}
	}
	if n := s.Expected; n > 0 {
		fmt.Fprintf(&b, "\nExpected deviations (%d, listed in %s, not gating):\n", n, r.Expectations)
		for _, v := range r.Sorted() {
			if v.Baselined() {
				fmt.Fprintf(&b, "  %-5s %s  expected: %s\n", v.Outcome, v.Name(), oneLine(v.Baseline, 140))
			}
		}
		for _, f := range r.SortedFindings() {
			if f.Baseline != "" {
				fmt.Fprintf(&b, "  %-5s finding %s  expected: %s\n", f.Outcome, f.Name(), oneLine(f.Baseline, 140))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func baselineNote(reason string) string {
	if reason == "" {
		return ""
	}
	return " (expected: " + oneLine(reason, 80) + ")"
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
