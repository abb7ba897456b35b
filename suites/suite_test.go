package suites

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// targetFile points the suite at an external endpoint instead of the
// in-process reference server: go test ./suites/ -run TestConformance
// -args -jwtharness.target=fx/target.yaml. Ginkgo's own flags work too:
// go test ./suites/ -run TestConformance -args -ginkgo.label-filter=family:aud -ginkgo.v Like -httptest.serve, the flag
// is registered only when it is on the command line.
var targetFile = func() *string {
	for _, a := range os.Args {
		if strings.HasPrefix(strings.TrimLeft(a, "-"), "jwtharness.target") {
			return flag.String("jwtharness.target", "", "target file of an external token endpoint to run the suite against")
		}
	}
	s := ""
	return &s
}()

// TestConformance runs the whole suite, through Ginkgo exactly as
// `jwtharness conform` does, against the in-process reference server in
// each profile (or once against -jwtharness.target) and requires no FAIL,
// no ERROR and a complete run.
func TestConformance(t *testing.T) {
	if *targetFile != "" {
		tg, err := target.Load(*targetFile)
		if err != nil {
			t.Fatal(err)
		}
		env, err := NewEnv(tg)
		if err != nil {
			t.Fatal(err)
		}
		conformance(t, env)
		return
	}
	for _, profile := range []target.Profile{target.ProfileRFC7523, target.ProfileRFC7523bis} {
		t.Run(string(profile), func(t *testing.T) {
			env, stop, err := StartReference(context.Background(), ReferenceOptions{Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			conformance(t, env)
		})
	}
}

func conformance(t *testing.T, env *catalog.Env) {
	ctx := context.Background()
	if err := env.Client.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// -ginkgo.label-filter and -ginkgo.seed narrow and order the run as usual.
	sc, _ := ginkgo.GinkgoConfiguration()
	rec, err := Run(Config{Env: env, Target: TargetInfo(env.Target), Verbose: testing.Verbose(), NoColor: true,
		Filter: sc.LabelFilter, Seed: sc.RandomSeed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d verdicts in %s against %s", len(rec.Verdicts), time.Since(start).Round(time.Millisecond), Describe(env.Target))
	if len(rec.Verdicts) == 0 && len(catalog.All()) > 0 {
		t.Fatal("no verdicts recorded")
	}
	for _, v := range rec.Gating() {
		t.Errorf("%s %s: %s\nexpected: %s\nactual:   %s\nreason:   %s\n%s", v.Outcome, v.Name(), v.Title, v.Expected, v.Actual, v.Reason, v.Transcript)
	}
	if !rec.Complete {
		t.Errorf("run incomplete: %s", rec.Incomplete)
	}
	var sb strings.Builder
	reports.WriteText(&sb, &rec)
	t.Log(sb.String())
}
