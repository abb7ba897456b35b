// Package expect reads and writes the expected deviations file of
// `jwtharness conform --expect` and applies it to a run: a baseline of
// known FAILs and ERRORs (by case and flow) and known findings (by ID),
// each with the reason it is known. With a baseline the gate fails only on
// new FAILs and ERRORs, on new gating findings, and on expected ones that no
// longer happen (stale entries, listed so that they are removed).
//
// The file is YAML:
//
//	# jwtharness expected deviations
//	expected:
//	  - case: aud-issuer
//	    flow: private_key_jwt
//	    reason: the server accepts only the token endpoint URL as aud (ticket 123)
//	    clause: RFC7523-3        # optional, for the reader
//	  - finding: error-description-charset
//	    reason: quotes in error_description (upstream issue 456)
package expect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// maxFileBytes bounds the expectations file.
const maxFileBytes = 1 << 20

// Entry is one expected deviation: a case at a flow, or a finding.
type Entry struct {
	Case    string `yaml:"case,omitempty"`
	Flow    string `yaml:"flow,omitempty"`
	Finding string `yaml:"finding,omitempty"`
	Reason  string `yaml:"reason"`
	Clause  string `yaml:"clause,omitempty"`
	// Line is the entry's line in the file (0 when built in memory).
	Line int `yaml:"-"`
}

// File is a parsed expectations file.
type File struct {
	Path     string  `yaml:"-"`
	Expected []Entry `yaml:"expected"`
}

// Load reads and validates an expectations file. Unknown keys, unknown
// case IDs, flows and finding IDs, entries without a reason and duplicate
// entries are errors naming the line.
func Load(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("expectations file: %w", err)
	}
	if st.Size() > maxFileBytes {
		return nil, fmt.Errorf("expectations file %s: %d bytes, over the %d-byte limit", path, st.Size(), maxFileBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("expectations file: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("expectations file %s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Parse validates an expectations file's bytes.
func Parse(data []byte) (*File, error) {
	var f File
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		return nil, errors.New(strings.TrimSpace(yaml.FormatError(err, false, true)))
	}
	lines := entryLines(data, len(f.Expected))
	seen := map[string]int{}
	for i := range f.Expected {
		e := &f.Expected[i]
		e.Line = lines[i]
		at := fmt.Sprintf("expected[%d] (line %d)", i, e.Line)
		switch {
		case e.Finding != "" && (e.Case != "" || e.Flow != ""):
			return nil, fmt.Errorf("%s: an entry names either a case and a flow, or a finding, not both", at)
		case e.Finding != "":
			if _, ok := catalog.FindingDef(e.Finding); !ok {
				return nil, fmt.Errorf("%s: unknown finding %q (known: %s)", at, e.Finding, strings.Join(catalog.FindingIDs(), ", "))
			}
		case e.Case == "":
			return nil, fmt.Errorf("%s: an entry needs case and flow, or finding", at)
		default:
			if _, ok := catalog.Lookup(e.Case); !ok && e.Case != catalog.UnsupportedCaseID {
				return nil, fmt.Errorf("%s: unknown case %q (jwtharness cases lists them)", at, e.Case)
			}
			flow, err := parseFlow(e.Flow)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
			e.Flow = string(flow)
		}
		if strings.TrimSpace(e.Reason) == "" {
			return nil, fmt.Errorf("%s: reason is required (say why the deviation is known)", at)
		}
		k := e.key()
		if j, dup := seen[k]; dup {
			return nil, fmt.Errorf("%s: duplicates the entry on line %d", at, j)
		}
		seen[k] = e.Line
	}
	return &f, nil
}

func parseFlow(s string) (fixtures.Flow, error) {
	for _, f := range fixtures.Flows {
		if strings.EqualFold(s, string(f)) || strings.EqualFold(s, f.Short()) {
			return f, nil
		}
	}
	if s == "" {
		return "", errors.New("flow is required with case (jwt_bearer, private_key_jwt or client_secret_jwt)")
	}
	return "", fmt.Errorf("unknown flow %q (want jwt_bearer, private_key_jwt or client_secret_jwt)", s)
}

func (e Entry) key() string {
	if e.Finding != "" {
		return "finding:" + e.Finding
	}
	return e.Case + "@" + e.Flow
}

// entryLines finds the line of each item of the expected list.
func entryLines(data []byte, n int) []int {
	out := make([]int, n)
	for i := range out {
		p, err := yaml.PathString(fmt.Sprintf("$.expected[%d]", i))
		if err != nil {
			continue
		}
		node, err := p.ReadNode(bytes.NewReader(data))
		if err != nil || node == nil || node.GetToken() == nil {
			continue
		}
		out[i] = node.GetToken().Position.Line
	}
	return out
}

// Apply marks the run's FAIL, ERROR and WARN verdicts and the findings the
// file expects (Verdict.Baseline, Finding.Baseline) and lists the entries
// that did not happen as stale: a case@flow that ran and ended PASS, INFO
// or SKIP (the deviation was not seen), or a finding not seen in a
// run of the whole catalog. Entries for cases the run's filter left out
// are neither applied nor stale.
func Apply(r *reports.Run, f *File) {
	r.Expectations = f.Path
	if r.Expectations == "" {
		r.Expectations = "expectations"
	}
	verdicts := map[string]*reports.Verdict{}
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		verdicts[v.Case+"@"+v.Flow] = v
	}
	findings := map[string]*reports.Finding{}
	for i := range r.Findings {
		findings[r.Findings[i].ID] = &r.Findings[i]
	}
	for _, e := range f.Expected {
		if e.Finding != "" {
			if fd := findings[e.Finding]; fd != nil {
				fd.Baseline = e.Reason
			} else if r.Filter == "" {
				r.Stale = append(r.Stale, reports.Stale{Finding: e.Finding, Line: e.Line, Reason: e.Reason, Actual: "not seen in this run"})
			}
			continue
		}
		v := verdicts[e.Case+"@"+e.Flow]
		switch {
		case v == nil:
		case v.Outcome == reports.Fail || v.Outcome == reports.Error || v.Outcome == reports.Warn:
			v.Baseline = e.Reason
		default:
			actual := string(v.Outcome)
			if v.Reason != "" {
				actual += ": " + v.Reason
			}
			r.Stale = append(r.Stale, reports.Stale{Case: e.Case, Flow: e.Flow, Line: e.Line, Reason: e.Reason, Actual: actual})
		}
	}
}

// FromRun builds the expectations of a run: every verdict and finding
// that gates it (FAIL, ERROR and MUST findings; with --strict also WARN),
// with its clause and a reason to be reviewed.
func FromRun(r *reports.Run) *File {
	f := &File{}
	for _, v := range r.Sorted() {
		if !v.Gates(r.Strict) && v.Baseline == "" {
			continue
		}
		reason := v.Baseline
		if reason == "" {
			reason = fmt.Sprintf("TODO: say why this %s is known. Seen: %s", v.Outcome, oneLine(nonEmpty(v.Reason, v.Actual), 200))
		}
		f.Expected = append(f.Expected, Entry{Case: v.Case, Flow: v.Flow, Reason: reason, Clause: v.Clause})
	}
	for _, fd := range r.SortedFindings() {
		if !fd.Gates(r.Strict) && fd.Baseline == "" {
			continue
		}
		reason := fd.Baseline
		if reason == "" {
			reason = fmt.Sprintf("TODO: say why this finding is known. Seen in %d runs, e.g. %s", len(fd.Seen), oneLine(fd.Example, 160))
		}
		f.Expected = append(f.Expected, Entry{Finding: fd.ID, Reason: reason, Clause: fd.Clause})
	}
	sort.SliceStable(f.Expected, func(i, j int) bool { return f.Expected[i].Finding != "" && f.Expected[j].Finding == "" })
	return f
}

// Write writes f as YAML with a header saying how it was made.
func Write(w io.Writer, f *File, header string) error {
	var b strings.Builder
	b.WriteString("# jwtharness expected deviations (conform --expect FILE)\n")
	for _, l := range strings.Split(strings.TrimSpace(header), "\n") {
		if l != "" {
			b.WriteString("# " + l + "\n")
		}
	}
	b.WriteString("# Every entry needs a reason: replace each TODO with why the deviation is known.\n")
	if len(f.Expected) == 0 {
		b.WriteString("expected: []\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	out, err := yaml.MarshalWithOptions(struct {
		Expected []Entry `yaml:"expected"`
	}{f.Expected}, yaml.IndentSequence(true))
	if err != nil {
		return err
	}
	b.Write(out)
	_, err = io.WriteString(w, b.String())
	return err
}

// WriteFile writes f to path (0644), through a temporary file.
func WriteFile(path string, f *File, header string) error {
	var buf bytes.Buffer
	if err := Write(&buf, f, header); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
