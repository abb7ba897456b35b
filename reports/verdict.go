// Package reports holds the record of a conformance run (verdicts per case)
// and writes it for people and CI: JSON (the canonical record), JUnit XML,
// Markdown and a self-contained HTML page.
package reports

import "time"

// Outcome is the result of one case against one flow.
type Outcome string

const (
	Pass  Outcome = "PASS"  // the endpoint did what the clause requires
	Fail  Outcome = "FAIL"  // a MUST of the quoted clause, or a declared policy, was broken
	Warn  Outcome = "WARN"  // a SHOULD not followed, an allowed alternative taken, or a finding seen on a correct answer
	Info  Outcome = "INFO"  // an observation about a policy the target does not declare: never gating, not even with --strict
	Skip  Outcome = "SKIP"  // the target does not offer what the case needs; Reason says what
	Error Outcome = "ERROR" // the harness could not complete the case; never counted as PASS
)

// Verdict is the outcome of one case for one flow, with its evidence.
type Verdict struct {
	Case       string        `json:"case"` // stable case ID, e.g. "aud-wrong"
	Key        string        `json:"key"`  // case ID and flow, e.g. "aud-wrong@grant"
	Title      string        `json:"title"`
	Family     string        `json:"family"`
	Flow       string        `json:"flow"`
	Level      string        `json:"level"`  // MUST, SHOULD, MAY, POLICY
	Clause     string        `json:"clause"` // e.g. "RFC7523-3"
	ClauseURL  string        `json:"clause_url,omitempty"`
	Outcome    Outcome       `json:"outcome"`
	Expected   string        `json:"expected,omitempty"`
	Actual     string        `json:"actual,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
	Transcript string        `json:"transcript,omitempty"` // redacted HTTP exchanges
	Repro      string        `json:"repro,omitempty"`      // one-line reproduction command
	// Findings are the IDs of the response findings (root causes reported
	// once per run, see Finding) this case@flow run observed.
	Findings []string `json:"findings,omitempty"`
	// FindingDetails says what was seen for each finding ID.
	FindingDetails map[string]string `json:"finding_details,omitempty"`
	// FindingsOnly marks a WARN whose case's own subject held: only the
	// findings (reported once each) made it a WARN.
	FindingsOnly bool `json:"findings_only,omitempty"`
	// Baseline is the reason given for this verdict in the expected
	// deviations file (conform --expect): a FAIL or ERROR listed there does
	// not gate the run.
	Baseline string `json:"baseline,omitempty"`
}
