package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
)

// writeTarget writes the shared fixture set with its target file aimed at
// endpoint into a fresh directory and returns the target file's path.
func writeTarget(t *testing.T, endpoint string) string {
	t.Helper()
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	s := *set
	s.Target.TokenEndpoint = endpoint
	s.Target.Issuer = strings.TrimSuffix(endpoint, "/token")
	dir := t.TempDir()
	if err := s.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, fixtureset.TargetFile)
}

// flawedServer serves the reference handler with flaws on loopback, for the
// shared fixture set, and returns its target file.
func flawedServer(t *testing.T, flaws ...reference.Flaw) string {
	t.Helper()
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := suites.Registry(set)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	h, err = reference.NewHandler(reference.Options{Registry: reg, Audience: srv.URL + "/token", Issuer: srv.URL, Flaws: flaws})
	if err != nil {
		t.Fatal(err)
	}
	return writeTarget(t, srv.URL+"/token")
}

// closedPort returns a loopback URL nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/token"
}

func readReport(t *testing.T, dir string) *reports.Run {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"junit.xml", "report.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("report %s missing: %v", name, err)
		}
	}
	return r
}

func TestConformExitCodes(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "target.yaml")
	os.WriteFile(broken, []byte("token_endpoint: http://127.0.0.1:1/token\ntoken_endpiont: typo\n"), 0o644)
	unreachable := writeTarget(t, closedPort(t))
	flawed := flawedServer(t, reference.FlawAudIgnored)
	noLeeway := flawedServer(t, reference.FlawExpiresInString) // breaks a SHOULD (expires_in RECOMMENDED as a number): WARN
	baselineDir := t.TempDir()
	staleExpect := filepath.Join(baselineDir, "stale.yaml")
	os.WriteFile(staleExpect, []byte("expected:\n  - case: aud-wrong\n    flow: grant\n    reason: fixed long ago\n"), 0o644)
	unknownExpect := filepath.Join(baselineDir, "unknown.yaml")
	os.WriteFile(unknownExpect, []byte("expected:\n  - case: aud-wrong\n    flow: grant\n    reason: x\n  - case: no-such-case\n    flow: grant\n    reason: y\n"), 0o644)
	written := filepath.Join(baselineDir, "written.yaml")

	tests := []struct {
		name     string
		args     []string
		want     int
		report   bool
		complete bool
		outcomes func(reports.Summary) bool
	}{
		{name: "embedded, a few cases", args: []string{"--case", "aud-wrong,aud-missing", "--flow", "grant"}, want: ExitOK, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Total == 2 && s.Pass == 2 }},
		{name: "dry run sends nothing", args: []string{"--dry-run", "--level", "MUST"}, want: ExitOK},
		{name: "dry run with a target", args: []string{"--dry-run", "--target", unreachable, "--family", "aud"}, want: ExitOK},
		{name: "unknown level", args: []string{"--level", "SHALL"}, want: ExitUsage},
		{name: "unknown case", args: []string{"--case", "no-such-case"}, want: ExitUsage},
		{name: "unknown family", args: []string{"--family", "nope"}, want: ExitUsage},
		{name: "bad label filter", args: []string{"--label-filter", "level:MUST &&"}, want: ExitUsage},
		{name: "filter matches nothing", args: []string{"--label-filter", "case:nothing-like-this"}, want: ExitUsage},
		{name: "bad profile", args: []string{"--profile", "rfc9999"}, want: ExitUsage},
		{name: "missing target file", args: []string{"--target", filepath.Join(t.TempDir(), "none.yaml")}, want: ExitUsage},
		{name: "broken target file", args: []string{"--target", broken}, want: ExitUsage},
		{name: "unreachable endpoint", args: []string{"--target", unreachable}, want: ExitIncomplete, report: true, complete: false,
			outcomes: func(s reports.Summary) bool { return s.Total == 0 }},
		{name: "warnings pass the gate", args: []string{"--target", noLeeway, "--case", "resp-expires-in-number"}, want: ExitOK, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Warn > 0 && s.Fail == 0 }},
		{name: "warnings fail a strict gate", args: []string{"--target", noLeeway, "--case", "resp-expires-in-number", "--strict"}, want: ExitGateFailed, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Warn > 0 && s.Fail == 0 }},
		{name: "flawed endpoint fails the gate", args: []string{"--target", flawed, "--family", "aud"}, want: ExitGateFailed, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Fail > 0 }},
		{name: "--profile overrides the target file", args: []string{"--target", writeTarget(t, closedPort(t)), "--profile", "rfc7523bis", "--dry-run", "--family", "aud"}, want: ExitOK},
		{name: "write the baseline of a flawed endpoint", args: []string{"--target", flawed, "--case", "aud-wrong,aud-empty", "--write-expect", written}, want: ExitGateFailed, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Fail > 0 }},
		{name: "the baseline expects those FAILs", args: []string{"--target", flawed, "--case", "aud-wrong,aud-empty", "--expect", written}, want: ExitOK, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Fail > 0 && s.Expected == s.Fail && s.Stale == 0 }},
		{name: "a stale expectation fails the gate", args: []string{"--case", "aud-wrong", "--flow", "grant", "--expect", staleExpect}, want: ExitGateFailed, report: true, complete: true,
			outcomes: func(s reports.Summary) bool { return s.Stale == 1 && s.Fail == 0 }},
		{name: "an unknown case in the expectations file", args: []string{"--expect", unknownExpect}, want: ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			args := append([]string{"conform", "--report-dir", dir}, tc.args...)
			if got := run(args); got != tc.want {
				t.Fatalf("run(%q) = %d, want %d", args, got, tc.want)
			}
			if !tc.report {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("reports written for a run that did not start")
				}
				return
			}
			r := readReport(t, dir)
			if r.Complete != tc.complete {
				t.Errorf("complete = %v (%s), want %v", r.Complete, r.Incomplete, tc.complete)
			}
			if tc.outcomes != nil && !tc.outcomes(r.Summary()) {
				t.Errorf("summary %+v", r.Summary())
			}
		})
	}
}

func TestConformMessages(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "target.yaml")
	os.WriteFile(broken, []byte("token_endpoint: http://127.0.0.1:1/token\ntoken_endpiont: typo\n"), 0o644)
	endpoint := closedPort(t)
	unreachable := writeTarget(t, endpoint)
	tests := []struct {
		name string
		f    conformFlags
		want []string
	}{
		{"broken target names the key", conformFlags{target: broken}, []string{"token_endpiont"}},
		{"unreachable is one clear message", conformFlags{target: unreachable}, []string{"cannot reach token endpoint " + endpoint + ": connection refused"}},
		{"unknown case", conformFlags{cases: []string{"nope"}}, []string{`unknown case "nope"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := runConform(context.Background(), &out, &errOut, &tc.f)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestConformDryRunLists(t *testing.T) {
	var out bytes.Buffer
	err := runConform(context.Background(), &out, io.Discard, &conformFlags{dryRun: true, cases: []string{"aud-wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"aud-wrong@grant", "aud-wrong@client-pk", "nothing was sent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestConformJSONHasNoSecrets(t *testing.T) {
	dir := t.TempDir()
	if got := run([]string{"conform", "--family", "aud", "--flow", "client_secret_jwt", "--report-dir", dir}); got != ExitOK {
		t.Fatalf("exit %d", got)
	}
	set, _ := fixtureset.Shared()
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	var any map[string]any
	if err := json.Unmarshal(b, &any); err != nil {
		t.Fatal(err)
	}
	secret := string(set.Credential(fixtureset.ClientSecret).Secret)
	for _, name := range []string{"report.json", "junit.xml", "report.md", "report.html"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if strings.Contains(string(b), secret) {
			t.Errorf("%s contains the client secret", name)
		}
	}
}
