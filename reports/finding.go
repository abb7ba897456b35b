package reports

import (
	"cmp"
	"slices"
)

// Finding is one response deviation reported once per run, whatever the
// number of cases that provoked it: an error_description outside the RFC
// 6749 charset, a 401 without WWW-Authenticate, a 5xx for a client error.
// Cases are judged on their own subject (was the aud refused?); a finding
// seen along the way is listed here with every case@flow run that saw it.
type Finding struct {
	ID        string  `json:"id"`    // stable slug, e.g. "error-description-charset"
	Title     string  `json:"title"` // one line
	Level     string  `json:"level"` // MUST gates (FAIL); anything else is a WARN
	Clause    string  `json:"clause"`
	ClauseURL string  `json:"clause_url,omitempty"`
	Quote     string  `json:"quote,omitempty"`
	Outcome   Outcome `json:"outcome"`           // FAIL (its clause is a MUST) or WARN
	Example   string  `json:"example,omitempty"` // what the first run that saw it got
	// Seen lists the case@flow keys (Verdict.Key) where it was observed, sorted.
	Seen []string `json:"seen"`
	// Baseline is the reason given in the expected deviations file, if any.
	Baseline string `json:"baseline,omitempty"`
}

// Gates reports whether the finding fails the conformance gate: a FAIL
// always (unless expected by the baseline), a WARN when strict.
func (f Finding) Gates(strict bool) bool {
	if f.Baseline != "" {
		return false
	}
	return f.Outcome == Fail || (strict && f.Outcome == Warn)
}

// Name is the report name of a finding: "error-description-charset [MUST RFC6749-5.2]".
func (f Finding) Name() string {
	tag := f.Level
	if f.Clause != "" {
		tag += " " + f.Clause
	}
	if tag == "" {
		return f.ID
	}
	return f.ID + " [" + tag + "]"
}

// CollectFindings builds the run's findings from the verdicts' finding
// IDs: def describes an ID (title, level, clause), and each finding lists
// every verdict that saw it, with the first one's Actual as its example.
// Unknown IDs (def returns false) get a bare finding of level SHOULD.
func CollectFindings(verdicts []Verdict, def func(id string) (Finding, bool)) []Finding {
	byID := map[string]*Finding{}
	sorted := slices.Clone(verdicts)
	slices.SortStableFunc(sorted, func(a, b Verdict) int { return cmp.Compare(a.Key, b.Key) })
	for _, v := range sorted {
		for _, id := range v.Findings {
			f := byID[id]
			if f == nil {
				d, ok := def(id)
				if !ok {
					d = Finding{ID: id, Title: id, Level: "SHOULD"}
				}
				d.ID = id
				d.Outcome = Warn
				if d.Level == "MUST" {
					d.Outcome = Fail
				}
				d.Example = v.Actual
				if x := v.FindingDetails[id]; x != "" {
					d.Example = x
				}
				d.Seen = nil
				f = &d
				byID[id] = f
			}
			if !slices.Contains(f.Seen, v.Key) {
				f.Seen = append(f.Seen, v.Key)
			}
		}
	}
	out := make([]Finding, 0, len(byID))
	for _, f := range byID {
		out = append(out, *f)
	}
	sortFindings(out)
	return out
}

// sortFindings orders findings gating first (FAIL before WARN), then by ID.
func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(outcomeRank(a.Outcome), outcomeRank(b.Outcome)), cmp.Compare(a.ID, b.ID))
	})
}

func outcomeRank(o Outcome) int {
	for i, x := range Outcomes {
		if x == o {
			return i
		}
	}
	return len(Outcomes)
}

// Stale is an entry of the expected deviations file that did not happen in
// this run: the deviation was fixed (or the case did not run), so the entry
// must be removed. A stale entry fails the gate.
type Stale struct {
	Case    string `json:"case,omitempty"`    // case ID (case entries)
	Flow    string `json:"flow,omitempty"`    // flow (case entries)
	Finding string `json:"finding,omitempty"` // finding ID (finding entries)
	Line    int    `json:"line,omitempty"`    // line in the expectations file
	Reason  string `json:"reason"`            // the entry's reason
	Actual  string `json:"actual"`            // what the run recorded instead
}

// Name is "case@flow" or "finding ID".
func (s Stale) Name() string {
	if s.Finding != "" {
		return "finding " + s.Finding
	}
	return s.Case + "@" + s.Flow
}
