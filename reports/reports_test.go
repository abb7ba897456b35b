package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// SampleRun is a small run with every outcome, used by the tests and to
// render the screenshot in docs/screenshots.
func sampleRun() *Run {
	start := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	tr := "> POST http://127.0.0.1:8443/token\n> Content-Type: application/x-www-form-urlencoded\n>\n" +
		"> grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2V2aWwuZXhhbXBsZS90b2tlbiJ9.SIGNATURE-REDACTED\n" +
		"< HTTP 200 OK (3ms)\n< Content-Type: application/json\n<\n< {\"access_token\":\"REDACTED\",\"token_type\":\"Bearer\",\"expires_in\":3600}\n"
	v := func(id, flow, short, fam, level, clause, title string, o Outcome) Verdict {
		return Verdict{Case: id, Key: id + "@" + short, Title: title, Family: fam, Flow: flow, Level: level,
			Clause: clause, ClauseURL: "https://www.rfc-editor.org/rfc/rfc7523#section-3", Outcome: o,
			Duration: 2*time.Millisecond + 345*time.Microsecond}
	}
	fail := v("aud-wrong", "jwt_bearer", "grant", "aud", "MUST", "RFC7523-3", "rejects an aud that is not the token endpoint", Fail)
	fail.Expected = "HTTP 400 error=invalid_grant, no access_token"
	fail.Actual = "HTTP 200 access_token issued"
	fail.Reason = "the endpoint accepted an assertion addressed to https://evil.example/token"
	fail.Transcript = tr
	fail.Repro = "jwtharness token --target target.yaml --case aud-wrong --flow jwt_bearer"
	errV := v("jti-replay", "private_key_jwt", "client-pk", "replay", "MUST", "RFC7523-3", "rejects a replayed jti", Error)
	errV.Reason = "control request failed: HTTP 401 error=invalid_client"
	errV.Transcript = "> POST ...\n< HTTP 401 Unauthorized (1ms)\n<\n< <script>alert(1)</script>\n"
	warn := v("error-desc-charset", "client_secret_jwt", "client-hs", "response", "SHOULD", "RFC6749-5.2", "error_description uses the RFC 6749 charset", Warn)
	warn.Reason = "error_description contains a line feed"
	skip := v("cert-expired", "jwt_bearer", "grant", "signature", "MUST", "RFC7523-3", "rejects a signature by an expired certificate", Skip)
	skip.Reason = "target has no expired_client"
	return &Run{
		Tool: "jwtharness", Version: "v0.1.0",
		Target:  TargetInfo{URL: "http://127.0.0.1:8443/token", Profile: "rfc7523", Flows: []string{"jwt_bearer", "private_key_jwt", "client_secret_jwt"}, Source: "target.yaml"},
		Started: start, Finished: start.Add(1234 * time.Millisecond), Seed: 1764216000,
		Filter: "level:MUST", Complete: true,
		Verdicts: []Verdict{
			warn, fail,
			v("aud-wrong", "private_key_jwt", "client-pk", "aud", "MUST", "RFC7523-3", "rejects an aud that is not the token endpoint", Pass),
			v("aud-missing", "jwt_bearer", "grant", "aud", "MUST", "RFC7523-3", "rejects an assertion without aud", Pass),
			errV, skip,
		},
	}
}

func TestSummaryAndGate(t *testing.T) {
	r := sampleRun()
	s := r.Summary()
	if s != (Summary{Total: 6, Pass: 2, Fail: 1, Warn: 1, Skip: 1, Error: 1}) {
		t.Fatalf("Summary() = %+v", s)
	}
	if got := len(r.Gating()); got != 2 {
		t.Errorf("Gating() = %d verdicts, want 2", got)
	}
	r.Strict = true
	if got := len(r.Gating()); got != 3 {
		t.Errorf("strict Gating() = %d verdicts, want 3", got)
	}
	ok := &Run{Complete: true, Verdicts: []Verdict{{Outcome: Pass}, {Outcome: Warn}, {Outcome: Skip}}}
	if !ok.Conformant() || ok.Status() != "CONFORMANT" {
		t.Errorf("warnings must not gate: %s", ok.Status())
	}
	ok.Complete = false
	if ok.Conformant() || ok.Status() != "INCOMPLETE" {
		t.Errorf("incomplete run: %s", ok.Status())
	}
	if got := sampleRun().Sorted()[0].Key; got != "aud-missing@grant" {
		t.Errorf("first sorted = %s", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	var a, b bytes.Buffer
	r := sampleRun()
	if err := WriteJSON(&a, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("JSON does not round-trip:\n%s\n---\n%s", a.String(), b.String())
	}
	for _, want := range []string{`"status": "NOT CONFORMANT"`, `"complete": true`, `"fail": 1`, `"key": "aud-wrong@grant"`} {
		if !strings.Contains(a.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestJUnitParsesBack(t *testing.T) {
	for _, strict := range []bool{false, true} {
		r := sampleRun()
		r.Strict = strict
		var buf bytes.Buffer
		if err := WriteJUnit(&buf, r); err != nil {
			t.Fatal(err)
		}
		var got JUnitTestSuites
		if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
		}
		if got.Tests != 6 || got.Errors != 1 || got.Skipped != 1 {
			t.Errorf("totals: %+v", got)
		}
		wantFailures := 1
		if strict {
			wantFailures = 2
		}
		if got.Failures != wantFailures {
			t.Errorf("strict=%v: failures = %d, want %d", strict, got.Failures, wantFailures)
		}
		cases := map[string]JUnitTestCase{}
		var suites []string
		for _, s := range got.Suites {
			suites = append(suites, s.Name)
			n := 0
			for _, c := range s.Cases {
				cases[c.Name] = c
				n++
			}
			if s.Tests != n {
				t.Errorf("suite %s: tests=%d, has %d", s.Name, s.Tests, n)
			}
		}
		if strings.Join(suites, ",") != "aud,replay,response,signature" {
			t.Errorf("suites = %v", suites)
		}
		f, ok := cases["aud-wrong@grant [MUST RFC7523-3]"]
		if !ok || f.Failure == nil || !strings.Contains(f.Failure.Message, "expected HTTP 400") ||
			!strings.Contains(f.Failure.Body, "Transcript") || !strings.Contains(f.Failure.Body, "Repro:") {
			t.Errorf("failure case: %+v", f)
		}
		if e := cases["jti-replay@client-pk [MUST RFC7523-3]"]; e.Error == nil || !strings.Contains(e.Error.Body, "<script>") {
			t.Errorf("error case: %+v", e)
		}
		if s := cases["cert-expired@grant [MUST RFC7523-3]"]; s.Skipped == nil || s.Skipped.Message != "target has no expired_client" {
			t.Errorf("skip case: %+v", s)
		}
		w := cases["error-desc-charset@client-hs [SHOULD RFC6749-5.2]"]
		if strict && w.Failure == nil {
			t.Error("strict WARN is not a failure")
		}
		if !strict && (w.Failure != nil || !strings.Contains(w.SystemOut, "WARNING")) {
			t.Errorf("WARN case: %+v", w)
		}
	}
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"NOT CONFORMANT", "| FAIL | 1 |", "| **Total** | **6** |", "### Failures (2)",
		"**FAIL** `aud-wrong@grant` MUST [RFC7523-3](https://www.rfc-editor.org/rfc/rfc7523#section-3)",
		"repro: `jwtharness token", "### Warnings (1", "Skipped (1)"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "<script>") {
		t.Error("markdown carries raw HTML from a transcript")
	}
}

func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	external := regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//`)
	if m := external.FindString(page); m != "" {
		t.Errorf("page loads an external asset: %s", m)
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Error("transcript HTML is not escaped")
	}
	if n := strings.Count(page, `<details class="v`); n != 6 {
		t.Errorf("%d verdict rows, want 6", n)
	}
	for _, want := range []string{"NOT CONFORMANT", `data-family="aud"`, "SIGNATURE-REDACTED", "jwtharness token --target target.yaml", `id="q"`, `<option>jwt_bearer</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestText(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, sampleRun()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"NOT CONFORMANT", "FAIL  aud-wrong@grant [MUST RFC7523-3]", "Failures (2)", "Warnings (1"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	r := sampleRun()
	r.Complete = false
	r.Incomplete = "interrupted"
	paths, err := WriteAll(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 4 {
		t.Fatalf("paths = %v", paths)
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 4 {
		t.Errorf("dir holds %d entries (temp files left?)", len(entries))
	}
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if !strings.Contains(string(b), `"complete": false`) || !strings.Contains(string(b), `"incomplete": "interrupted"`) {
		t.Error("incomplete flag not in report.json")
	}
	if os.Getenv("JWTHARNESS_SAMPLE_REPORT") != "" {
		WriteAll(os.Getenv("JWTHARNESS_SAMPLE_REPORT"), sampleRun())
	}
}

func TestMarkdownBounded(t *testing.T) {
	r := &Run{Complete: true}
	for i := 0; i < 500; i++ {
		r.Verdicts = append(r.Verdicts, Verdict{Case: fmt.Sprintf("c%03d", i), Key: fmt.Sprintf("c%03d@grant", i), Family: "f", Outcome: Fail,
			Level: "MUST", Expected: strings.Repeat("e", 100), Actual: strings.Repeat("a", 100), Reason: strings.Repeat("r", 100),
			Repro: "jwtharness token --case x"})
	}
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, r); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 60000 || !strings.Contains(buf.String(), "and 450 more") {
		t.Errorf("markdown is %d bytes; want a bounded list", buf.Len())
	}
}

// findingsRun is a run with an INFO verdict, two findings (one MUST), an
// expected FAIL and a stale expectation.
func findingsRun() *Run {
	v := func(key, id string, o Outcome, findings ...string) Verdict {
		return Verdict{Case: id, Key: key, Family: "aud", Flow: "jwt_bearer", Level: "MUST", Clause: "RFC7523-3",
			Outcome: o, Actual: "HTTP 400, error=invalid_grant, error_description=\"bad \\\"quote\\\"\"", Findings: findings}
	}
	vs := []Verdict{
		v("aud-wrong@grant", "aud-wrong", Warn, "error-description-charset"),
		v("aud-missing@grant", "aud-missing", Warn, "error-description-charset", "error-content-type"),
		v("time-exp-cap@grant", "time-exp-cap", Info),
		v("sig-empty@grant", "sig-empty", Fail),
	}
	vs[3].Baseline = "known: accepts an empty signature (ticket 12)"
	defs := map[string]Finding{
		"error-description-charset": {Title: "error_description outside the RFC 6749 charset", Level: "MUST", Clause: "RFC6749-5.2"},
		"error-content-type":        {Title: "error body not labelled application/json", Level: "SHOULD", Clause: "RFC6749-5.2"},
	}
	r := &Run{Tool: "jwtharness", Complete: true, Verdicts: vs, Expectations: "expect.yaml"}
	r.Findings = CollectFindings(vs, func(id string) (Finding, bool) { f, ok := defs[id]; return f, ok })
	return r
}

func TestFindingsAndBaseline(t *testing.T) {
	r := findingsRun()
	if len(r.Findings) != 2 || r.Findings[0].ID != "error-description-charset" || r.Findings[0].Outcome != Fail ||
		strings.Join(r.Findings[0].Seen, " ") != "aud-missing@grant aud-wrong@grant" || r.Findings[1].Outcome != Warn {
		t.Fatalf("findings = %+v", r.Findings)
	}
	s := r.Summary()
	if s.Info != 1 || s.Warn != 2 || s.Fail != 1 || s.Findings != 2 || s.FindingsFail != 1 || s.Expected != 1 {
		t.Errorf("summary = %+v", s)
	}
	if len(r.Gating()) != 0 || len(r.GatingFindings()) != 1 || r.Status() != "NOT CONFORMANT" {
		t.Errorf("gating: %d verdicts, %d findings, %s", len(r.Gating()), len(r.GatingFindings()), r.Status())
	}
	r.Findings[0].Baseline = "known: quotes in error_description"
	if r.Gated() {
		t.Error("expected finding still gates")
	}
	r.Strict = true
	if !r.Gated() || len(r.Gating()) != 2 {
		t.Errorf("strict: WARN verdicts and the WARN finding must gate, INFO never (gating verdicts %d)", len(r.Gating()))
	}
	r.Strict = false
	r.Stale = []Stale{{Case: "aud-empty", Flow: "jwt_bearer", Line: 4, Reason: "old", Actual: "PASS"}}
	if !r.Gated() {
		t.Error("a stale expectation must gate")
	}

	var txt, md, html, junit, js bytes.Buffer
	for _, w := range []struct {
		buf   *bytes.Buffer
		write func(io.Writer, *Run) error
	}{{&txt, WriteText}, {&md, WriteMarkdown}, {&html, WriteHTML}, {&junit, WriteJUnit}, {&js, WriteJSON}} {
		if err := w.write(w.buf, r); err != nil {
			t.Fatal(err)
		}
	}
	for name, out := range map[string]string{"text": txt.String(), "markdown": md.String(), "html": html.String(), "junit": junit.String(), "json": js.String()} {
		for _, want := range []string{"error-description-charset", "aud-missing@grant", "aud-empty"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if fi, ff := strings.Index(out, "error-description-charset"), strings.Index(out, "time-exp-cap@grant"); name != "json" && (ff < 0 || fi > ff) {
			t.Errorf("%s: findings must come before the cases", name)
		}
	}
	if !strings.Contains(txt.String(), "INFO") || !strings.Contains(md.String(), "| INFO | 1 |") || !strings.Contains(html.String(), `class="card INFO"`) {
		t.Error("INFO is not counted everywhere")
	}
	var ju JUnitTestSuites
	if err := xml.Unmarshal(junit.Bytes(), &ju); err != nil {
		t.Fatal(err)
	}
	// the stale entry fails; the expected FAIL and the expected finding do not.
	if ju.Failures != 1 || ju.Suites[0].Name != "findings" {
		t.Errorf("junit failures = %d, first suite %q", ju.Failures, ju.Suites[0].Name)
	}
}
