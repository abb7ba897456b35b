package loadgen

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchTokenBody is a token answer the size of a JWT access token (the
// reference server's opaque token is shorter, hence cheaper to judge).
var benchTokenBody = []byte(`{"access_token":"eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiYXQrand0In0.` + strings.Repeat("eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHBzOi8vYXBpIn0", 12) +
	`.c2lnbmF0dXJl","token_type":"Bearer","expires_in":300,"scope":"read write"}`)

// TestMain lets the test binary double as the benchmark's token server,
// in its own process, so the generator's CPU can be measured alone.
func TestMain(m *testing.M) {
	if os.Getenv("JWTHARNESS_BENCH_SERVER") == "1" {
		serveBenchTokens()
		return
	}
	os.Exit(m.Run())
}

func serveBenchTokens() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("error", err)
		return
	}
	fmt.Println(ln.Addr().String())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(benchTokenBody)
	}))
}

func startBenchServer(b *testing.B) *url.URL {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), "JWTHARNESS_BENCH_SERVER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.HasPrefix(line, "error") {
		b.Fatalf("bench server: %q %v", line, err)
	}
	u, _ := url.Parse("http://" + strings.TrimSpace(line) + "/token")
	return u
}

func cpuTime() time.Duration {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// BenchmarkJudgeShare measures what judging an answer (parsing the body,
// finding access_token and token_type) costs the generator: the lean
// client's CPU per exchange against a token server in another process,
// and judge's own cost on the same answer. The share must stay ≤ 5 %.
// It is conservative: a real run also spends CPU per request on the
// pool, the pacer and the recorder, which judge does not add to.
//
//	taskset -c 1 go test ./loadgen -run '^$' -bench JudgeShare -benchtime 20000x
func BenchmarkJudgeShare(b *testing.B) {
	u := startBenchServer(b)
	d, err := newFastDoer(&Endpoint{URL: u, ContentType: "application/x-www-form-urlencoded", Timeout: 5 * time.Second}, false)
	if err != nil {
		b.Fatal(err)
	}
	defer d.close()
	req := []byte("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + strings.Repeat("x", 700))
	for i := 0; i < 500; i++ { // warm the connection
		if r := d.do(req); r.Outcome != OutcomeIssued {
			b.Fatalf("warm-up: outcome %d: %s %v", r.Outcome, r.Why, r.err)
		}
	}
	b.ResetTimer()
	c0 := cpuTime()
	for i := 0; i < b.N; i++ {
		if r := d.do(req); r.Outcome != OutcomeIssued {
			b.Fatalf("outcome %d: %s %v", r.Outcome, r.Why, r.err)
		}
	}
	perReq := float64(cpuTime()-c0) / float64(b.N)
	b.StopTimer()
	a := answer{status: 200, contentType: []byte("application/json; charset=utf-8"), body: benchTokenBody}
	n := b.N
	if n < 20000 {
		n = 20000
	}
	c1 := cpuTime()
	for i := 0; i < n; i++ {
		if judge(&a, false).Outcome != OutcomeIssued {
			b.Fatal("bench body not judged a token")
		}
	}
	perJudge := float64(cpuTime()-c1) / float64(n)
	b.ReportMetric(perReq, "gen-cpu-ns/req")
	b.ReportMetric(perJudge, "judge-ns/req")
	b.ReportMetric(100*perJudge/perReq, "judge-%")
}

// BenchmarkJudge is judge alone on a JWT-sized JSON token answer.
func BenchmarkJudge(b *testing.B) {
	a := answer{status: 200, contentType: []byte("application/json"), body: benchTokenBody}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if judge(&a, false).Outcome != OutcomeIssued {
			b.Fatal("not a token")
		}
	}
}

// BenchmarkJudgeFormats is judge on the same token in each format.
func BenchmarkJudgeFormats(b *testing.B) {
	tok := strings.Repeat("eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHBzOi8vYXBpIn0", 14)
	for _, f := range []struct{ name, ctype, body string }{
		{"json", "application/json", `{"access_token":"` + tok + `","token_type":"Bearer","expires_in":300}`},
		{"urlencoded", "application/x-www-form-urlencoded", "access_token=" + tok + "&token_type=Bearer&expires_in=300"},
		{"xml", "application/xml", "<token><access_token>" + tok + "</access_token><token_type>Bearer</token_type><expires_in>300</expires_in></token>"},
	} {
		a := answer{status: 200, contentType: []byte(f.ctype), body: []byte(f.body)}
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if judge(&a, false).Outcome != OutcomeIssued {
					b.Fatal("not a token")
				}
			}
		})
	}
}
