package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCommandExitCodes runs every other subcommand through run(), as a user
// would, and checks the exit code each documents: 0 done, 1 a gate or
// threshold failed, 2 bad invocation or configuration, 3 could not complete.
// Load runs are tiny, bounded and on loopback only.
func TestCommandExitCodes(t *testing.T) {
	fx := filepath.Join(t.TempDir(), "fx")
	if got := run([]string{"fixtures", "--out", fx}); got != ExitOK {
		t.Fatalf("fixtures --out: exit %d", got)
	}
	tgt := filepath.Join(fx, "target.yaml")
	unreachable := writeTarget(t, closedPort(t))
	runFile := filepath.Join(t.TempDir(), "run.ndjson")
	tiny := []string{"load", "--quiet", "--ceiling", "0", "--concurrency", "2", "--requests", "40"}

	tests := []struct {
		name string
		args []string
		want int
	}{
		{"fixtures refuses a non-empty directory", []string{"fixtures", "--out", fx}, ExitUsage},
		{"fixtures bad rsa bits", []string{"fixtures", "--out", filepath.Join(t.TempDir(), "x"), "--rsa-bits", "1000"}, ExitUsage},
		{"mint", []string{"mint", "--target", tgt, "--flow", "jwt_bearer"}, ExitOK},
		{"mint decoded mutation", []string{"mint", "--target", tgt, "--flow", "private_key_jwt", "--mutation", "aud-wrong", "--decode"}, ExitOK},
		{"mint unknown mutation", []string{"mint", "--target", tgt, "--flow", "jwt_bearer", "--mutation", "no-such"}, ExitUsage},
		{"mint unknown flow", []string{"mint", "--target", tgt, "--flow", "implicit"}, ExitUsage},
		{"cases json", []string{"cases", "--format", "json"}, ExitOK},
		{"cases markdown must", []string{"cases", "--format", "markdown", "--level", "MUST"}, ExitOK},
		{"cases unknown format", []string{"cases", "--format", "xml"}, ExitUsage},
		{"serve lists flaws", []string{"serve", "--list-flaws"}, ExitOK},
		{"serve unknown flaw", []string{"serve", "--inject-flaw", "no-such-flaw", "--addr", "127.0.0.1:0"}, ExitUsage},
		{"serve missing registry", []string{"serve", "--registry", filepath.Join(fx, "none.yaml"), "--addr", "127.0.0.1:0"}, ExitUsage},
		{"load embedded, bounded", append(append([]string{}, tiny...), "--out", runFile), ExitOK},
		{"load threshold fails", append(append([]string{}, tiny...), "--threshold", "p99<1ns"), ExitGateFailed},
		{"load bad threshold", append(append([]string{}, tiny...), "--threshold", "p99 about 5ms"), ExitUsage},
		{"load unknown mix class", append(append([]string{}, tiny...), "--mix", "valid=90,no-such-case=10"), ExitUsage},
		{"load unbounded", []string{"load", "--quiet", "--concurrency", "2"}, ExitUsage},
		{"load unreachable target", []string{"load", "--quiet", "--ceiling", "0", "--target", unreachable, "--concurrency", "1", "--requests", "5"}, ExitIncomplete},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}

	// report reads what load wrote.
	if _, err := os.Stat(runFile); err != nil {
		t.Fatalf("load wrote no run file: %v", err)
	}
	reportTests := []struct {
		name string
		args []string
		want int
	}{
		{"report text", []string{"report", runFile}, ExitOK},
		{"report html", []string{"report", runFile, "--format", "html"}, ExitOK},
		{"report unknown format", []string{"report", runFile, "--format", "pdf"}, ExitUsage},
		{"report compare with itself", []string{"report", "compare", runFile, runFile, "--max-regression", "10%"}, ExitOK},
		{"report missing file", []string{"report", filepath.Join(t.TempDir(), "none.ndjson")}, ExitUsage},
		{"report garbage file", []string{"report", tgt}, ExitUsage},
	}
	for _, tc := range reportTests {
		t.Run(tc.name, func(t *testing.T) {
			if got := run(tc.args); got != tc.want {
				t.Errorf("run(%q) = %d, want %d", tc.args, got, tc.want)
			}
		})
	}
}
