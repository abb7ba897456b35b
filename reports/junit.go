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

// JUnit converts a run: one testsuite per family, one testcase per verdict
// named "aud-wrong@grant [MUST RFC7523-3]". FAIL is a failure, ERROR an
// error, SKIP skipped with its reason; WARN passes with a system-out note,
// or is a failure when the run is strict.
func JUnit(r *Run) JUnitTestSuites {
	s := r.Summary()
	out := JUnitTestSuites{
		Name:  "jwtharness conformance",
		Tests: s.Total, Skipped: s.Skip, Errors: s.Error, Failures: s.Fail,
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
		},
	}
	if r.Strict {
		out.Failures += s.Warn
	}
	if !r.Started.IsZero() {
		out.Timestamp = r.Started.UTC().Format("2006-01-02T15:04:05")
	}
	for _, fam := range r.Families() {
		ts := JUnitTestSuite{Name: fam.Name, Package: "jwtharness." + fam.Name, Timestamp: out.Timestamp}
		var total time.Duration
		for _, v := range fam.Verdicts {
			total += v.Duration
			tc := JUnitTestCase{Name: v.Name(), Classname: "jwtharness." + fam.Name, Time: seconds(v.Duration)}
			switch v.Outcome {
			case Fail:
				tc.Failure = &JUnitProblem{Message: message(v), Type: v.Level, Body: evidence(v)}
				ts.Failures++
			case Error:
				tc.Error = &JUnitProblem{Message: nonEmptyStr(v.Reason, message(v)), Type: "ERROR", Body: evidence(v)}
				ts.Errors++
			case Skip:
				tc.Skipped = &JUnitSkipped{Message: v.Reason}
				ts.Skipped++
			case Warn:
				if r.Strict {
					tc.Failure = &JUnitProblem{Message: "WARN (strict): " + message(v), Type: "WARN", Body: evidence(v)}
					ts.Failures++
				} else {
					tc.SystemOut = "WARNING: " + evidence(v)
				}
			}
			ts.Cases = append(ts.Cases, tc)
		}
		ts.Tests = len(ts.Cases)
		ts.Time = seconds(total)
		out.Suites = append(out.Suites, ts)
	}
	return out
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
