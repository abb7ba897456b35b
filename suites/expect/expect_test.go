package expect

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/reports"
)

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown case", "expected:\n  - case: aud-wrong\n    flow: grant\n    reason: x\n  - case: no-such-case\n    flow: grant\n    reason: y\n", `(line 5): unknown case "no-such-case"`},
		{"unknown flow", "expected:\n  - case: aud-wrong\n    flow: saml\n    reason: x\n", `(line 2): unknown flow "saml"`},
		{"no reason", "expected:\n  - case: aud-wrong\n    flow: grant\n", "(line 2): reason is required"},
		{"unknown finding", "expected:\n  - finding: nope\n    reason: x\n", `(line 2): unknown finding "nope"`},
		{"both", "expected:\n  - finding: server-error\n    case: aud-wrong\n    reason: x\n", "not both"},
		{"duplicate", "expected:\n  - case: aud-wrong\n    flow: grant\n    reason: x\n  - case: aud-wrong\n    flow: jwt_bearer\n    reason: y\n", "duplicates the entry on line 2"},
		{"unknown key", "expected:\n  - case: aud-wrong\n    flow: grant\n    reason: x\n    because: y\n", "because"},
	} {
		_, err := Parse([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestApplyAndStale(t *testing.T) {
	f, err := Parse([]byte(`expected:
  - case: aud-wrong
    flow: jwt_bearer
    reason: known (ticket 1)
  - case: aud-missing
    flow: grant
    reason: fixed since
  - finding: error-description-charset
    reason: quotes in descriptions
  - finding: server-error
    reason: fixed too
`))
	if err != nil {
		t.Fatal(err)
	}
	r := &reports.Run{Complete: true,
		Verdicts: []reports.Verdict{
			{Case: "aud-wrong", Key: "aud-wrong@grant", Flow: "jwt_bearer", Outcome: reports.Fail},
			{Case: "aud-missing", Key: "aud-missing@grant", Flow: "jwt_bearer", Outcome: reports.Pass},
			{Case: "aud-empty", Key: "aud-empty@grant", Flow: "jwt_bearer", Outcome: reports.Fail},
		},
		Findings: []reports.Finding{{ID: "error-description-charset", Outcome: reports.Fail, Seen: []string{"aud-wrong@grant"}}},
	}
	Apply(r, f)
	if r.Verdicts[0].Baseline == "" || r.Findings[0].Baseline == "" {
		t.Errorf("expected FAIL and finding not marked: %+v %+v", r.Verdicts[0], r.Findings[0])
	}
	if len(r.Stale) != 2 || r.Stale[0].Case != "aud-missing" || r.Stale[0].Line != 5 || r.Stale[1].Finding != "server-error" {
		t.Errorf("stale = %+v", r.Stale)
	}
	if g := r.Gating(); len(g) != 1 || g[0].Case != "aud-empty" {
		t.Errorf("only the new FAIL gates among verdicts: %+v", g)
	}
	if !r.Gated() {
		t.Error("stale entries and the new FAIL must gate")
	}

	var buf bytes.Buffer
	if err := Write(&buf, FromRun(r), "from a test run"); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("written file does not parse: %v\n%s", err, buf.String())
	}
	if len(back.Expected) != 3 || back.Expected[0].Finding != "error-description-charset" {
		t.Errorf("round trip: %+v\n%s", back.Expected, buf.String())
	}
}

// TestReadmeExampleLoads: the expected deviations files shown in README.md
// parse.
func TestReadmeExampleLoads(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1) {
		if !strings.Contains(m[1], "expected:") {
			continue
		}
		n++
		if _, err := Parse([]byte(dedent(m[1]))); err != nil {
			t.Errorf("README expectations example does not parse: %v\n%s", err, m[1])
		}
	}
	if n == 0 {
		t.Error("README.md shows no expectations example")
	}
}

// dedent removes the indentation of the first line from every line (a
// block inside a Markdown list item).
func dedent(s string) string {
	lines := strings.Split(s, "\n")
	pad := len(lines[0]) - len(strings.TrimLeft(lines[0], " "))
	for i, l := range lines {
		if len(l) >= pad && strings.TrimSpace(l[:pad]) == "" {
			lines[i] = l[pad:]
		}
	}
	return strings.Join(lines, "\n")
}

// TestStrictBaseline: under --strict a WARN gates, and a baseline can list
// it; FromRun of a strict run lists WARN verdicts and WARN findings.
func TestStrictBaseline(t *testing.T) {
	r := &reports.Run{Complete: true, Strict: true,
		Verdicts: []reports.Verdict{{Case: "hdr-typ-foreign", Key: "hdr-typ-foreign@grant", Flow: "jwt_bearer", Outcome: reports.Warn}},
		Findings: []reports.Finding{{ID: "error-content-type", Outcome: reports.Warn}}}
	if !r.Gated() {
		t.Fatal("strict WARN must gate")
	}
	f := FromRun(r)
	if len(f.Expected) != 2 {
		t.Fatalf("FromRun(strict) = %+v", f.Expected)
	}
	for i := range f.Expected {
		f.Expected[i].Reason = "known"
	}
	Apply(r, f)
	if r.Gated() || len(r.Stale) != 0 {
		t.Errorf("baselined strict run still gated (stale %+v)", r.Stale)
	}
}
