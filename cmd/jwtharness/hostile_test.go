package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/fixtures/hostile"
	"github.com/jwtharness/jwtharness/loadgen"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// hostileTarget writes the shared fixture set with its target file aimed
// at a hostile server, with a short per-request timeout.
func hostileTarget(t *testing.T, endpoint string, timeout time.Duration) string {
	t.Helper()
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	s := *set
	s.Target.TokenEndpoint = endpoint
	s.Target.Issuer = strings.TrimSuffix(endpoint, "/token")
	s.Target.Timeout = timeout.String()
	dir := t.TempDir()
	if err := s.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, fixtureset.TargetFile)
}

// outcome is what one command did.
type outcome struct {
	code     int
	wall     time.Duration
	peakHeap uint64 // peak HeapInuse above the baseline, sampled
	stdout   string
	stderr   string
}

// capturedMu serializes runs that swap os.Stdout and os.Stderr.
var capturedMu sync.Mutex

// runCaptured runs the command through run(), capturing its output (cut
// at 1 MiB) and sampling the heap while it runs.
func runCaptured(t *testing.T, args ...string) outcome {
	t.Helper()
	capturedMu.Lock()
	defer capturedMu.Unlock()
	outF, err := os.CreateTemp(t.TempDir(), "stdout")
	if err != nil {
		t.Fatal(err)
	}
	errF, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = outF, errF
	defer func() { os.Stdout, os.Stderr = oldOut, oldErr }()

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > base && m.HeapInuse-base > peak {
					peak = m.HeapInuse - base
				}
			}
		}
	}()
	start := time.Now()
	code := run(args)
	o := outcome{code: code, wall: time.Since(start)}
	close(stop)
	<-sampled
	o.peakHeap = peak
	o.stdout, o.stderr = readCapped(outF), readCapped(errF)
	return o
}

func readCapped(f *os.File) string {
	f.Seek(0, io.SeekStart)
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	f.Close()
	return string(b)
}

func (o outcome) String() string {
	return fmt.Sprintf("exit %d in %v, heap +%d MiB, stdout %d bytes, stderr %q", o.code, o.wall.Round(time.Millisecond),
		o.peakHeap>>20, len(o.stdout), lastLines(o.stderr, 3))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Bounds every hostile run must keep, whatever the server does. They are
// bounds, not speed goals: generous for a shared 2-core machine.
const (
	hostileTimeout  = 300 * time.Millisecond // the target's per-request timeout
	hostileWallCap  = 20 * time.Second
	hostileHeapCap  = 256 << 20 // peak heap growth during one command
	hostileOutCap   = 1 << 20   // stdout of one command
	hostileConform  = "aud"     // the family conform runs (about a hundred requests)
	hostileLoadReqs = "20"
)

// hostileRow is one command against one hostile mode.
type hostileRow struct {
	name   string
	mode   hostile.Mode
	opts   hostile.Options
	cmd    string   // token, conform or load
	args   []string // after the command's own defaults
	want   []int    // acceptable exit codes (the first is the expected one)
	stderr []string // the error line contains each
	// check gets the outcome, the conform report or the load run file
	// (nil when none was written) and the server; it returns what is wrong.
	check func(o outcome, rep *reports.Run, lr *loadgen.Run, srv *hostile.Server) []string
}

// TestHostileServers runs token, conform and load against every hostile
// mode through run(), as a user would, and checks the exit code, a bound on
// wall time and memory, an honest verdict, and that no goroutine outlives
// the command and the server.
func TestHostileServers(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile servers: about 40 s")
	}
	stall := hostile.Options{AnswerFirst: 4} // Ping + one pre-flight per flow, then stalls
	rows := []hostileRow{
		// never answers
		{name: "token", mode: hostile.NeverAnswers, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"connected, but no answer within 300ms"}, check: notCannotReach},
		{name: "conform", mode: hostile.NeverAnswers, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"connected, but no answer within 300ms"}, check: all(notCannotReach, incompleteReport)},
		{name: "load", mode: hostile.NeverAnswers, cmd: "load", want: []int{ExitIncomplete}},
		// drips the body
		{name: "token", mode: hostile.DripBody, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"the body did not complete within 300ms"}},
		{name: "conform", mode: hostile.DripBody, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"the body did not complete within 300ms"}, check: incompleteReport},
		{name: "load", mode: hostile.DripBody, cmd: "load", want: []int{ExitIncomplete}, check: noVerifications},
		// endless body
		{name: "token", mode: hostile.EndlessBody, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"no access_token"}},
		{name: "conform", mode: hostile.EndlessBody, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.EndlessBody, cmd: "load", want: []int{ExitIncomplete, ExitGateFailed}, check: noVerifications},
		// huge header
		{name: "token", mode: hostile.HugeHeader, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"invalid_grant"},
			check: func(o outcome, _ *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
				if len(o.stdout) > 16<<10 || !strings.Contains(o.stdout, "[header: 4096 of 2097152 bytes shown]") {
					return []string{fmt.Sprintf("transcript of %d bytes does not cap the 2 MB header", len(o.stdout))}
				}
				return nil
			}},
		{name: "conform", mode: hostile.HugeHeader, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.HugeHeader, cmd: "load", want: []int{ExitIncomplete}},
		// redirect loop: never followed
		{name: "token", mode: hostile.RedirectLoop, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"HTTP 307"},
			check: func(_ outcome, _ *reports.Run, _ *loadgen.Run, srv *hostile.Server) []string {
				if n := srv.Requests(); n != 1 {
					return []string{fmt.Sprintf("%d requests: the redirect was followed", n)}
				}
				return nil
			}},
		{name: "conform", mode: hostile.RedirectLoop, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.RedirectLoop, cmd: "load", want: []int{ExitIncomplete}},
		// accept-all
		{name: "token", mode: hostile.AcceptAll, cmd: "token", want: []int{ExitOK}},
		{name: "conform", mode: hostile.AcceptAll, cmd: "conform", want: []int{ExitGateFailed}, check: noNegativePass},
		{name: "load", mode: hostile.AcceptAll, cmd: "load", want: []int{ExitOK}},
		{name: "load refused class issued", mode: hostile.AcceptAll, cmd: "load", args: []string{"--mix", "valid=50,sig-wrong-key=50"},
			want: []int{ExitGateFailed}},
		// 500-all
		{name: "token", mode: hostile.ServerError, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"HTTP 500"}},
		{name: "conform", mode: hostile.ServerError, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.ServerError, cmd: "load", want: []int{ExitIncomplete}},
		{name: "load 500 after the pre-flight", mode: hostile.ServerError, opts: hostile.Options{AnswerFirst: 1}, cmd: "load",
			want: []int{ExitGateFailed, ExitIncomplete}, check: noVerifications},
		// garbage
		{name: "token", mode: hostile.Garbage, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"answered with something that is not HTTP"}, check: notCannotReach},
		{name: "conform", mode: hostile.Garbage, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"answered with something that is not HTTP"}, check: all(notCannotReach, incompleteReport)},
		{name: "load", mode: hostile.Garbage, cmd: "load", want: []int{ExitIncomplete}},
		// close right after accept
		{name: "token", mode: hostile.CloseAtOnce, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"connected, but the endpoint"}, check: notCannotReach},
		{name: "conform", mode: hostile.CloseAtOnce, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"connected, but the endpoint"}, check: all(notCannotReach, incompleteReport)},
		{name: "load", mode: hostile.CloseAtOnce, cmd: "load", want: []int{ExitIncomplete}},
		// invalid JSON with 200
		{name: "token", mode: hostile.InvalidJSON, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"no access_token"}},
		{name: "conform", mode: hostile.InvalidJSON, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.InvalidJSON, cmd: "load", want: []int{ExitIncomplete}, check: noVerifications},
		{name: "load after the pre-flight", mode: hostile.InvalidJSON, opts: hostile.Options{AnswerFirst: 1}, cmd: "load",
			want: []int{ExitGateFailed, ExitIncomplete}, check: noVerifications},
		// 2xx that is not a token
		{name: "token", mode: hostile.NotAToken, cmd: "token", want: []int{ExitGateFailed}, stderr: []string{"no access_token"}},
		{name: "conform", mode: hostile.NotAToken, cmd: "conform", want: []int{ExitGateFailed}, check: noPositivePass},
		{name: "load", mode: hostile.NotAToken, cmd: "load", want: []int{ExitIncomplete}, check: noVerifications},
		{name: "load after the pre-flight", mode: hostile.NotAToken, opts: hostile.Options{AnswerFirst: 1}, cmd: "load",
			want: []int{ExitGateFailed, ExitIncomplete}, check: noVerifications},
		// headers, then nothing
		{name: "token", mode: hostile.HeadersThenStall, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"the endpoint stopped answering after the headers"}},
		{name: "conform", mode: hostile.HeadersThenStall, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"the endpoint stopped answering after the headers"}, check: all(notCannotReach, incompleteReport)},
		{name: "conform stalls mid-run", mode: hostile.HeadersThenStall, opts: stall, cmd: "conform", args: []string{"--flow", "jwt_bearer"},
			want:   []int{ExitIncomplete},
			stderr: []string{"conform: the endpoint stopped answering after the headers (3 requests in a row"},
			check:  all(oneErrorLine, incompleteReport, noFailOnSilence)},
		{name: "load", mode: hostile.HeadersThenStall, cmd: "load", want: []int{ExitIncomplete}, check: noVerifications},
		// TLS mismatch, both ways
		{name: "token", mode: hostile.TLSOnly, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"TLS/plain HTTP mismatch: the endpoint speaks TLS, use https://"}, check: notCannotReach},
		{name: "conform", mode: hostile.TLSOnly, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"TLS/plain HTTP mismatch: the endpoint speaks TLS, use https://"}, check: all(notCannotReach, incompleteReport)},
		{name: "load", mode: hostile.TLSOnly, cmd: "load", want: []int{ExitIncomplete}},
		{name: "token", mode: hostile.PlainOnly, cmd: "token", want: []int{ExitIncomplete},
			stderr: []string{"TLS/plain HTTP mismatch: the endpoint speaks plain HTTP, use http://"}, check: notCannotReach},
		{name: "conform", mode: hostile.PlainOnly, cmd: "conform", want: []int{ExitIncomplete},
			stderr: []string{"TLS/plain HTTP mismatch: the endpoint speaks plain HTTP, use http://"}, check: all(notCannotReach, incompleteReport)},
		{name: "load", mode: hostile.PlainOnly, cmd: "load", want: []int{ExitIncomplete}},
	}
	covered := map[hostile.Mode]map[string]bool{}
	for _, r := range rows {
		if covered[r.mode] == nil {
			covered[r.mode] = map[string]bool{}
		}
		covered[r.mode][r.cmd] = true
	}
	for _, m := range hostile.Modes() {
		for _, c := range []string{"token", "conform", "load"} {
			if !covered[m][c] {
				t.Errorf("no %s row for mode %s", c, m)
			}
		}
	}
	for _, r := range rows {
		t.Run(string(r.mode)+"/"+r.name, func(t *testing.T) { runHostileRow(t, r) })
	}
}

func runHostileRow(t *testing.T, r hostileRow) {
	srv, err := hostile.StartWith(r.mode, r.opts)
	if err != nil {
		t.Fatal(err)
	}
	tgt := hostileTarget(t, srv.URL, hostileTimeout)
	dir := t.TempDir()
	reportDir := filepath.Join(dir, "reports")
	runFile := filepath.Join(dir, "run.ndjson")
	var args []string
	switch r.cmd {
	case "token":
		args = []string{"token", "--target", tgt, "--flow", "jwt_bearer"}
	case "conform":
		args = []string{"conform", "--target", tgt, "--family", hostileConform, "--report-dir", reportDir}
	case "load":
		args = []string{"load", "--quiet", "--ceiling", "0", "--target", tgt, "--concurrency", "2",
			"--requests", hostileLoadReqs, "--timeout", hostileTimeout.String(), "--out", runFile}
	}
	args = append(args, r.args...)
	before := runtime.NumGoroutine()
	o := runCaptured(t, args...)
	srv.Close()

	var fails []string
	failf := func(format string, a ...any) { fails = append(fails, fmt.Sprintf(format, a...)) }
	if !containsInt(r.want, o.code) {
		failf("exit %d, want %v", o.code, r.want)
	}
	if o.wall > hostileWallCap {
		failf("took %v (bound %v)", o.wall, hostileWallCap)
	}
	if o.peakHeap > hostileHeapCap {
		failf("heap grew by %d MiB (bound %d MiB)", o.peakHeap>>20, hostileHeapCap>>20)
	}
	if len(o.stdout) >= hostileOutCap {
		failf("stdout of %d bytes or more", len(o.stdout))
	}
	if strings.Contains(o.stderr, "goroutine ") || strings.Contains(o.stderr, "panic") {
		failf("a panic or goroutine dump on stderr")
	}
	for _, w := range r.stderr {
		if !strings.Contains(o.stderr, w) {
			failf("stderr lacks %q", w)
		}
	}
	var rep *reports.Run
	if f, err := os.Open(filepath.Join(reportDir, "report.json")); err == nil {
		rep, err = reports.ReadJSON(f)
		f.Close()
		if err != nil {
			failf("report.json: %v", err)
		}
	}
	lr, _ := loadgen.ReadRunFile(runFile)
	if r.check != nil {
		fails = append(fails, r.check(o, rep, lr, srv)...)
	}
	if err := hostile.SettleGoroutines(before, 3*time.Second); err != nil {
		failf("%v", err)
	}
	t.Logf("%s %s: %s", r.mode, strings.Join(args[:1], " "), o)
	if len(fails) == 0 {
		return
	}
	t.Error(strings.Join(fails, "; ") + "\nstderr: " + lastLines(o.stderr, 5))
}

type rowCheck = func(o outcome, rep *reports.Run, lr *loadgen.Run, srv *hostile.Server) []string

func all(checks ...rowCheck) rowCheck {
	return func(o outcome, rep *reports.Run, lr *loadgen.Run, srv *hostile.Server) []string {
		var out []string
		for _, c := range checks {
			out = append(out, c(o, rep, lr, srv)...)
		}
		return out
	}
}

// notCannotReach: the server accepted the connection, so the message must
// say what it did instead.
func notCannotReach(o outcome, _ *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if strings.Contains(o.stderr, "cannot reach") {
		return []string{"says \"cannot reach\" of an endpoint that accepted the connection"}
	}
	return nil
}

// incompleteReport: the reports were written and say the run is incomplete.
func incompleteReport(_ outcome, rep *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if rep == nil {
		return []string{"no report.json written"}
	}
	if rep.Complete || rep.Incomplete == "" {
		return []string{"report.json does not say the run is incomplete"}
	}
	return nil
}

// oneErrorLine: exactly one "jwtharness:" line on stderr.
func oneErrorLine(o outcome, _ *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if n := strings.Count(o.stderr, "jwtharness:"); n != 1 {
		return []string{fmt.Sprintf("%d error lines on stderr, want one", n)}
	}
	return nil
}

// noFailOnSilence: an endpoint that stopped answering is never FAILed
// on a request the driver did not send.
func noFailOnSilence(_ outcome, rep *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if rep == nil {
		return nil
	}
	var out []string
	for _, v := range rep.Verdicts {
		if v.Outcome == reports.Fail && strings.Contains(v.Actual, "not sent") {
			out = append(out, "FAIL on a request never sent: "+v.Key)
		}
	}
	return out
}

// noPositivePass: an endpoint that issues no token passes no case that
// needs one.
func noPositivePass(_ outcome, rep *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if rep == nil {
		return []string{"no report.json written"}
	}
	var out []string
	for _, v := range rep.Verdicts {
		if c, ok := catalog.Lookup(v.Case); ok && !c.Negative && v.Outcome == reports.Pass {
			out = append(out, "PASS on a positive case: "+v.Key)
		}
	}
	if rep.Summary().Total == 0 {
		out = append(out, "no verdicts")
	}
	return out
}

// noNegativePass: an endpoint that issues a token for everything passes no
// case that must be refused (cases that allow either, "issued ... or",
// may pass).
func noNegativePass(_ outcome, rep *reports.Run, _ *loadgen.Run, _ *hostile.Server) []string {
	if rep == nil {
		return []string{"no report.json written"}
	}
	var out []string
	for _, v := range rep.Verdicts {
		c, ok := catalog.Lookup(v.Case)
		if ok && c.Negative && v.Outcome == reports.Pass && !strings.HasPrefix(v.Expected, "issued") {
			out = append(out, "PASS on a case that must be refused: "+v.Key)
		}
	}
	if rep.Summary().Fail == 0 {
		out = append(out, "no FAIL")
	}
	return out
}

// noVerifications: load counts nothing but real tokens as verifications
// (AnswerFirst tokens aside) and does not pass the run.
func noVerifications(o outcome, _ *reports.Run, lr *loadgen.Run, srv *hostile.Server) []string {
	var out []string
	if o.code == ExitOK {
		out = append(out, "a run against an endpoint that issues no token passed")
	}
	if lr != nil && lr.Summary != nil && lr.Summary.All.Counters.Issued > 0 {
		out = append(out, fmt.Sprintf("%d verifications counted (verify rate %.0f/s)", lr.Summary.All.Counters.Issued, lr.Summary.VerifyRate))
	}
	return out
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestConformRunDeadline: an endpoint that answers, but slowly, cannot
// keep conform past its deadline (--timeout): the run stops with exit 3
// and one line, not a Ginkgo interrupt and goroutine dump.
func TestConformRunDeadline(t *testing.T) {
	srv, err := hostile.StartWith(hostile.DripBody, hostile.Options{DripInterval: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tgt := hostileTarget(t, srv.URL, 2*time.Second)
	dir := filepath.Join(t.TempDir(), "reports")
	o := runCaptured(t, "conform", "--target", tgt, "--timeout", "1s", "--report-dir", dir)
	if o.code != ExitIncomplete || !strings.Contains(o.stderr, "the run passed its deadline") {
		t.Fatalf("%s; want exit 3 and the deadline named", o)
	}
	if o.wall > 10*time.Second {
		t.Errorf("took %v with --timeout 1s", o.wall)
	}
	if strings.Count(o.stderr, "jwtharness:") != 1 || strings.Contains(o.stderr, "goroutine ") {
		t.Errorf("stderr is not one line:\n%s", o.stderr)
	}
	rep := readReport(t, dir)
	if rep.Complete {
		t.Error("report says complete")
	}
	for _, v := range rep.Verdicts {
		if v.Outcome == reports.Fail && strings.Contains(v.Actual, "not sent") {
			t.Errorf("FAIL on a request never sent: %s", v.Key)
		}
	}
}

// TestConformReportDirCheckedFirst: a --report-dir that cannot be written
// is exit 2 before anything is sent.
func TestConformReportDirCheckedFirst(t *testing.T) {
	srv, err := hostile.Start(hostile.AcceptAll)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tgt := hostileTarget(t, srv.URL, time.Second)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o644)
	for _, dir := range []string{"/proc/nope", filepath.Join(file, "sub"), file} {
		o := runCaptured(t, "conform", "--target", tgt, "--case", "aud-wrong", "--report-dir", dir)
		if o.code != ExitUsage || !strings.Contains(o.stderr, "--report-dir") {
			t.Errorf("--report-dir %s: %s; want exit 2 naming --report-dir", dir, o)
		}
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("%d requests sent before the report directory was refused", n)
	}
	// A directory that does not exist yet but can be created is fine.
	ok := filepath.Join(t.TempDir(), "new", "reports")
	if o := runCaptured(t, "conform", "--target", tgt, "--case", "aud-wrong", "--report-dir", ok); o.code == ExitUsage {
		t.Errorf("--report-dir %s refused: %s", ok, o)
	}
}

// TestNumericFlags: a number that makes no sense is exit 2 naming the flag.
// serve runs in a goroutine with a bound: a serve that accepted the flag
// would listen until interrupted.
func TestNumericFlags(t *testing.T) {
	tests := []struct {
		args []string
		flag string
	}{
		{[]string{"serve", "--addr", "127.0.0.1:0", "--leeway", "-1s"}, "--leeway"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--max-lifetime", "0s"}, "--max-lifetime"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--max-lifetime", "-5m"}, "--max-lifetime"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--token-lifetime", "0s"}, "--token-lifetime"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "--token-lifetime", "500ms"}, "--token-lifetime"},
		{[]string{"conform", "--timeout", "0s"}, "--timeout"},
		{[]string{"conform", "--timeout", "-1m"}, "--timeout"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			done := make(chan int, 1)
			go func() { done <- run(tc.args) }()
			select {
			case code := <-done:
				if code != ExitUsage {
					t.Errorf("exit %d, want 2", code)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("still running after 10 s: the value was accepted")
			}
		})
	}
	// The message names the flag.
	for _, err := range []error{
		validateServeFlags(&serveFlags{maxLifetime: time.Minute, leeway: -time.Second, tokenLife: time.Hour}),
		validateServeFlags(&serveFlags{maxLifetime: 0, tokenLife: time.Hour}),
		validateServeFlags(&serveFlags{maxLifetime: time.Minute, tokenLife: 0}),
		validateConformFlags(&conformFlags{timeout: -time.Second}),
	} {
		if err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("error %v does not name the flag", err)
		}
	}
	if err := validateServeFlags(&serveFlags{maxLifetime: time.Minute, tokenLife: time.Hour}); err != nil {
		t.Errorf("leeway 0 (none) refused: %v", err)
	}
}
