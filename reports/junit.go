package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// JUnit XML shapes (the subset Jenkins, GitLab and GitHub annotators read).
type (
	// JUnitTestSuites is the document root: run totals and properties.
	JUnitTestSuites struct {
		XMLName    xml.Name         `xml:"testsuites"`
		Name       string           `xml:"name,attr"`
		Tests      int              `xml:"tests,attr"`
		Failures   int              `xml:"failures,attr"`
		Errors     int              `xml:"errors,attr"`
		Skipped    int              `xml:"skipped,attr"`
		Time       string           `xml:"time,attr"`
		Timestamp  string           `xml:"timestamp,attr,omitempty"`
		Properties []JUnitProperty  `xml:"properties>property,omitempty"`
		Suites     []JUnitTestSuite `xml:"testsuite"`
	}
	// JUnitProperty is one name/value run property (tool, target, seed, ...).
	JUnitProperty struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	// JUnitTestSuite is one case family.
	JUnitTestSuite struct {
		Name      string          `xml:"name,attr"`
		Package   string          `xml:"package,attr,omitempty"`
		Tests     int             `xml:"tests,attr"`
		Failures  int             `xml:"failures,attr"`
		Errors    int             `xml:"errors,attr"`
		Skipped   int             `xml:"skipped,attr"`
		Time      string          `xml:"time,attr"`
		Timestamp string          `xml:"timestamp,attr,omitempty"`
		Cases     []JUnitTestCase `xml:"testcase"`
	}
	// JUnitTestCase is one verdict, named "ID@flow [LEVEL CLAUSE]".
	JUnitTestCase struct {
		Name      string        `xml:"name,attr"`
		Classname string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *JUnitProblem `xml:"failure,omitempty"`
		Error     *JUnitProblem `xml:"error,omitempty"`
		Skipped   *JUnitSkipped `xml:"skipped,omitempty"`
		SystemOut string        `xml:"system-out,omitempty"`
	}
	// JUnitProblem is a failure (FAIL, strict WARN) or an error (ERROR) with its evidence.
	JUnitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Body    string `xml:",chardata"`
	}
	// JUnitSkipped is a SKIP with its reason.
	JUnitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// evidence is the multi-line account of a verdict: expected, actual,
// reason, clause, transcript and the reproduction command.
func evidence(v Verdict) string {
	var b strings.Builder
	line := func(k, val string) {
		if val != "" {
			fmt.Fprintf(&b, "%-9s %s\n", k+":", val)
		}
	}
	line("Case", v.Key+": "+v.Title)
	line("Clause", strings.TrimSpace(v.Level+" "+v.Clause+" "+v.ClauseURL))
	line("Outcome", string(v.Outcome))
	line("Expected", v.Expected)
	line("Actual", v.Actual)
	line("Reason", v.Reason)
	line("Repro", v.Repro)
	if v.Transcript != "" {
		b.WriteString("\nTranscript (secrets redacted):\n")
		b.WriteString(v.Transcript)
		if !strings.HasSuffix(v.Transcript, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// message is a verdict's one-line failure message.
func message(v Verdict) string {
	parts := []string{}
	if v.Expected != "" {
		parts = append(parts, "expected "+v.Expected)
	}
	if v.Actual != "" {
		parts = append(parts, "got "+v.Actual)
	}
	if len(parts) == 0 && v.Reason != "" {
		parts = append(parts, v.Reason)
	}
	return strings.Join(parts, "; ")
}

// JUnit converts a run: first a "findings" testsuite (one testcase per
// distinct finding, a failure when its clause is a MUST), then one
// testsuite per family, one testcase per verdict named
// "aud-wrong@grant [MUST RFC7523-3]". FAIL is a failure, ERROR an error,
// SKIP skipped with its reason; WARN passes with a system-out note, or is
// a failure when the run is strict; INFO passes with a note. A FAIL or
// ERROR the baseline expects passes with a note; a stale baseline entry is
// a failure in a "baseline" testsuite.
func JUnit(r *Run) JUnitTestSuites {
	s := r.Summary()
	out := JUnitTestSuites{
		Name: "jwtharness conformance",
		Time: seconds(r.Duration()),
		Properties: []JUnitProperty{
			{"tool", strings.TrimSpace(r.Tool + " " + r.Version)},
			{"target", r.Target.URL},
			{"profile", r.Target.Profile},
			{"seed", fmt.Sprint(r.Seed)},
			{"filter", r.Filter},
			{"strict", fmt.Sprint(r.Strict)},
			{"complete", fmt.Sprint(r.Complete)},
			{"status", r.Status()},
			{"findings", fmt.Sprint(s.Findings)},
		},
	}
	if r.Expectations != "" {
		out.Properties = append(out.Properties, JUnitProperty{"expectations", r.Expectations})
	}
	if !r.Started.IsZero() {
		out.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	if fs := r.SortedFindings(); len(fs) > 0 {
		ts := JUnitTestSuite{Name: "findings", Package: "jwtharness.findings", Timestamp: out.Timestamp, Time: seconds(0)}
		for _, f := range fs {
			tc := JUnitTestCase{Name: f.Name(), Classname: "jwtharness.findings", Time: seconds(0)}
			body := findingEvidence(f)
			switch {
			case f.Gates(r.Strict):
				tc.Failure = &JUnitProblem{Message: f.Title + fmt.Sprintf(" (seen in %d runs)", len(f.Seen)), Type: f.Level, Body: body}
				ts.Failures++
			case f.Baseline != "":
				tc.SystemOut = "EXPECTED " + string(f.Outcome) + " (baseline): " + f.Baseline + "\n" + body
			default:
				tc.SystemOut = "WARNING: " + body
			}
			ts.Cases = append(ts.Cases, tc)
		}
		ts.Tests = len(ts.Cases)
		out.Suites = append(out.Suites, ts)
	}
	for _, fam := range r.Families() {
		ts := JUnitTestSuite{Name: fam.Name, Package: "jwtharness." + fam.Name, Timestamp: out.Timestamp}
		var total time.Duration
		for _, v := range fam.Verdicts {
			total += v.Duration
			tc := JUnitTestCase{Name: v.Name(), Classname: "jwtharness." + fam.Name, Time: seconds(v.Duration)}
			switch {
			case v.Baselined():
				tc.SystemOut = "EXPECTED " + string(v.Outcome) + " (baseline): " + v.Baseline + "\n" + evidence(v)
			case v.Outcome == Fail:
				tc.Failure = &JUnitProblem{Message: message(v), Type: v.Level, Body: evidence(v)}
				ts.Failures++
			case v.Outcome == Error:
				tc.Error = &JUnitProblem{Message: nonEmptyStr(v.Reason, message(v)), Type: "ERROR", Body: evidence(v)}
				ts.Errors++
			case v.Outcome == Skip:
				tc.Skipped = &JUnitSkipped{Message: v.Reason}
				ts.Skipped++
			case v.Outcome == Warn:
				if r.Strict {
					tc.Failure = &JUnitProblem{Message: "WARN (strict): " + message(v), Type: "WARN", Body: evidence(v)}
					ts.Failures++
				} else {
					tc.SystemOut = "WARNING: " + evidence(v)
				}
			case v.Outcome == Info:
				tc.SystemOut = "INFO: " + evidence(v)
			}
			ts.Cases = append(ts.Cases, tc)
		}
		ts.Tests = len(ts.Cases)
		ts.Time = seconds(total)
		out.Suites = append(out.Suites, ts)
	}
	if len(r.Stale) > 0 {
		ts := JUnitTestSuite{Name: "baseline", Package: "jwtharness.baseline", Timestamp: out.Timestamp, Time: seconds(0)}
		for _, st := range r.Stale {
			ts.Cases = append(ts.Cases, JUnitTestCase{Name: "stale " + st.Name(), Classname: "jwtharness.baseline", Time: seconds(0),
				Failure: &JUnitProblem{Message: "expected in " + r.Expectations + " but did not happen: " + st.Actual, Type: "STALE",
					Body: fmt.Sprintf("Entry:    %s (line %d)\nReason:   %s\nActual:   %s\n", st.Name(), st.Line, st.Reason, st.Actual)}})
			ts.Failures++
		}
		ts.Tests = len(ts.Cases)
		out.Suites = append(out.Suites, ts)
	}
	for _, ts := range out.Suites {
		out.Tests += ts.Tests
		out.Failures += ts.Failures
		out.Errors += ts.Errors
		out.Skipped += ts.Skipped
	}
	return out
}

// findingEvidence is the multi-line account of a finding.
func findingEvidence(f Finding) string {
	var b strings.Builder
	line := func(k, val string) {
		if val != "" {
			fmt.Fprintf(&b, "%-9s %s\n", k+":", val)
		}
	}
	line("Finding", f.ID+": "+f.Title)
	line("Clause", strings.TrimSpace(f.Level+" "+f.Clause+" "+f.ClauseURL))
	line("Quote", f.Quote)
	line("Outcome", string(f.Outcome))
	line("Example", f.Example)
	line("Seen", fmt.Sprintf("%d runs: %s", len(f.Seen), strings.Join(f.Seen, " ")))
	return b.String()
}

func nonEmptyStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// WriteJUnit writes the run as JUnit XML.
func WriteJUnit(w io.Writer, r *Run) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(JUnit(r)); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
