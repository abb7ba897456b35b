package suites

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// targetFile points the suite at an external endpoint instead of the
// in-process reference server: go test ./suites/ -run TestConformance
// -args -jwtharness.target=fx/target.yaml. Like -httptest.serve, the flag
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
// `jwtharness conform` does, against the in-process reference server (or
// -jwtharness.target) and requires no FAIL and no ERROR.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	var env *catalog.Env
	if *targetFile != "" {
		tg, err := target.Load(*targetFile)
		if err != nil {
			t.Fatal(err)
		}
		if env, err = NewEnv(tg); err != nil {
			t.Fatal(err)
		}
	} else {
		var stop func()
		var err error
		env, stop, err = StartReference(ctx, ReferenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
	}
	if err := env.Client.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rec, err := Run(Config{Env: env, Target: TargetInfo(env.Target), Verbose: testing.Verbose(), NoColor: true})
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
