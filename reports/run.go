package reports

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Run is the record of one conformance run: what was tested, how it was
// selected, and every verdict. It never holds secrets.
type Run struct {
	Tool     string     `json:"tool"`    // "jwtharness"
	Version  string     `json:"version"` // tool version
	Target   TargetInfo `json:"target"`
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished"`
	Seed     int64      `json:"seed"`             // Ginkgo random seed
	Filter   string     `json:"filter,omitempty"` // the label filter that selected the cases
	Strict   bool       `json:"strict"`           // WARN and WARN findings gate like FAIL
	// Complete is set when every selected case ran to a verdict. A run
	// that stopped early (interrupt, unreachable endpoint) keeps what it
	// has, with Complete false and Incomplete saying why.
	Complete   bool   `json:"complete"`
	Incomplete string `json:"incomplete,omitempty"`
	// Findings are the response deviations seen across cases, once per
	// root cause (see Finding); reports show them before the verdicts.
	Findings []Finding `json:"findings"`
	// Expectations is the expected deviations file the gate used (conform
	// --expect), Stale its entries that did not happen (they gate).
	Expectations string    `json:"expectations,omitempty"`
	Stale        []Stale   `json:"stale,omitempty"`
	Verdicts     []Verdict `json:"verdicts"`
}

// TargetInfo describes the endpoint under test: no credentials, no secrets.
type TargetInfo struct {
	URL      string   `json:"url"`                // token endpoint
	Audience string   `json:"audience,omitempty"` // what the endpoint expects in aud
	Issuer   string   `json:"issuer,omitempty"`
	Profile  string   `json:"profile,omitempty"` // rfc7523, rfc7523bis
	Flows    []string `json:"flows,omitempty"`   // flows the target offers
	Source   string   `json:"source,omitempty"`  // the target file, or "embedded reference server"
}

// Summary counts verdicts by outcome, and the run's findings.
type Summary struct {
	Total int `json:"total"`
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Info  int `json:"info"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
	// Findings counts distinct findings, FindingsFail those whose clause is a MUST.
	Findings     int `json:"findings"`
	FindingsFail int `json:"findings_fail"`
	// Expected counts FAIL/ERROR verdicts and findings the baseline expects;
	// Stale the baseline entries that did not happen.
	Expected int `json:"expected,omitempty"`
	Stale    int `json:"stale,omitempty"`
}

// Add counts one outcome.
func (s *Summary) Add(o Outcome) {
	s.Total++
	switch o {
	case Pass:
		s.Pass++
	case Fail:
		s.Fail++
	case Warn:
		s.Warn++
	case Info:
		s.Info++
	case Skip:
		s.Skip++
	case Error:
		s.Error++
	}
}

// Count returns the number of verdicts with outcome o.
func (s Summary) Count(o Outcome) int {
	switch o {
	case Pass:
		return s.Pass
	case Fail:
		return s.Fail
	case Warn:
		return s.Warn
	case Info:
		return s.Info
	case Skip:
		return s.Skip
	case Error:
		return s.Error
	}
	return 0
}

// Outcomes lists the outcomes in report order.
var Outcomes = []Outcome{Fail, Error, Warn, Info, Pass, Skip}

// Summary counts the run's verdicts and findings.
func (r *Run) Summary() Summary {
	var s Summary
	for _, v := range r.Verdicts {
		s.Add(v.Outcome)
		if v.Baselined() {
			s.Expected++
		}
	}
	s.Findings = len(r.Findings)
	for _, f := range r.Findings {
		if f.Outcome == Fail {
			s.FindingsFail++
		}
		if f.Baseline != "" {
			s.Expected++
		}
	}
	s.Stale = len(r.Stale)
	return s
}

// Gates reports whether a verdict fails the conformance gate: FAIL and
// ERROR always, WARN when strict, unless the expected deviations baseline
// lists them. INFO (an undeclared policy observed) never gates.
func (v Verdict) Gates(strict bool) bool {
	if v.Baselined() {
		return false
	}
	return v.Outcome == Fail || v.Outcome == Error || (strict && v.Outcome == Warn)
}

// Baselined reports whether the baseline lists this verdict as a known
// deviation (a FAIL, ERROR or WARN it expects).
func (v Verdict) Baselined() bool {
	return v.Baseline != "" && (v.Outcome == Fail || v.Outcome == Error || v.Outcome == Warn)
}

// Gating lists the verdicts that fail the gate, in report order.
func (r *Run) Gating() []Verdict {
	var out []Verdict
	for _, v := range r.Sorted() {
		if v.Gates(r.Strict) {
			out = append(out, v)
		}
	}
	return out
}

// GatingFindings lists the findings that fail the gate, in report order.
func (r *Run) GatingFindings() []Finding {
	var out []Finding
	for _, f := range r.SortedFindings() {
		if f.Gates(r.Strict) {
			out = append(out, f)
		}
	}
	return out
}

// SortedFindings returns the findings gating first (FAIL, then WARN), by ID.
func (r *Run) SortedFindings() []Finding {
	out := slices.Clone(r.Findings)
	sortFindings(out)
	return out
}

// Gated reports whether anything fails the gate: a verdict, a finding or
// a stale baseline entry.
func (r *Run) Gated() bool {
	return len(r.Gating()) > 0 || len(r.GatingFindings()) > 0 || len(r.Stale) > 0
}

// Conformant reports whether the run completed and nothing fails the gate.
func (r *Run) Conformant() bool {
	return r.Complete && !r.Gated()
}

// Status is the run's one-word result: CONFORMANT, NOT CONFORMANT or
// INCOMPLETE (nothing failed, but not every case ran).
func (r *Run) Status() string {
	switch {
	case r.Gated():
		return "NOT CONFORMANT"
	case !r.Complete:
		return "INCOMPLETE"
	}
	return "CONFORMANT"
}

// Duration is Finished - Started (zero when unfinished).
func (r *Run) Duration() time.Duration {
	if r.Finished.IsZero() || r.Started.IsZero() {
		return 0
	}
	return r.Finished.Sub(r.Started)
}

// flowOrder sorts report keys grant, client-pk, client-hs.
func flowRank(flow string) int {
	switch flow {
	case "jwt_bearer":
		return 0
	case "private_key_jwt":
		return 1
	case "client_secret_jwt":
		return 2
	}
	return 3
}

// Sorted returns the verdicts ordered by family, case ID and flow, the order
// every writer uses, so reports of the same run are byte-for-byte stable.
func (r *Run) Sorted() []Verdict {
	out := slices.Clone(r.Verdicts)
	slices.SortStableFunc(out, func(a, b Verdict) int {
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Case, b.Case),
			cmp.Compare(flowRank(a.Flow), flowRank(b.Flow)), cmp.Compare(a.Key, b.Key))
	})
	return out
}

// Families returns the sorted verdicts grouped by family, in family order.
func (r *Run) Families() []Family {
	var out []Family
	for _, v := range r.Sorted() {
		if len(out) == 0 || out[len(out)-1].Name != v.Family {
			out = append(out, Family{Name: v.Family})
		}
		f := &out[len(out)-1]
		f.Verdicts = append(f.Verdicts, v)
		f.Summary.Add(v.Outcome)
	}
	return out
}

// Family is the verdicts of one case family.
type Family struct {
	Name     string
	Summary  Summary
	Verdicts []Verdict
}

// Name is the report name of a verdict: "aud-wrong@grant [MUST RFC7523-3]".
func (v Verdict) Name() string {
	key := v.Key
	if key == "" {
		key = v.Case
	}
	tag := v.Level
	if v.Clause != "" {
		tag += " " + v.Clause
	}
	if tag == "" {
		return key
	}
	return key + " [" + tag + "]"
}

// jsonRun is the JSON shape: the run plus its summary and status.
type jsonRun struct {
	Schema  int     `json:"schema"`
	Status  string  `json:"status"`
	Summary Summary `json:"summary"`
	*Run
}

// SchemaVersion is the version of the JSON report shape (2: findings,
// INFO, baseline and stale entries).
const SchemaVersion = 2

// WriteJSON writes the canonical record: indented JSON, verdicts sorted.
func WriteJSON(w io.Writer, r *Run) error {
	c := *r
	c.Verdicts = r.Sorted()
	if c.Verdicts == nil {
		c.Verdicts = []Verdict{}
	}
	c.Findings = r.SortedFindings()
	if c.Findings == nil {
		c.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(jsonRun{Schema: SchemaVersion, Status: r.Status(), Summary: r.Summary(), Run: &c})
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Run, error) {
	var j jsonRun
	j.Run = &Run{}
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&j); err != nil {
		return nil, fmt.Errorf("reading JSON report: %w", err)
	}
	if j.Schema > SchemaVersion {
		return nil, fmt.Errorf("JSON report schema %d is newer than this tool's %d", j.Schema, SchemaVersion)
	}
	return j.Run, nil
}

// Format is one report format and the file it is written to.
type Format struct {
	Name  string // json, junit, markdown, html
	File  string // report.json, junit.xml, report.md, report.html
	Write func(io.Writer, *Run) error
}

// Formats lists every report format WriteAll writes.
var Formats = []Format{
	{"json", "report.json", WriteJSON},
	{"junit", "junit.xml", WriteJUnit},
	{"markdown", "report.md", WriteMarkdown},
	{"html", "report.html", WriteHTML},
}

// WriteAll writes every format into dir (created if needed) and returns the
// paths written. It writes each file it can even when another fails, and
// is meant to be called whatever the run's outcome.
func WriteAll(dir string, r *Run) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	var paths []string
	var errs []error
	for _, f := range Formats {
		p := filepath.Join(dir, f.File)
		if err := writeFile(p, r, f.Write); err != nil {
			errs = append(errs, fmt.Errorf("writing %s: %w", p, err))
			continue
		}
		paths = append(paths, p)
	}
	return paths, errors.Join(errs...)
}

// writeFile writes through a temporary file, so a reader never sees half a report.
func writeFile(path string, r *Run, write func(io.Writer, *Run) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
