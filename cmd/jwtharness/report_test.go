package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReportRefusesToMislead: report, merge and compare say what is wrong
// with their input instead of rendering, merging or comparing it as if it
// were sound, each with the exit code the README gives.
func TestReportRefusesToMislead(t *testing.T) {
	dir := t.TempDir()
	runFile := filepath.Join(dir, "run.ndjson")
	if got := run([]string{"load", "--quiet", "--ceiling", "0", "--concurrency", "2", "--requests", "20", "--out", runFile}); got != ExitOK {
		t.Fatalf("load: exit %d", got)
	}
	other := filepath.Join(dir, "other.ndjson")
	if got := run([]string{"load", "--quiet", "--ceiling", "0", "--concurrency", "2", "--requests", "20", "--out", other}); got != ExitOK {
		t.Fatalf("load: exit %d", got)
	}
	data, err := os.ReadFile(runFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	variant := func(name string, edit func([]string) []string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(edit(append([]string(nil), lines...)), "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noSummary := variant("nosummary.ndjson", func(l []string) []string { return l[:len(l)-1] })
	badHist := variant("badhist.ndjson", func(l []string) []string {
		l[1] = strings.Replace(l[1], `"response_hist":"`, `"response_hist":"!!not-base64`, 1)
		return l
	})
	otherTarget := variant("othertarget.ndjson", func(l []string) []string {
		l[0] = strings.Replace(l[0], `"target":"http://127.0.0.1`, `"target":"http://127.0.0.2`, 1)
		l[0] = strings.Replace(l[0], `"run_id":"`, `"run_id":"x`, -1)
		return l
	})
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"report without summary is incomplete", []string{"report", noSummary}, ExitIncomplete, "no summary"},
		{"report with a corrupt histogram", []string{"report", badHist}, ExitUsage, "does not decode"},
		{"report of /dev/zero", []string{"report", "/dev/zero"}, ExitUsage, "not a regular file"},
		{"report of a directory", []string{"report", dir}, ExitUsage, "not a regular file"},
		{"report of a FIFO", []string{"report", fifo}, ExitUsage, "not a regular file"},
		{"merge the same run twice", []string{"report", "merge", runFile, runFile, "-o", filepath.Join(dir, "m.ndjson")}, ExitUsage, "same run"},
		{"merge different targets", []string{"report", "merge", runFile, otherTarget, "-o", filepath.Join(dir, "m.ndjson")}, ExitUsage, "different targets"},
		{"merge an incomplete run", []string{"report", "merge", runFile, noSummary, "-o", filepath.Join(dir, "m.ndjson")}, ExitIncomplete, "no summary"},
		{"compare different targets warns", []string{"report", "compare", runFile, otherTarget}, ExitOK, ""},
		{"compare different targets, strict", []string{"report", "compare", "--strict", runFile, otherTarget}, ExitUsage, "different targets"},
		{"compare with an incomplete run", []string{"report", "compare", runFile, noSummary}, ExitIncomplete, "no summary"},
		{"compare with a corrupt run", []string{"report", "compare", runFile, badHist}, ExitUsage, "does not decode"},
		{"compare, negative regression", []string{"report", "compare", "--max-regression", "-5%", runFile, runFile}, ExitUsage, "--max-regression"},
		{"compare, NaN regression", []string{"report", "compare", "--max-regression", "NaN", runFile, runFile}, ExitUsage, "--max-regression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := runErr(tc.args)
			if code != tc.want || !strings.Contains(msg, tc.says) {
				t.Errorf("run(%q) = %d %q, want %d saying %q", tc.args, code, msg, tc.want, tc.says)
			}
		})
	}
}
