package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
	"github.com/jwtharness/jwtharness/loadgen"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/suites"
)

// runMainEnv makes the test binary act as the jwtharness command, so a
// test can start real shard processes without building the binary.
const runMainEnv = "JWTHARNESS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// jtiRecorder wraps a token endpoint and counts every assertion jti it is
// sent (bearer grant: the assertion parameter), before the server sees it.
type jtiRecorder struct {
	next http.Handler
	mu   sync.Mutex
	seen map[string]int
}

func (j *jtiRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	if form, err := url.ParseQuery(string(body)); err == nil {
		if parts := strings.Split(form.Get("assertion"), "."); len(parts) == 3 {
			var claims struct {
				JTI string `json:"jti"`
			}
			if p, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil && json.Unmarshal(p, &claims) == nil {
				j.mu.Lock()
				j.seen[claims.JTI]++
				j.mu.Unlock()
			}
		}
	}
	j.next.ServeHTTP(w, r)
}

// TestThreeShardsMerge is issue 11's test: three shard processes of one
// plan (--shard I/3, one --start-at) on loopback against one reference
// server. The merged totals equal the sum of the shards', the merged
// percentiles equal those of one histogram built from every shard's
// samples, every shard began measuring at the agreed instant, and the
// server saw no jti twice (each shard's jti carry its own prefix).
func TestThreeShardsMerge(t *testing.T) {
	if testing.Short() {
		t.Skip("three load processes, ~6 s")
	}
	set, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := suites.Registry(set)
	if err != nil {
		t.Fatal(err)
	}
	rec := &jtiRecorder{seen: map[string]int{}}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	if rec.next, err = reference.NewHandler(reference.Options{Registry: reg, Audience: srv.URL + "/token", Issuer: srv.URL}); err != nil {
		t.Fatal(err)
	}
	tgt := writeTarget(t, srv.URL+"/token")

	const shards = 3
	startAt := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	dir := t.TempDir()
	files := make([]string, shards)
	var wg sync.WaitGroup
	outs := make([][]byte, shards)
	errs := make([]error, shards)
	for i := range shards {
		files[i] = filepath.Join(dir, fmt.Sprintf("shard-%d.ndjson", i))
		cmd := exec.Command(os.Args[0], "load", "--target", tgt, "--flow", "jwt_bearer", "--rate", "150", "--duration", "2s",
			"--ceiling", "0", "--quiet", "--shard", fmt.Sprintf("%d/%d", i, shards), "--start-at", startAt.Format(time.RFC3339), "--out", files[i])
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	runs := make([]*loadgen.Run, shards)
	for i := range shards {
		if errs[i] != nil {
			t.Fatalf("shard %d: %v\n%s", i, errs[i], outs[i])
		}
		if runs[i], err = loadgen.ReadRunFile(files[i]); err != nil {
			t.Fatalf("shard %d run file: %v", i, err)
		}
		h := runs[i].Header
		si := h.Machines[0].Shard
		if si == nil || si.Index != i || si.Count != shards || si.PlanHash != runs[0].Header.Machines[0].Shard.PlanHash || si.ClockSource == "" {
			t.Errorf("shard %d header shard info %+v", i, si)
		}
		if !h.Start.Equal(startAt) {
			t.Errorf("shard %d began measuring at %s, agreed %s", i, h.Start, startAt)
		}
		if h.Plan.Rate != 50 {
			t.Errorf("shard %d rate %v, want 150/3", i, h.Plan.Rate)
		}
		t.Logf("shard %d: sent %d, start offset %s, ready %s before", i, runs[i].Summary.All.Counters.Sent, si.StartOffset.D(), si.Ready.D())
	}

	merged := filepath.Join(dir, "merged.ndjson")
	if _, code, msg := execRoot(t, "report", "merge", files[0], files[1], files[2], "-o", merged); code != ExitOK {
		t.Fatalf("report merge: exit %d %s", code, msg)
	}
	m, err := loadgen.ReadRunFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Plan.Rate != 150 || len(m.Header.Machines) != shards {
		t.Errorf("merged plan rate %v over %d machines, want 150 over 3", m.Header.Plan.Rate, len(m.Header.Machines))
	}

	// The merged run renders like a single one, one machine line per shard.
	text, code, msg := execRoot(t, "report", merged)
	if code != ExitOK {
		t.Fatalf("report merged: exit %d %s", code, msg)
	}
	for i := range shards {
		for _, want := range []string{
			fmt.Sprintf("shard %d/%d of plan %s, on time", i, shards, runs[0].Header.Machines[0].Shard.PlanHash),
			fmt.Sprintf("; sent %d, as expected", runs[i].Summary.All.Counters.Sent),
		} {
			if !strings.Contains(text, want) {
				t.Errorf("merged report lacks %q:\n%s", want, text)
			}
		}
	}
	for _, format := range []string{"markdown", "html"} {
		if _, code, msg := execRoot(t, "report", merged, "--format", format); code != ExitOK {
			t.Errorf("report --format %s: exit %d %s", format, code, msg)
		}
	}
	// Refusals: a shard missing, a shard twice.
	if _, code, msg := execRoot(t, "report", "merge", files[0], files[2], "-o", filepath.Join(dir, "x.ndjson")); code != ExitUsage || !strings.Contains(msg, "shards missing: 1/3") {
		t.Errorf("merge without shard 1: exit %d %q", code, msg)
	}

	// Totals: the merged counters are the sums of the shards'.
	var sum loadgen.Counters
	all := loadgen.NewHistogram()
	for _, r := range runs {
		sum.Add(&r.Summary.All.Counters)
		for _, iv := range r.Intervals {
			h, err := loadgen.DecodeHistogram(iv.Response)
			if err != nil {
				t.Fatal(err)
			}
			all.Merge(h)
		}
	}
	got := m.Summary.All.Counters
	for name, pair := range map[string][2]int64{
		"scheduled": {got.Scheduled, sum.Scheduled}, "sent": {got.Sent, sum.Sent}, "issued": {got.Issued, sum.Issued},
		"rejected": {got.Rejected, sum.Rejected}, "dropped": {got.Dropped, sum.Dropped}, "late": {got.Late, sum.Late},
		"bytes out": {got.BytesOut, sum.BytesOut}, "bytes in": {got.BytesIn, sum.BytesIn},
	} {
		if pair[0] != pair[1] {
			t.Errorf("merged %s %d, sum of shards %d", name, pair[0], pair[1])
		}
	}
	if sum.Sent < 200 || sum.Issued != sum.Sent {
		t.Errorf("shards sent %d, issued %d: want about 300, all issued", sum.Sent, sum.Issued)
	}
	// Percentiles: those of one histogram of every shard's samples.
	if want := loadgen.StatsOf(all); m.Summary.All.Response != want {
		t.Errorf("merged response stats %+v, one histogram of all samples %+v", m.Summary.All.Response, want)
	}

	// Server side: no jti twice; each shard's prefix counts its requests
	// plus its one pre-flight exchange.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	perPrefix := map[string]int64{}
	for jti, n := range rec.seen {
		if n > 1 {
			t.Errorf("jti %q sent %d times", jti, n)
		}
		prefix, _, _ := strings.Cut(jti, ".")
		perPrefix[prefix]++
	}
	for i, r := range runs {
		if got, want := perPrefix[fmt.Sprint(i)], r.Summary.All.Counters.Sent+1; got != want {
			t.Errorf("server saw %d jti with shard %d's prefix, the shard sent %d (+1 pre-flight)", got, i, want-1)
		}
	}
	if len(perPrefix) != shards {
		t.Errorf("jti prefixes seen: %v, want exactly one per shard", perPrefix)
	}
}
