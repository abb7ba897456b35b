package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
	"github.com/jwtharness/jwtharness/suites/expect"
)

type conformFlags struct {
	target      string
	profile     string
	levels      []string
	flows       []string
	cases       []string
	families    []string
	labelFilter string
	strict      bool
	dryRun      bool
	reportDir   string
	seed        int64
	verbose     bool
	timeout     time.Duration
	expect      string
	writeExpect string
}

func newConformCmd() *cobra.Command {
	f := &conformFlags{}
	cmd := &cobra.Command{
		Use:   "conform [--target target.yaml] [--level MUST] [--flow jwt_bearer] [--case ID ...] [--report-dir DIR]",
		Short: "Run the conformance suite against a token endpoint (default: the embedded reference server)",
		Long: `conform runs every selected conformance case against the token endpoint of
--target, once per flow it applies to, and judges each answer against the RFC
clause behind it. Without --target it starts the embedded, spec-exact reference
server on loopback with freshly generated keys and runs against that: no files,
no network.

Selection: --level, --flow, --case and --family take one or more values (repeat
the flag or separate with commas); values of one flag are alternatives, flags
combine with AND. They compile to a Ginkgo label filter (labels case:ID,
level:LEVEL, flow:FLOW, family:FAMILY); --label-filter adds a raw expression.
--dry-run lists the selected cases without sending anything.

Outcomes: PASS; FAIL (a MUST of the quoted clause, or a policy the target file
declares, was broken); WARN (a SHOULD or MAY not followed, a tolerated
alternative, or a finding seen on an otherwise correct answer); INFO (what was
observed about a policy the target does not declare: never gating); SKIP (the
target does not offer what the case needs; the reason says what); ERROR (the
harness could not complete the case). Findings are response deviations
(error_description charset, WWW-Authenticate, cache headers, content type,
error codes, 5xx) reported once per root cause with the case runs that saw
them; a finding FAILs only when its clause is a MUST. --report-dir writes
report.json, junit.xml, report.md and report.html, also when the run fails.

Baseline: --expect FILE lists known deviations (case and flow, or finding, each
with a reason); the gate then fails only on new FAILs, ERRORs and MUST
findings, and on listed ones that no longer happen (stale entries).
--write-expect FILE writes such a file from the run (review every reason).

Exit codes: 0 conformant (warnings allowed), 1 a FAIL, ERROR, MUST finding or
stale expectation (or, with --strict, a WARN or any finding), 2 bad invocation,
target or expectations file, 3 the run could not complete (for example, the
endpoint is unreachable).`,
		Example: `  jwtharness conform
  jwtharness conform --target fx/target.yaml --report-dir out
  jwtharness conform --target fx/target.yaml --level MUST --flow jwt_bearer
  jwtharness conform --target fx/target.yaml --write-expect expected.yaml
  jwtharness conform --target fx/target.yaml --expect expected.yaml --profile rfc7523bis
  jwtharness conform --case aud-wrong --case aud-missing -v
  jwtharness conform --label-filter 'family:aud && !flow:client_secret_jwt' --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateConformFlags(f); err != nil {
				return usageErr(err)
			}
			return runConform(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "target file describing the endpoint (default: start the embedded reference server)")
	fl.StringVar(&f.profile, "profile", "", "profile: rfc7523 or rfc7523bis; overrides the target file's profile (default: the file's; rfc7523 for the embedded reference server)")
	fl.StringSliceVar(&f.levels, "level", nil, "run only cases of these levels: MUST, SHOULD, MAY, BCP, POLICY")
	fl.StringSliceVar(&f.flows, "flow", nil, "run only these flows: jwt_bearer, private_key_jwt, client_secret_jwt (or grant, client-pk, client-hs)")
	fl.StringSliceVar(&f.cases, "case", nil, "run only these case IDs (see jwtharness cases)")
	fl.StringSliceVar(&f.families, "family", nil, "run only these case families (aud, time, replay, signature, ...)")
	fl.StringVar(&f.labelFilter, "label-filter", "", "raw Ginkgo label filter, and-ed with the flags above")
	fl.BoolVar(&f.strict, "strict", false, "treat every deviation (WARN verdicts and findings) as failing the gate")
	fl.StringVar(&f.expect, "expect", "", "expected deviations file: the gate fails only on new FAIL/ERROR verdicts and MUST findings, and on stale entries")
	fl.StringVar(&f.writeExpect, "write-expect", "", "write what gates the run (FAIL/ERROR verdicts and MUST findings; with --strict also WARN) as an expected deviations file")
	fl.BoolVar(&f.dryRun, "dry-run", false, "list the selected cases without sending anything")
	fl.StringVar(&f.reportDir, "report-dir", "", "write report.json, junit.xml, report.md and report.html here")
	fl.Int64Var(&f.seed, "seed", 0, "random seed that orders the case families (default: from the clock, printed)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print every case and its HTTP transcripts as it runs")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "limit for the whole run")
	return cmd
}

func runConform(ctx context.Context, out, errOut io.Writer, f *conformFlags) error {
	if ctx == nil {
		ctx = context.Background()
	}
	filter, err := suites.CompileFilter(suites.Selection{
		Levels: f.levels, Flows: f.flows, Cases: f.cases, Families: f.families, Expr: f.labelFilter,
	}, nil)
	if err != nil {
		return usageErr(fmt.Errorf("conform: %w", err))
	}
	selected, err := suites.Select(nil, filter)
	if err != nil {
		return usageErr(fmt.Errorf("conform: %w", err))
	}
	if len(selected) == 0 {
		return usageErr(fmt.Errorf("conform: the selection %q matches no case (jwtharness cases lists them)", filter))
	}
	var profile target.Profile
	switch f.profile {
	case "":
	case string(target.ProfileRFC7523), string(target.ProfileRFC7523bis):
		profile = target.Profile(f.profile)
	default:
		return usageErr(fmt.Errorf("conform: unknown --profile %q (want rfc7523 or rfc7523bis)", f.profile))
	}

	// The target file is loaded (and so validated) even for --dry-run.
	var tg *target.Target
	if f.target != "" {
		if tg, err = target.Load(f.target); err != nil {
			return usageErr(fmt.Errorf("conform: %w", err))
		}
		if profile != "" {
			if tg, err = tg.WithProfile(profile); err != nil {
				return usageErr(fmt.Errorf("conform: --profile: %w", err))
			}
		}
	}
	var baseline *expect.File
	if f.expect != "" {
		if baseline, err = expect.Load(f.expect); err != nil {
			return usageErr(fmt.Errorf("conform: %w", err))
		}
	}
	if f.dryRun {
		return conformDryRun(out, tg, filter, selected)
	}
	if err := checkReportDir("conform", f.reportDir); err != nil {
		return usageErr(err)
	}

	var env *catalog.Env
	if tg != nil {
		if env, err = suites.NewEnv(tg); err != nil {
			return usageErr(fmt.Errorf("conform: %w", err))
		}
	} else {
		var stop func()
		env, stop, err = suites.StartReference(ctx, suites.ReferenceOptions{Profile: profile})
		if err != nil {
			return incompleteErr(fmt.Errorf("conform: cannot start the embedded reference server: %w", err))
		}
		defer stop()
		fmt.Fprintf(out, "Embedded reference server: %s\n", suites.Describe(env.Target))
	}

	seed := f.seed
	if seed == 0 {
		seed = time.Now().UnixNano() % 1_000_000
	}
	rec := reports.Run{Tool: "jwtharness", Version: version, Target: suites.TargetInfo(env.Target),
		Filter: filter, Strict: f.strict, Seed: seed, Started: time.Now().UTC()}
	suiteTimeout := conformLimits(env, len(selected), f.timeout)
	// Reachability, once: an unreachable endpoint is one message, not a
	// hundred failed cases.
	pingCtx, cancel := context.WithTimeout(ctx, env.Client.Timeout()+time.Second)
	err = env.Client.Ping(pingCtx)
	cancel()
	if err != nil {
		rec.Finished = time.Now().UTC()
		rec.Incomplete = err.Error()
		conformWriteReports(out, errOut, f.reportDir, &rec)
		return incompleteErr(err)
	}

	conformPreflight(ctx, errOut, env)
	if err := conformStopped(env, &rec); err != nil {
		rec.Finished = time.Now().UTC()
		conformWriteReports(out, errOut, f.reportDir, &rec)
		return err
	}
	fmt.Fprintf(out, "Running %d case runs (case × flow) against %s", len(selected), env.Target.TokenEndpoint)
	if filter != "" {
		fmt.Fprintf(out, " (filter %s)", filter)
	}
	if un := env.Target.UnsupportedFlows(); len(un) > 0 {
		fmt.Fprintf(out, "; flows declared unsupported, one verdict each (%s@FLOW):", catalog.UnsupportedCaseID)
		for _, f := range un {
			fmt.Fprintf(out, " %s", f)
		}
	}
	fmt.Fprintln(out)
	rec, err = suites.Run(suites.Config{
		Env: env, Filter: filter, Strict: f.strict, Seed: seed, Verbose: f.verbose,
		Timeout: suiteTimeout, Tool: "jwtharness", Version: version, Target: suites.TargetInfo(env.Target),
	})
	if err != nil {
		var fe *suites.FilterError
		if errors.As(err, &fe) {
			return usageErr(fmt.Errorf("conform: %w", err))
		}
		return incompleteErr(fmt.Errorf("conform: %w", err))
	}
	stopped := conformStopped(env, &rec)
	if baseline != nil {
		expect.Apply(&rec, baseline)
	}
	if err := reports.WriteText(out, &rec); err != nil {
		return incompleteErr(err)
	}
	conformWriteReports(out, errOut, f.reportDir, &rec)
	if f.writeExpect != "" {
		header := fmt.Sprintf("Written by jwtharness %s conform against %s on %s.", version, rec.Target.URL, rec.Started.Format(time.RFC3339))
		if err := expect.WriteFile(f.writeExpect, expect.FromRun(&rec), header); err != nil {
			fmt.Fprintln(errOut, "jwtharness: conform: --write-expect:", err)
		} else {
			fmt.Fprintf(out, "Expected deviations: %s (review every reason)\n", f.writeExpect)
		}
	}
	switch {
	case stopped != nil:
		return stopped
	case rec.Gated():
		return gateErr(nil)
	case !rec.Complete:
		return incompleteErr(fmt.Errorf("conform: the run did not complete: %s", rec.Incomplete))
	}
	return nil
}

// conformWriteReports writes every report format when --report-dir is set
// and says where; a write failure is reported but does not hide the verdict.
func conformWriteReports(out, errOut io.Writer, dir string, rec *reports.Run) {
	if dir == "" {
		return
	}
	paths, err := reports.WriteAll(dir, rec)
	if len(paths) > 0 {
		fmt.Fprintf(out, "\nReports: %s\n", strings.Join(paths, ", "))
	}
	if err != nil {
		fmt.Fprintln(errOut, "jwtharness: conform:", err)
	}
}

// conformDryRun lists the selected case runs and, with a target, which of
// them would be skipped and why.
func conformDryRun(out io.Writer, tg *target.Target, filter string, selected []suites.Selected) error {
	var env *catalog.Env
	if tg != nil {
		env = &catalog.Env{Target: tg}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "KEY\tLEVEL\tCLAUSE\tTITLE")
	if env != nil {
		fmt.Fprintf(tw, "\tWOULD")
	}
	fmt.Fprintln(tw)
	skips := 0
	for _, s := range selected {
		fmt.Fprintf(tw, "%s@%s\t%s\t%s\t%s", s.Case.ID, s.Flow.Short(), s.Case.Level, s.Case.Clause.ID(), s.Case.Title)
		if env != nil {
			if reason, ok := s.Case.Applicable(env, s.Flow); ok {
				fmt.Fprintf(tw, "\trun")
			} else {
				skips++
				fmt.Fprintf(tw, "\tSKIP: %s", reason)
			}
		}
		fmt.Fprintln(tw)
	}
	if tg != nil {
		u := catalog.Unsupported()
		for _, flow := range tg.UnsupportedFlows() {
			fmt.Fprintf(tw, "%s@%s\t%s\t%s\t%s\trun (the flow is declared unsupported: its cases collapse to this one verdict)\n", u.ID, flow.Short(), u.Level, u.Clause.ID(), u.Title)
		}
	}
	if err := tw.Flush(); err != nil {
		return incompleteErr(err)
	}
	where := "the embedded reference server"
	if tg != nil {
		where = tg.TokenEndpoint
	}
	fmt.Fprintf(out, "\n%d case runs selected", len(selected))
	if filter != "" {
		fmt.Fprintf(out, " by %s", filter)
	}
	if tg != nil {
		fmt.Fprintf(out, ", %d would be skipped", skips)
	}
	fmt.Fprintf(out, "; dry run: nothing was sent to %s.\n", where)
	return nil
}

// conformPreflight sends one valid request per offered flow and warns, once,
// when the endpoint refuses it: every negative case of that flow will then
// be an ERROR (its paired control fails), which usually means the target
// file, keys or registration do not match the endpoint.
func conformPreflight(ctx context.Context, w io.Writer, env *catalog.Env) {
	tg := env.Target
	for _, flow := range tg.OfferedFlows() {
		vr, err := validreq.Build(tg, flow, "")
		if err != nil {
			fmt.Fprintf(w, "warning: no valid %s request: %v\n", flow, err)
			continue
		}
		tok, err := env.Minter.Mint(vr.Assertion)
		if err != nil {
			fmt.Fprintf(w, "warning: cannot mint a valid %s assertion: %v\n", flow, err)
			continue
		}
		ex := env.Client.Do(ctx, driver.FlowRequest(tg, flow, tok))
		if !ex.Issued() {
			fmt.Fprintf(w, "warning: a valid %s request was not issued a token (%s);\n  the cases of this flow will be ERROR: check the target file, keys and registration\n", flow, ex)
		}
	}
}
