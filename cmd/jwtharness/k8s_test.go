package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/jwtharness/jwtharness/fixtures/fixtureset"
)

// execRoot runs the command tree with args and returns its stdout and the
// exit code run() would return, with the error text.
func execRoot(t *testing.T, args ...string) (stdout string, code int, msg string) {
	t.Helper()
	root := newRootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return out.String(), ExitOK, ""
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return out.String(), ee.code, err.Error()
	}
	return out.String(), ExitUsage, err.Error()
}

func writeFixtureDir(t *testing.T) string {
	t.Helper()
	s, err := fixtureset.Shared()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := s.WriteTo(dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, fixtureset.TargetFile)
}

func TestK8sGenerates(t *testing.T) {
	tgt := writeFixtureDir(t)
	out := filepath.Join(t.TempDir(), "m")
	stdout, code, msg := execRoot(t, "k8s", "--target", tgt, "--shards", "3", "--rate", "3000/s", "--duration", "1m",
		"--sign-cost", "900us", "--start-at", "+5m", "-o", out, "-n", "loadtest")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	for _, want := range []string{"kubectl apply -f " + out + "/", "jwtharness report merge shard-*.ndjson", "minting fresh assertions is the bound"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	st, err := os.Stat(filepath.Join(out, "secret.yaml"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.yaml: %v %v, want mode 0600", st, err)
	}
	var job batchv1.Job
	var sec corev1.Secret
	for path, obj := range map[string]any{"job.yaml": &job, "secret.yaml": &sec} {
		b, err := os.ReadFile(filepath.Join(out, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(b, obj); err != nil {
			t.Errorf("%s does not decode strictly: %v", path, err)
		}
	}
	if _, ok := sec.Data["target.yaml"]; !ok || len(sec.Data["client-rsa.key"]) == 0 {
		t.Errorf("secret keys %v: want the target file and its keys", len(sec.Data))
	}
	if *job.Spec.Completions != 3 || job.Namespace != "loadtest" || job.Spec.Template.Spec.Volumes[0].Secret.SecretName != sec.Name {
		t.Errorf("job: completions %d namespace %q secret %q", *job.Spec.Completions, job.Namespace, sec.Name)
	}
	if strings.Contains(stdout, "PRIVATE KEY") {
		t.Error("key material printed")
	}

	// --secret next to a generated secret.yaml would apply a stale Secret.
	if _, code, msg := execRoot(t, "k8s", "--secret", "gw", "--shards", "2", "--rate", "100", "--duration", "1m", "--sign-cost", "1ms", "-o", out); code != ExitUsage || !strings.Contains(msg, "secret.yaml") {
		t.Errorf("stale secret.yaml: exit %d %q", code, msg)
	}
}

func TestK8sMeasuresSignCost(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m")
	stdout, code, msg := execRoot(t, "k8s", "--secret", "gw-target", "--shards", "2", "--rate", "1000", "--duration", "1m",
		"--flow", "client_secret_jwt", "-o", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if !strings.Contains(stdout, "per HS256 assertion (measured here in thread CPU time") {
		t.Errorf("no measured cost:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "secret.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--secret wrote a secret.yaml: %v", err)
	}
}

func TestK8sBadFlags(t *testing.T) {
	tgt := writeFixtureDir(t)
	base := []string{"k8s", "--target", tgt, "--duration", "1m", "--sign-cost", "1ms", "-o", t.TempDir()}
	for _, tc := range []struct {
		flag string
		args []string
	}{
		{"shards", []string{"--rate", "100"}},
		{"shards", []string{"--rate", "100", "--shards", "0"}},
		{"rate", []string{"--shards", "2", "--rate", "fast"}},
		{"rate", []string{"--shards", "2"}},
		{"start-at", []string{"--shards", "2", "--rate", "100", "--start-at", "soon"}},
		{"start-at", []string{"--shards", "2", "--rate", "100", "--start-at", "2001-01-01T00:00:00Z"}},
		{"cpu", []string{"--shards", "2", "--rate", "100", "--cpu", "lots"}},
		{"cpu", []string{"--shards", "2", "--concurrency", "8"}},
		{"memory", []string{"--shards", "2", "--rate", "100", "--memory", "-1Gi"}},
		{"flow", []string{"--shards", "2", "--rate", "100", "--flow", "implicit"}},
		{"alg", []string{"--shards", "2", "--rate", "100", "--alg", "RS1"}},
		{"alg", []string{"--shards", "2", "--rate", "100", "--alg", "ES512"}},
		{"name", []string{"--shards", "2", "--rate", "100", "--name", "Load_Test"}},
		{"load-arg", []string{"--shards", "2", "--rate", "100", "--load-arg=--out=x"}},
		{"secret", []string{"--shards", "2", "--rate", "100", "--secret", "gw"}},
		{"target", []string{"--shards", "2", "--rate", "100", "--target", filepath.Join(t.TempDir(), "none.yaml")}},
	} {
		_, code, msg := execRoot(t, append(append([]string{}, base...), tc.args...)...)
		if code != ExitUsage || !strings.Contains(msg, "--"+tc.flag) {
			t.Errorf("%q: exit %d %q; want exit 2 naming --%s", tc.args, code, msg, tc.flag)
		}
	}
}

func TestK8sShard(t *testing.T) {
	results := t.TempDir()
	runFile := filepath.Join(results, "shard-0.ndjson")
	if _, code, _ := execRoot(t, "k8s", "ready", "--results", results); code == ExitOK {
		t.Error("ready before load ran")
	}
	tiny := []string{"k8s", "shard", "--results", results, "--hold", "0s", "--", "load", "--quiet", "--ceiling", "0", "--concurrency", "2", "--requests", "20", "--out", runFile}
	if _, code, msg := execRoot(t, tiny...); code != ExitOK {
		t.Fatalf("shard: exit %d %s", code, msg)
	}
	if _, code, msg := execRoot(t, "k8s", "ready", "--results", results); code != ExitOK {
		t.Errorf("ready after load: exit %d %s", code, msg)
	}
	stdout, code, msg := execRoot(t, "k8s", "cat", "--results", results, runFile)
	want, _ := os.ReadFile(runFile)
	if code != ExitOK || stdout != string(want) || len(want) == 0 {
		t.Errorf("cat: exit %d %s, %d bytes, want %d", code, msg, len(stdout), len(want))
	}
	for _, bad := range []string{filepath.Join(results, "done"), filepath.Join(results, "..", "x.ndjson"), "/etc/jwtharness/client-rsa.key"} {
		if _, code, _ := execRoot(t, "k8s", "cat", "--results", results, bad); code != ExitUsage {
			t.Errorf("cat %s: exit %d, want 2", bad, code)
		}
	}
	// load's own exit code comes out of the shard.
	if _, code, _ := execRoot(t, "k8s", "shard", "--results", results, "--hold", "0s", "--", "load", "--quiet", "--concurrency", "2"); code != ExitUsage {
		t.Errorf("shard of an unbounded load: exit %d, want 2", code)
	}
	if _, code, _ := execRoot(t, "k8s", "shard", "--results", results, "--", "serve"); code != ExitUsage {
		t.Errorf("shard of serve: exit %d, want 2", code)
	}
}

func TestWaitRelease(t *testing.T) {
	dir := t.TempDir()
	release := filepath.Join(dir, "release")
	go func() {
		time.Sleep(30 * time.Millisecond)
		if code := run([]string{"k8s", "release", "--results", dir}); code != ExitOK {
			t.Errorf("release: exit %d", code)
		}
	}()
	start := time.Now()
	waitRelease(context.Background(), release, time.Minute, 5*time.Millisecond)
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("release took %s", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	waitRelease(ctx, filepath.Join(dir, "never"), time.Minute, time.Millisecond) // returns: ctx done
}

// TestK8sJobArgsRunLocally does what the pods of a generated Job do, on
// loopback: it generates the manifests for a reference server, takes the
// container arguments from job.yaml (every load flag must exist), runs the
// shards at the same time through `k8s shard` with the completion index
// substituted and the pod paths mapped to temporary directories, collects
// the run files with `k8s cat` and merges them with `report merge`.
func TestK8sJobArgsRunLocally(t *testing.T) {
	tgt := flawedServer(t)
	out := filepath.Join(t.TempDir(), "m")
	if _, code, msg := execRoot(t, "k8s", "--target", tgt, "--shards", "2", "--rate", "40", "--duration", "500ms",
		"--sign-cost", "1ms", "--start-at", "+2s", "--load-arg=--ceiling=0", "--hold", "0s", "-o", out); code != ExitOK {
		t.Fatalf("k8s: exit %d %s", code, msg)
	}
	b, err := os.ReadFile(filepath.Join(out, "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(b, &job); err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	loadFlags := newLoadCmd().Flags()
	results := t.TempDir()
	n := int(*job.Spec.Completions)
	shardArgs := make([][]string, n)
	for i := range n {
		idx := strconv.Itoa(i)
		for j := 0; j < len(c.Args); j++ {
			a := strings.ReplaceAll(c.Args[j], "$(JOB_COMPLETION_INDEX)", idx)
			a = strings.Replace(a, "/etc/jwtharness", filepath.Dir(tgt), 1)
			a = strings.Replace(a, "/results", results, 1)
			if name, ok := strings.CutPrefix(c.Args[j], "--"); ok && slices.Contains(shardArgs[i], "load") {
				if name, _, _ = strings.Cut(name, "="); loadFlags.Lookup(name) == nil {
					t.Errorf("the Job passes --%s, which load does not know", name)
				}
			}
			shardArgs[i] = append(shardArgs[i], a)
		}
	}
	// The pods run at the same time (merge refuses runs that were not).
	codes := make([]int, n)
	msgs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, codes[i], msgs[i] = execRoot(t, shardArgs[i]...)
		}()
	}
	wg.Wait()
	var runFiles []string
	for i := range n {
		if codes[i] != ExitOK {
			t.Fatalf("shard %d %q: exit %d %s", i, shardArgs[i], codes[i], msgs[i])
		}
		idx := strconv.Itoa(i)
		runFile := filepath.Join(results, "shard-"+idx+".ndjson")
		stdout, code, msg := execRoot(t, "k8s", "cat", "--results", results, runFile)
		if code != ExitOK || len(stdout) == 0 {
			t.Fatalf("cat shard %d: exit %d %s", i, code, msg)
		}
		collected := filepath.Join(t.TempDir(), "shard-"+idx+".ndjson")
		if err := os.WriteFile(collected, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		runFiles = append(runFiles, collected)
	}
	merged := filepath.Join(t.TempDir(), "merged.ndjson")
	if _, code, msg := execRoot(t, append(append([]string{"report", "merge"}, runFiles...), "-o", merged)...); code != ExitOK {
		t.Fatalf("report merge: exit %d %s", code, msg)
	}
	if _, code, msg := execRoot(t, "report", merged); code != ExitOK {
		t.Errorf("report merged: exit %d %s", code, msg)
	}
}
