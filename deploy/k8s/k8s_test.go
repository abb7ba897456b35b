package k8s

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yaml")

var genTime = time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)

func goldenPlan() Plan {
	return Plan{
		Name: DefaultName, Namespace: "loadtest", Image: "registry.example/jwtharness:v1",
		Shards: 3, Rate: 30000, Duration: 5 * time.Minute, Warmup: 10 * time.Second,
		StartAt: genTime.Add(5 * time.Minute), Flow: "jwt_bearer", Alg: "RS256",
		Mix: "valid=95,sig-wrong-key=5", MaxInflight: 128,
		TargetFile: "target.yaml", SecretName: DefaultName + "-target",
		SignCost: 900 * time.Microsecond, Hold: DefaultHold, Now: genTime,
	}
}

// decodeStrict decodes a YAML stream into the API types, rejecting unknown
// fields and duplicate keys.
func decodeStrict(t *testing.T, stream []byte) (jobs []*batchv1.Job, secrets []*corev1.Secret, err error) {
	t.Helper()
	for _, doc := range bytes.Split(stream, []byte("\n---\n")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			return nil, nil, err
		}
		switch tm.APIVersion + " " + tm.Kind {
		case "batch/v1 Job":
			var j batchv1.Job
			if err := yaml.UnmarshalStrict(doc, &j); err != nil {
				return nil, nil, err
			}
			jobs = append(jobs, &j)
		case "v1 Secret":
			var s corev1.Secret
			if err := yaml.UnmarshalStrict(doc, &s); err != nil {
				return nil, nil, err
			}
			secrets = append(secrets, &s)
		default:
			return nil, nil, errors.New("unexpected object " + tm.APIVersion + " " + tm.Kind)
		}
	}
	return jobs, secrets, nil
}

func TestJobGolden(t *testing.T) {
	p := goldenPlan()
	job, err := p.Job()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "job.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./deploy/k8s -run TestJobGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("generated Job differs from %s (rerun with -update if intended):\n%s", golden, got)
	}
}

func TestJobDecodesStrictly(t *testing.T) {
	p := goldenPlan()
	job, err := p.Job()
	if err != nil {
		t.Fatal(err)
	}
	sec := p.Secret(map[string][]byte{"target.yaml": []byte("token_endpoint: https://gw.example/token\n"), "rsa.key": []byte("-----BEGIN PRIVATE KEY-----\n")})
	stream, err := Marshal(sec, job)
	if err != nil {
		t.Fatal(err)
	}
	jobs, secrets, err := decodeStrict(t, stream)
	if err != nil {
		t.Fatalf("strict decode: %v\n%s", err, stream)
	}
	if len(jobs) != 1 || len(secrets) != 1 {
		t.Fatalf("decoded %d jobs, %d secrets; want 1 and 1", len(jobs), len(secrets))
	}
	j, s := jobs[0], secrets[0]
	if string(s.Data["rsa.key"]) != "-----BEGIN PRIVATE KEY-----\n" || s.Name != p.SecretName || s.Namespace != "loadtest" {
		t.Errorf("secret round trip: name %q ns %q data %q", s.Name, s.Namespace, s.Data)
	}
	spec := j.Spec
	if spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode = %v, want Indexed", spec.CompletionMode)
	}
	if *spec.Completions != 3 || *spec.Parallelism != 3 {
		t.Errorf("completions %d, parallelism %d; want 3 and 3", *spec.Completions, *spec.Parallelism)
	}
	if spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || *spec.BackoffLimit != 0 {
		t.Errorf("restartPolicy %q backoffLimit %d; want Never and 0", spec.Template.Spec.RestartPolicy, *spec.BackoffLimit)
	}
	c := spec.Template.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{
		"k8s shard --results /results --hold 30m0s -- load ",
		"--target /etc/jwtharness/target.yaml",
		"--rate 30000 ",
		"--shard $(JOB_COMPLETION_INDEX)/3",
		"--start-at 2026-11-30T11:05:00Z",
		"--out /results/shard-$(JOB_COMPLETION_INDEX).ndjson",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	// 30000/3 = 10000/s × (900 µs + 10 µs) = 9.1 cores × 1.25 = 11.375 → 11.4
	if got := c.Resources.Requests.Cpu().String(); got != "11400m" {
		t.Errorf("cpu request %s, want 11400m", got)
	}
	if c.Resources.Limits.Cpu() != nil && !c.Resources.Limits.Cpu().IsZero() {
		t.Errorf("cpu limit %s: want none (throttling shows up as latency)", c.Resources.Limits.Cpu())
	}
	if !c.Resources.Requests.Memory().Equal(*c.Resources.Limits.Memory()) {
		t.Errorf("memory request %s != limit %s", c.Resources.Requests.Memory(), c.Resources.Limits.Memory())
	}
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Template.Spec.Volumes {
		vols[v.Name] = v
	}
	if vols["target"].Secret == nil || vols["target"].Secret.SecretName != p.SecretName {
		t.Errorf("target volume %+v: want Secret %s", vols["target"], p.SecretName)
	}
	if vols["results"].EmptyDir == nil {
		t.Errorf("results volume %+v: want an emptyDir", vols["results"])
	}
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	p := goldenPlan()
	job, _ := p.Job()
	stream, err := Marshal(job)
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func([]byte) []byte{
		"unknown spec field": func(b []byte) []byte {
			return bytes.Replace(b, []byte("\n  completionMode: Indexed\n"), []byte("\n  completionMode: Indexed\n  completionsMode: Indexed\n"), 1)
		},
		"misspelt container field": func(b []byte) []byte {
			return bytes.Replace(b, []byte("imagePullPolicy:"), []byte("imagePulPolicy:"), 1)
		},
		"duplicate key": func(b []byte) []byte {
			return bytes.Replace(b, []byte("\n  parallelism: 3\n"), []byte("\n  parallelism: 3\n  parallelism: 4\n"), 1)
		},
	} {
		bad := edit(stream)
		if bytes.Equal(bad, stream) {
			t.Fatalf("%s: edit did not apply", name)
		}
		if _, _, err := decodeStrict(t, bad); err == nil {
			t.Errorf("%s: strict decoding accepted it", name)
		}
	}
}

func TestValidateNamesTheFlag(t *testing.T) {
	for _, tc := range []struct {
		flag string
		edit func(*Plan)
	}{
		{"name", func(p *Plan) { p.Name = "Bad_Name" }},
		{"name", func(p *Plan) { p.Name = strings.Repeat("a", 53) }},
		{"namespace", func(p *Plan) { p.Namespace = "NS" }},
		{"image", func(p *Plan) { p.Image = "" }},
		{"shards", func(p *Plan) { p.Shards = 0 }},
		{"shards", func(p *Plan) { p.Shards = MaxShards + 1 }},
		{"rate", func(p *Plan) { p.Rate = 0 }},
		{"rate", func(p *Plan) { p.Concurrency = 10 }},
		{"concurrency", func(p *Plan) { p.Rate, p.Concurrency, p.CPU = 0, 2, resource.MustParse("1") }},
		{"cpu", func(p *Plan) { p.Rate, p.Concurrency = 0, 30 }},
		{"duration", func(p *Plan) { p.Duration = 0 }},
		{"warmup", func(p *Plan) { p.Warmup = -time.Second }},
		{"start-at", func(p *Plan) { p.StartAt = time.Time{} }},
		{"start-at", func(p *Plan) { p.StartAt = genTime.Add(-time.Second) }},
		{"sign-cost", func(p *Plan) { p.SignCost = 0 }},
		{"hold", func(p *Plan) { p.Hold = -time.Second }},
		{"load-arg", func(p *Plan) { p.LoadArgs = []string{"--shard=1/2"} }},
		{"load-arg", func(p *Plan) { p.LoadArgs = []string{"--out", "x"} }},
	} {
		p := goldenPlan()
		tc.edit(&p)
		err := p.Validate()
		var fe *FlagError
		if !errors.As(err, &fe) || fe.Flag != tc.flag {
			t.Errorf("want an error naming --%s, got %v", tc.flag, err)
		}
		if _, err := p.Job(); err == nil {
			t.Errorf("--%s: Job() built a Job from an invalid plan", tc.flag)
		}
	}
	p := goldenPlan()
	if err := p.Validate(); err != nil {
		t.Errorf("golden plan: %v", err)
	}
}

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		name      string
		edit      func(*Plan)
		cpu       string
		mintBound bool
	}{
		{"RS256 minting bound", func(p *Plan) {}, "11400m", true},
		{"HS256 sending bound", func(p *Plan) { p.SignCost = 3 * time.Microsecond }, "500m", false},
		{"floor of 500m", func(p *Plan) { p.Rate = 30 }, "500m", true},
		{"one shard", func(p *Plan) { p.Shards = 1; p.Rate = 1000 }, "1200m", true},
		{"explicit cpu", func(p *Plan) { p.CPU = resource.MustParse("3") }, "3", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := goldenPlan()
			tc.edit(&p)
			s := p.Size()
			if s.CPU.String() != tc.cpu || s.MintBound != tc.mintBound {
				t.Errorf("cpu %s mint-bound %v; want %s %v", s.CPU.String(), s.MintBound, tc.cpu, tc.mintBound)
			}
			if s.PoolItems <= 0 || s.PoolItems > maxPool || s.Memory.Value() < baseMemory {
				t.Errorf("pool %d items, memory %s", s.PoolItems, s.Memory.String())
			}
		})
	}
}

func TestParseStartAt(t *testing.T) {
	for in, want := range map[string]string{
		"+3m":                       "2026-11-30T11:03:00Z",
		"+90s":                      "2026-11-30T11:01:30Z",
		"2026-11-30T12:00:00+01:00": "2026-11-30T11:00:00Z",
	} {
		got, err := ParseStartAt(in, genTime)
		if err != nil || got.Format(time.RFC3339) != want {
			t.Errorf("%q: %v %v, want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "+", "+-3m", "+0s", "tomorrow", "2026-11-30 12:00"} {
		if _, err := ParseStartAt(bad, genTime); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"target.yaml": "x", "rsa.key": "k", ".hidden": "h", "run.ndjson": "r"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, skipped, err := SecretFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(FileNames(files), ","); got != "rsa.key,target.yaml" {
		t.Errorf("files %s", got)
	}
	if got := strings.Join(skipped, ","); got != "run.ndjson,sub/" {
		t.Errorf("skipped %s", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.pem"), make([]byte, MaxSecretBytes), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := SecretFiles(dir); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("over 1 MiB: %v", err)
	}
}

func TestCommands(t *testing.T) {
	p := goldenPlan()
	cmds := p.Commands("k8s-out")
	for _, want := range []string{
		"kubectl apply -f k8s-out/",
		"kubectl wait -n loadtest job/jwtharness-load --for=jsonpath='{.status.ready}'=3",
		"for i in $(seq 0 2)",
		"batch.kubernetes.io/job-completion-index=$i",
		"/jwtharness k8s cat /results/shard-$i.ndjson > shard-$i.ndjson",
		"jwtharness report merge shard-*.ndjson -o merged.ndjson",
	} {
		if !strings.Contains(cmds, want) {
			t.Errorf("commands lack %q:\n%s", want, cmds)
		}
	}
}
