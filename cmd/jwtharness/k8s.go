package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/jwtharness/jwtharness/deploy/k8s"
	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

type k8sFlags struct {
	target, secret, targetName string
	out                        string
	rate                       string
	startAt                    string
	flow, alg                  string
	keySize                    int
	signCost                   time.Duration
	cpu, memory                string
	plan                       k8s.Plan
}

func newK8sCmd() *cobra.Command {
	f := &k8sFlags{}
	cmd := &cobra.Command{
		Use:   "k8s --shards N --rate R --duration D --target FILE",
		Short: "Generate a Kubernetes Indexed Job that runs one load plan as N shards, and the commands that collect and merge them",
		Long: `k8s writes Kubernetes manifests for a distributed load run into --out DIR:

  job.yaml     an Indexed Job (completionMode Indexed, completions = parallelism = N);
               pod I runs 'jwtharness load --shard I/N --start-at T --out /results/shard-I.ndjson'
               with I from the Job's completion index, the whole plan's --rate or
               --concurrency (each shard takes 1/N), and the target file mounted read-only
               at /etc/jwtharness from a Secret
  secret.yaml  that Secret, made from every file in the target file's directory
               (mode 0600; contains the keys: do not commit it). With --secret NAME the
               Job mounts an existing Secret instead, e.g. one made with
               kubectl create secret generic NAME --from-file=fx/

Each pod requests the CPU its share needs: rate/N × (cost of minting one assertion +
cost of sending one request) × 1.25. The minting cost is measured here, with this
flow's key, unless --sign-cost is given: minting fresh RS256 assertions, not
connections, is what bounds a generator. Memory covers the shard's assertion pool.

Every shard pre-mints its pool, then starts measuring at the same wall-clock instant
(--start-at, RFC 3339 or +DURATION from now). A finished shard marks its pod Ready and
keeps its run file in an emptyDir until collected (or --hold passes). The commands to
apply, wait, collect, merge and clean up are printed at the end.`,
		Example: `  jwtharness k8s --target fx/target.yaml --shards 3 --rate 30000 --duration 5m --image registry.example/jwtharness:v1
  jwtharness k8s --secret gw-target --shards 8 --rate 120000 --duration 10m --alg RS256 --sign-cost 900us -n loadtest`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runK8s(cmd, f) },
	}
	fl := cmd.Flags()
	p := &f.plan
	fl.StringVar(&f.target, "target", "", "target file; its directory becomes the Secret mounted by every shard")
	fl.StringVar(&f.secret, "secret", "", "mount this existing Secret instead of generating one from --target's directory")
	fl.StringVar(&f.targetName, "target-name", "target.yaml", "with --secret: the target file's key in the Secret")
	fl.StringVarP(&f.out, "out", "o", "jwtharness-k8s", "directory to write job.yaml (and secret.yaml) into")
	fl.StringVar(&p.Name, "name", k8s.DefaultName, "Job name (DNS-1123 label, at most 52 characters)")
	fl.StringVarP(&p.Namespace, "namespace", "n", "", "namespace (default: kubectl's context)")
	fl.StringVar(&p.Image, "image", k8s.DefaultImage, "container image (go run ./deploy/image builds one)")
	fl.IntVar(&p.Shards, "shards", 0, "number of shards (pods), N")
	fl.StringVar(&f.rate, "rate", "", "open model: the whole plan's requests per second; each shard sends rate/N")
	fl.IntVar(&p.Concurrency, "concurrency", 0, "closed model: the whole plan's connections; each shard opens concurrency/N (needs --cpu)")
	fl.DurationVar(&p.Duration, "duration", 0, "measured duration of every shard")
	fl.DurationVar(&p.Warmup, "warmup", 0, "warm-up before measuring")
	fl.StringVar(&f.startAt, "start-at", "+3m", "agreed instant every shard starts measuring: RFC 3339, or +DURATION from now")
	fl.StringVar(&f.flow, "flow", string(fixtures.FlowJWTBearer), "flow: jwt_bearer, private_key_jwt, client_secret_jwt")
	fl.StringVar(&f.alg, "alg", "", "signing algorithm (default: the flow's credential in the target file; RS256, ES256 for private_key_jwt, HS256 without one)")
	fl.IntVar(&f.keySize, "key-size", 2048, "without --target: RSA key size to measure the minting cost with")
	fl.StringVar(&p.Mix, "mix", "", "classes and weights passed to load --mix")
	fl.IntVar(&p.MaxInflight, "max-inflight", 0, "passed to load --max-inflight (per shard)")
	fl.StringArrayVar(&p.LoadArgs, "load-arg", nil, "further load flag passed verbatim, repeatable (e.g. --load-arg=--client=net)")
	fl.DurationVar(&f.signCost, "sign-cost", 0, "CPU time to mint one assertion on one core (default: measured here, ~300 ms of one core's CPU time)")
	fl.DurationVar(&p.SendCost, "send-cost", k8s.DefaultSendCost, "generator CPU time per request on its HTTP path")
	fl.StringVar(&f.cpu, "cpu", "", "CPU request per shard (default: derived from the rate and minting cost)")
	fl.StringVar(&f.memory, "memory", "", "memory request and limit per shard (default: derived from the pool size)")
	fl.DurationVar(&p.Hold, "hold", k8s.DefaultHold, "how long a finished shard keeps its run file for collection")
	cmd.AddCommand(newK8sShardCmd(), newK8sReadyCmd(), newK8sCatCmd(), newK8sReleaseCmd())
	return cmd
}

func runK8s(cmd *cobra.Command, f *k8sFlags) error {
	p := &f.plan
	p.Now = time.Now().UTC().Truncate(time.Second)
	out := cmd.OutOrStdout()
	if f.rate != "" {
		r, err := parseRate(f.rate) // load's rule
		if err != nil {
			return usageErr(err)
		}
		p.Rate = r
	}
	start, err := k8s.ParseStartAt(f.startAt, p.Now)
	if err != nil {
		return usageErr(err)
	}
	p.StartAt = start
	for _, q := range []struct {
		flag, v string
		dst     *resource.Quantity
	}{{"cpu", f.cpu, &p.CPU}, {"memory", f.memory, &p.Memory}} {
		if q.v == "" {
			continue
		}
		v, err := resource.ParseQuantity(q.v)
		if err != nil || v.Sign() <= 0 {
			return usageErr(fmt.Errorf("--%s %q: want a positive Kubernetes quantity such as 2, 500m or 512Mi", q.flag, q.v))
		}
		*q.dst = v
	}
	flow := fixtures.Flow(f.flow)
	if !flow.Valid() {
		return usageErr(fmt.Errorf("--flow %q: want one of %v", f.flow, fixtures.Flows))
	}
	p.Flow = f.flow
	var alg jose.SignatureAlgorithm
	if f.alg != "" {
		a, err := fixtures.ParseAlg(f.alg)
		if err != nil {
			return usageErr(fmt.Errorf("--alg: %w", err))
		}
		alg = a
	}
	p.Alg = string(alg)
	if p.Shards <= 0 {
		return usageErr(errors.New("--shards: give the number of shards (pods), N ≥ 1"))
	}

	var (
		files    map[string][]byte
		cred     *fixtures.Credential
		audience = "https://token.example/token"
	)
	switch {
	case f.target != "" && f.secret != "":
		return usageErr(errors.New("--secret: give --target (a Secret is generated from its directory) or --secret (an existing one), not both"))
	case f.target != "":
		fs, skipped, err := k8s.SecretFiles(filepath.Dir(f.target))
		if err != nil {
			return usageErr(fmt.Errorf("--target: %w", err))
		}
		name := filepath.Base(f.target)
		if _, ok := fs[name]; !ok {
			return usageErr(fmt.Errorf("--target %s: not a regular file the Secret can carry", f.target))
		}
		// Load the target from exactly what the pods will see.
		tmp, err := os.MkdirTemp("", "jwtharness-k8s-")
		if err != nil {
			return incompleteErr(err)
		}
		defer os.RemoveAll(tmp)
		if err := k8s.MaterializeSecret(tmp, fs); err != nil {
			return incompleteErr(err)
		}
		t, err := target.Load(filepath.Join(tmp, name))
		if err != nil {
			return usageErr(fmt.Errorf("--target %s does not load from its directory's files as the pods will see them: %w", f.target, err))
		}
		if !t.Offers(flow) {
			return usageErr(fmt.Errorf("--flow %s: the target file does not offer it", flow))
		}
		if cred = t.Credential(flow, alg); cred == nil {
			return usageErr(fmt.Errorf("--alg %s: the target file has no %s credential signing with it", alg, flow))
		}
		audience = t.Audience
		if bytes.Contains(fs[name], []byte("${")) {
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s reads environment variables (${...}); the pods do not have them: put such secrets in files next to it\n", f.target)
		}
		if len(skipped) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "not in the Secret: %s\n", strings.Join(skipped, ", "))
		}
		files, p.TargetFile, p.SecretName = fs, name, p.Name+"-target"
	case f.secret != "":
		p.TargetFile, p.SecretName = f.targetName, f.secret
		if f.signCost == 0 {
			a := alg
			if a == "" {
				a = map[fixtures.Flow]jose.SignatureAlgorithm{fixtures.FlowJWTBearer: jose.RS256, fixtures.FlowPrivateKeyJWT: jose.ES256, fixtures.FlowClientSecretJWT: jose.HS256}[flow]
			}
			c, err := fixtures.GenerateCredential("client-measure", a, fixtures.CertValid, f.keySize)
			if err != nil {
				return usageErr(fmt.Errorf("--alg/--key-size: %w", err))
			}
			cred = c
		}
	default:
		return usageErr(errors.New("--target: give the target file (its directory becomes the Secret) or --secret NAME of an existing Secret"))
	}
	if f.signCost < 0 {
		return usageErr(fmt.Errorf("--sign-cost %s: want a positive duration", f.signCost))
	}
	// Validate the cheap flags before spending 300 ms measuring.
	p.SignCost = f.signCost
	if p.SignCost == 0 {
		p.SignCost = time.Nanosecond
	}
	if err := p.Validate(); err != nil {
		return usageErr(err)
	}
	p.SignCost = f.signCost
	how := "given"
	if p.SignCost == 0 && p.Rate > 0 {
		c, clock, err := k8s.MeasureSignCost(cred, flow, audience, 300*time.Millisecond)
		if err != nil {
			return usageErr(err)
		}
		p.SignCost = c.Round(time.Microsecond)
		how = "measured here in " + clock + " with fixtures.Minter on one core; the nodes' cores may differ: --sign-cost gives theirs"
	}
	job, err := p.Job()
	if err != nil {
		return usageErr(err)
	}
	jobYAML, err := k8s.Marshal(job)
	if err != nil {
		return incompleteErr(err)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return usageErr(fmt.Errorf("--out: %w", err))
	}
	secretPath := filepath.Join(f.out, "secret.yaml")
	if files != nil {
		secYAML, err := k8s.Marshal(p.Secret(files))
		if err != nil {
			return incompleteErr(err)
		}
		// The Secret carries private keys: always a fresh 0600 file.
		if err := os.Remove(secretPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return usageErr(fmt.Errorf("--out: %w", err))
		}
		if err := os.WriteFile(secretPath, secYAML, 0o600); err != nil {
			return incompleteErr(err)
		}
	} else if _, err := os.Stat(secretPath); err == nil {
		return usageErr(fmt.Errorf("--out: %s is left from an earlier generation and kubectl apply -f %s/ would apply it: remove it, or choose another --out", secretPath, f.out))
	}
	jobPath := filepath.Join(f.out, "job.yaml")
	if err := os.WriteFile(jobPath, jobYAML, 0o644); err != nil {
		return incompleteErr(err)
	}

	if files != nil {
		fmt.Fprintf(out, "wrote %s (0600; Secret %s with %s: holds keys, do not commit it)\n", secretPath, p.SecretName, strings.Join(k8s.FileNames(files), ", "))
	}
	fmt.Fprintf(out, "wrote %s (Indexed Job %s, %d shards, image %s, mounting Secret %s)\n", jobPath, p.Name, p.Shards, p.Image, p.SecretName)
	if p.Rate > 0 {
		fmt.Fprintf(out, "minting cost: %s per %s assertion (%s)\n", p.SignCost, algName(cred, alg), how)
	}
	fmt.Fprint(out, p.SizingText())
	fmt.Fprintln(out)
	fmt.Fprint(out, p.Commands(f.out))
	return nil
}

func algName(c *fixtures.Credential, alg jose.SignatureAlgorithm) string {
	if alg != "" {
		return string(alg)
	}
	if c != nil {
		return string(c.Alg)
	}
	return "the flow's"
}

// Shard-side subcommands: they run inside the pod the Job made.

const (
	shardDoneFile    = "done"
	shardReleaseFile = "release"
)

func newK8sShardCmd() *cobra.Command {
	var (
		results string
		hold    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "shard --results DIR [--hold D] -- load ARGS...",
		Short: "Inside a shard pod: run load, mark the pod Ready when it has exited, keep the run file until released",
		Long: `shard runs 'jwtharness load ARGS...' in this process, then writes DIR/done (the
pod's readiness probe, 'jwtharness k8s ready', turns it Ready), then waits until
'jwtharness k8s release' is run, --hold passes or the pod is stopped, so the run file
in the pod's emptyDir can be collected with 'jwtharness k8s cat'. It exits with
load's exit code.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] != "load" {
				return usageErr(fmt.Errorf("shard: runs only `load ...`, got %q", args[0]))
			}
			if hold < 0 {
				return usageErr(fmt.Errorf("--hold %s: want zero or more", hold))
			}
			if st, err := os.Stat(results); err != nil || !st.IsDir() {
				return usageErr(fmt.Errorf("--results %s: not a directory", results))
			}
			code := run(args)
			if err := os.WriteFile(filepath.Join(results, shardDoneFile), []byte("exit "+strconv.Itoa(code)+"\n"), 0o644); err != nil {
				return incompleteErr(fmt.Errorf("shard: %w", err))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "load exited %d; holding the run files in %s for %s or until `jwtharness k8s release`\n", code, results, hold)
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			waitRelease(ctx, filepath.Join(results, shardReleaseFile), hold, time.Second)
			if code != ExitOK {
				return &exitError{code: code}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&results, "results", k8s.ResultsDir, "directory holding the run file")
	cmd.Flags().DurationVar(&hold, "hold", k8s.DefaultHold, "how long to keep the pod (and its run file) after load exits")
	return cmd
}

// waitRelease returns when the release file exists, hold has passed or ctx
// is done, checking every poll.
func waitRelease(ctx context.Context, release string, hold, poll time.Duration) {
	deadline := time.NewTimer(hold)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		if _, err := os.Stat(release); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

func newK8sReadyCmd() *cobra.Command {
	var results string
	cmd := &cobra.Command{
		Use:   "ready [--results DIR]",
		Short: "Inside a shard pod (readiness probe): exit 0 once load has exited and its run file is final",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(filepath.Join(results, shardDoneFile)); err != nil {
				return &exitError{code: ExitGateFailed, err: errors.New("load has not exited yet")}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&results, "results", k8s.ResultsDir, "directory holding the run file")
	return cmd
}

func newK8sCatCmd() *cobra.Command {
	var results string
	cmd := &cobra.Command{
		Use:   "cat FILE",
		Short: "Inside a shard pod: print a run file (*.ndjson under --results) to stdout, for kubectl exec",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := filepath.Clean(args[0])
			dir := filepath.Clean(results)
			if filepath.Dir(path) != dir || !strings.HasSuffix(path, ".ndjson") {
				return usageErr(fmt.Errorf("cat: %s: only run files (*.ndjson) directly in %s", args[0], dir))
			}
			fh, err := os.Open(path)
			if err != nil {
				return usageErr(fmt.Errorf("cat: %w", err))
			}
			defer fh.Close()
			if _, err := io.Copy(cmd.OutOrStdout(), fh); err != nil {
				return incompleteErr(fmt.Errorf("cat: %w", err))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&results, "results", k8s.ResultsDir, "directory holding the run files")
	return cmd
}

func newK8sReleaseCmd() *cobra.Command {
	var results string
	cmd := &cobra.Command{
		Use:   "release [--results DIR]",
		Short: "Inside a shard pod: let the shard exit now that its run file is collected",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := os.WriteFile(filepath.Join(results, shardReleaseFile), nil, 0o644); err != nil {
				return usageErr(fmt.Errorf("release: %w", err))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&results, "results", k8s.ResultsDir, "directory holding the run file")
	return cmd
}
