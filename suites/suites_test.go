package suites

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// fakeCases have one of each outcome; their bodies send nothing.
func fakeCases() []catalog.Case {
	mk := func(id, fam string, lvl catalog.Level, out reports.Outcome, flows ...fixtures.Flow) catalog.Case {
		return catalog.Case{
			ID: id, Title: "does " + id, Family: fam, Flows: flows, Level: lvl,
			Clause: catalog.Clause{Doc: "RFC7523", Section: "3"},
			Run: func(ctx context.Context, env *catalog.Env, flow fixtures.Flow) reports.Verdict {
				if out == "panic" {
					panic("boom")
				}
				return reports.Verdict{Outcome: out, Expected: "x", Actual: "y", Reason: "because"}
			},
		}
	}
	return []catalog.Case{
		mk("ok-case", "aud", catalog.MUST, reports.Pass, fixtures.FlowJWTBearer, fixtures.FlowPrivateKeyJWT),
		mk("bad-case", "aud", catalog.MUST, reports.Fail, fixtures.FlowJWTBearer),
		mk("meh-case", "resp/onse", catalog.SHOULD, reports.Warn, fixtures.FlowJWTBearer),
		mk("hs-only", "time", catalog.MUST, reports.Pass, fixtures.FlowClientSecretJWT),
		mk("err-case", "time", catalog.MUST, reports.Error, fixtures.FlowJWTBearer),
		mk("panic-case", "time", catalog.MUST, "panic", fixtures.FlowJWTBearer),
	}
}

func fakeEnv() *catalog.Env {
	cred := &fixtures.Credential{ClientID: "c"}
	return &catalog.Env{Target: &target.Target{TokenEndpoint: "http://127.0.0.1:1/token", Profile: target.ProfileRFC7523,
		Flows: map[fixtures.Flow]*target.FlowConfig{
			fixtures.FlowJWTBearer:     {Credential: cred},
			fixtures.FlowPrivateKeyJWT: {Credential: cred},
		}}, Minter: &fixtures.Minter{}}
}

func TestRunMapsVerdicts(t *testing.T) {
	for _, strict := range []bool{false, true} {
		rec, err := Run(Config{Env: fakeEnv(), Cases: fakeCases(), Strict: strict, NoColor: true, Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]reports.Outcome{}
		for _, v := range rec.Verdicts {
			got[v.Key] = v.Outcome
		}
		want := map[string]reports.Outcome{
			"ok-case@grant": reports.Pass, "ok-case@client-pk": reports.Pass, "bad-case@grant": reports.Fail,
			"meh-case@grant": reports.Warn, "hs-only@client-hs": reports.Skip, "err-case@grant": reports.Error,
			"panic-case@grant": reports.Error,
		}
		for k, o := range want {
			if got[k] != o {
				t.Errorf("strict=%v %s = %q, want %q", strict, k, got[k], o)
			}
		}
		if len(got) != len(want) || !rec.Complete || rec.Seed != 42 || rec.Strict != strict {
			t.Errorf("strict=%v: %d verdicts, complete=%v (%s), seed=%d", strict, len(got), rec.Complete, rec.Incomplete, rec.Seed)
		}
		wantGating := 3
		if strict {
			wantGating = 4
		}
		if n := len(rec.Gating()); n != wantGating {
			t.Errorf("strict=%v: %d gating, want %d", strict, n, wantGating)
		}
	}
}

func TestRunFilterAndDryRun(t *testing.T) {
	rec, err := Run(Config{Env: fakeEnv(), Cases: fakeCases(), Filter: "family:aud && flow:jwt_bearer", NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Verdicts) != 2 || !rec.Complete {
		t.Errorf("filtered run: %d verdicts, complete=%v %s", len(rec.Verdicts), rec.Complete, rec.Incomplete)
	}
	rec, err = Run(Config{Cases: fakeCases(), DryRun: true, NoColor: true})
	if err != nil || len(rec.Verdicts) != 0 {
		t.Errorf("dry run: %v, %d verdicts", err, len(rec.Verdicts))
	}
	_, err = Run(Config{Env: fakeEnv(), Cases: fakeCases(), Filter: "level:MUST &&"})
	var fe *FilterError
	if !errors.As(err, &fe) {
		t.Errorf("bad filter: err = %v, want FilterError", err)
	}
}

func TestCompileFilterAndSelect(t *testing.T) {
	cases := fakeCases()
	tests := []struct {
		sel     Selection
		want    string
		n       int
		wantErr string
	}{
		{Selection{}, "", 7, ""},
		{Selection{Levels: []string{"must"}}, "(level:MUST)", 6, ""},
		{Selection{Levels: []string{"MUST,SHOULD"}, Flows: []string{"grant"}}, "(level:MUST || level:SHOULD) && (flow:jwt_bearer)", 5, ""},
		{Selection{Cases: []string{"ok-case", "bad-case"}, Flows: []string{"private_key_jwt"}}, "(flow:private_key_jwt) && (case:ok-case || case:bad-case)", 1, ""},
		{Selection{Families: []string{"resp/onse"}}, "(family:resp-onse)", 1, ""},
		{Selection{Expr: "case:ok-case || case:hs-only"}, "(case:ok-case || case:hs-only)", 3, ""},
		{Selection{Levels: []string{"SHALL"}}, "", 0, "unknown level"},
		{Selection{Flows: []string{"password"}}, "", 0, "unknown flow"},
		{Selection{Cases: []string{"nope"}}, "", 0, `unknown case "nope"`},
		{Selection{Cases: []string{"ok-cas"}}, "", 0, `unknown case "ok-cas" (did you mean ok-case?)`},
		{Selection{Families: []string{"nope"}}, "", 0, `unknown family "nope"`},
		{Selection{Expr: "(level:MUST"}, "", 0, "invalid label filter"},
	}
	for _, tc := range tests {
		got, err := CompileFilter(tc.sel, cases)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: err = %v, want %q", tc.sel, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: got %q, %v; want %q", tc.sel, got, err, tc.want)
			continue
		}
		sel, err := Select(cases, got)
		if err != nil || len(sel) != tc.n {
			t.Errorf("Select(%q) = %d specs, %v; want %d", got, len(sel), err, tc.n)
		}
	}
}

func TestSpecNameAndLabels(t *testing.T) {
	c := catalog.Case{ID: "aud-wrong", Title: "rejects an aud that is not the token endpoint", Family: "a/u(d)",
		Level: catalog.MUST, Clause: catalog.Clause{Doc: "RFC7523", Section: "3"}}
	if got := SpecName(c, fixtures.FlowJWTBearer); got != "aud-wrong@grant [MUST RFC7523-3] rejects an aud that is not the token endpoint" {
		t.Errorf("SpecName = %q", got)
	}
	for _, l := range Labels(c, fixtures.FlowJWTBearer) {
		if strings.ContainsAny(l, "&|!,()/ ") {
			t.Errorf("label %q has an illegal character", l)
		}
	}
}

func TestCatalogLabelsAreLegal(t *testing.T) {
	for _, c := range catalog.All() {
		for _, f := range c.Flows {
			for _, l := range Labels(c, f) {
				if err := ValidateFilter(l); err != nil {
					t.Errorf("%s@%s: label %q is not a valid filter: %v", c.ID, f.Short(), l, err)
				}
			}
		}
	}
}

func TestStartReferenceIssuesTokens(t *testing.T) {
	for _, profile := range []target.Profile{target.ProfileRFC7523, target.ProfileRFC7523bis} {
		env, stop, err := StartReference(context.Background(), ReferenceOptions{Profile: profile})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		for _, flow := range fixtures.Flows {
			aud := env.Target.Audience
			if flow.ClientAuth() && profile == target.ProfileRFC7523bis {
				aud = env.Target.Issuer
			}
			tok, err := env.Minter.Mint(fixtures.Spec{Flow: flow, Cred: env.Target.Flows[flow].Credential, Audience: aud})
			if err != nil {
				t.Fatal(err)
			}
			ex := env.Client.Do(context.Background(), driver.FlowRequest(env.Target, flow, tok))
			if !ex.Issued() {
				t.Errorf("%s %s: %s\n%s", profile, flow, ex, ex.Transcript())
			}
		}
	}
}

// TestSampleReport renders the reports of a run against a deliberately
// flawed reference server into $JWTHARNESS_SAMPLE_REPORT (for the
// screenshot in docs/screenshots); skipped otherwise.
func TestSampleReport(t *testing.T) {
	dir := os.Getenv("JWTHARNESS_SAMPLE_REPORT")
	if dir == "" {
		t.Skip("set JWTHARNESS_SAMPLE_REPORT=DIR to render a sample report")
	}
	env, stop, err := StartReference(context.Background(), ReferenceOptions{Flaws: []reference.Flaw{
		reference.FlawAudPrefixMatch, reference.FlawExpUnbounded, reference.FlawExpNoLeeway,
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	rec, err := Run(Config{Env: env, Target: TargetInfo(env.Target), NoColor: true, Version: "dev", Seed: 1,
		Filter: "family:aud || family:response || family:time"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reports.WriteAll(dir, &rec); err != nil {
		t.Fatal(err)
	}
}

func TestRunStoppedByTimeoutIsIncomplete(t *testing.T) {
	cases := fakeCases()[:1]
	cases = append(cases, catalog.Case{
		ID: "slow-case", Title: "waits", Family: "zzz", Flows: []fixtures.Flow{fixtures.FlowJWTBearer}, Level: catalog.MUST,
		Clause: catalog.Clause{Doc: "RFC7523", Section: "3"},
		Run: func(ctx context.Context, env *catalog.Env, flow fixtures.Flow) reports.Verdict {
			<-ctx.Done()
			return reports.Verdict{Outcome: reports.Fail, Reason: "no answer"}
		},
	})
	rec, err := Run(Config{Env: fakeEnv(), Cases: cases, Timeout: 300 * time.Millisecond, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Complete || !strings.Contains(rec.Incomplete, "Timeout") {
		t.Errorf("complete=%v incomplete=%q, want an incomplete run", rec.Complete, rec.Incomplete)
	}
	for _, v := range rec.Verdicts {
		if v.Case == "slow-case" {
			t.Errorf("a stopped case left a verdict: %+v", v)
		}
	}
	if len(rec.Gating()) != 0 {
		t.Errorf("gating verdicts: %+v", rec.Gating())
	}
}

// TestRunCollapsesUnsupportedFlow: the cases of a flow declared unsupported
// are not run one by one; the run holds one flow-unsupported verdict for it.
func TestRunCollapsesUnsupportedFlow(t *testing.T) {
	env, stop, err := StartReference(context.Background(), ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	tg := *env.Target
	tg.Flows = map[fixtures.Flow]*target.FlowConfig{}
	for f, fc := range env.Target.Flows {
		c := *fc
		tg.Flows[f] = &c
	}
	tg.Flows[fixtures.FlowClientSecretJWT].Unsupported = true
	tg.Flows[fixtures.FlowClientSecretJWT].Credential = &fixtures.Credential{ClientID: "unknown-hs", Alg: "HS256", Secret: []byte("0123456789abcdef0123456789abcdef")}
	e := *env
	e.Target = &tg
	rec, err := Run(Config{Env: &e, NoColor: true, Seed: 7, Filter: "family:aud || family:flows"})
	if err != nil {
		t.Fatal(err)
	}
	var hs []reports.Verdict
	for _, v := range rec.Verdicts {
		if v.Flow == string(fixtures.FlowClientSecretJWT) {
			hs = append(hs, v)
		}
	}
	if len(hs) != 1 || hs[0].Case != catalog.UnsupportedCaseID || hs[0].Outcome != reports.Pass {
		t.Fatalf("client_secret_jwt verdicts: %+v", hs)
	}
	if !rec.Complete || rec.Gated() {
		t.Errorf("run: complete %v, gated %v (%s)", rec.Complete, rec.Gated(), rec.Incomplete)
	}
}

// TestRunCollectsFindings: one root cause (quotes and CR LF in every
// error_description) is one finding listing every run that saw it; the
// cases themselves, correct on their own subject, are WARN.
func TestRunCollectsFindings(t *testing.T) {
	env, stop, err := StartReference(context.Background(), ReferenceOptions{Flaws: []reference.Flaw{reference.FlawErrorDescCRLF}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	rec, err := Run(Config{Env: env, NoColor: true, Seed: 7, Filter: "family:aud"})
	if err != nil {
		t.Fatal(err)
	}
	s := rec.Summary()
	if s.Findings != 1 || s.FindingsFail != 1 || s.Fail != 0 || s.Warn == 0 {
		t.Fatalf("summary %+v, findings %+v", s, rec.Findings)
	}
	f := rec.Findings[0]
	if f.ID != catalog.FindErrorDescCharset || len(f.Seen) != s.Warn || !rec.Gated() {
		t.Errorf("finding %s seen in %d runs (WARN verdicts %d), gated %v", f.ID, len(f.Seen), s.Warn, rec.Gated())
	}
}

// TestLeewayZero: against a reference that allows no clock skew, declared
// as leeway: 0s, every time case passes or skips (saying why), none is
// an ERROR from a hard-coded skew.
func TestLeewayZero(t *testing.T) {
	zero := time.Duration(0)
	env, stop, err := StartReference(context.Background(), ReferenceOptions{Leeway: &zero})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	rec, err := Run(Config{Env: env, NoColor: true, Seed: 3, Filter: "family:time"})
	if err != nil {
		t.Fatal(err)
	}
	skips := 0
	for _, v := range rec.Verdicts {
		switch v.Outcome {
		case reports.Pass:
		case reports.Skip:
			skips++
			if !strings.Contains(v.Reason, "leeway") {
				t.Errorf("%s skipped for another reason than the zero leeway: %s", v.Key, v.Reason)
			}
		default:
			t.Errorf("%s with leeway 0s: %s (%s; %s)", v.Key, v.Outcome, v.Actual, v.Reason)
		}
	}
	if len(rec.Verdicts) == 0 || skips > 6 {
		t.Errorf("%d verdicts, %d skipped", len(rec.Verdicts), skips)
	}
}

// TestFindingsProvedBothWays: each response finding is reported against
// the reference with the flaw that breaks its rule injected, and never
// against the clean reference (the same cases, the same seed).
func TestFindingsProvedBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a family of cases against seven servers")
	}
	clean := func(filter string) map[string]bool {
		env, stop, err := StartReference(context.Background(), ReferenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		rec, err := Run(Config{Env: env, NoColor: true, Seed: 11, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range rec.Findings {
			seen[f.ID] = true
		}
		return seen
	}
	for _, tc := range []struct {
		flaw    reference.Flaw
		filter  string
		finding string
	}{
		{reference.FlawErrorDescCRLF, "family:aud", catalog.FindErrorDescCharset},
		{reference.FlawNoCacheHeaders, "case:pos-baseline || family:aud", catalog.FindCacheHeaders},
		{reference.FlawServerErrorOnBad, "family:encoding", catalog.FindServerError},
		{reference.FlawErrorStatus200, "family:aud", catalog.FindErrorStatus},
		{reference.FlawWrongErrorCode, "family:aud", catalog.FindCodeGrant},
		{reference.FlawContentTypeText, "family:aud", catalog.FindErrorContentType},
	} {
		t.Run(string(tc.flaw), func(t *testing.T) {
			if clean(tc.filter)[tc.finding] {
				t.Fatalf("finding %s reported against the clean reference (%s)", tc.finding, tc.filter)
			}
			env, stop, err := StartReference(context.Background(), ReferenceOptions{Flaws: []reference.Flaw{tc.flaw}})
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			rec, err := Run(Config{Env: env, NoColor: true, Seed: 11, Filter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range rec.Findings {
				if f.ID == tc.finding {
					if len(f.Seen) == 0 {
						t.Errorf("finding %s lists no run", f.ID)
					}
					return
				}
				ids = append(ids, f.ID)
			}
			t.Errorf("flaw %s: finding %s not reported (findings: %v)", tc.flaw, tc.finding, ids)
		})
	}
}
