package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
	"github.com/jwtharness/jwtharness/suites"
	"github.com/jwtharness/jwtharness/suites/catalog"
	"github.com/jwtharness/jwtharness/suites/driver"
)

type tokenFlags struct {
	target   string
	flow     string
	alg      string
	mutation string
	caseID   string
	format   string
	params   []string
}

func newTokenCmd() *cobra.Command {
	f := &tokenFlags{}
	cmd := &cobra.Command{
		Use:   "token [--target target.yaml] --flow private_key_jwt [--alg X] [--mutation NAME | --case ID] [--format json|urlencoded|xml] [--param k=v]",
		Short: "Send one token request (valid, or with one mutation) and print the exchange, secrets redacted",
		Long: `token mints the assertion of a flow with the target's credential (--alg picks an
alternate credential; --mutation applies one named mutation, see
jwtharness mint --list-mutations), sends the flow's token request (RFC 7523
§2.1 bearer grant or §2.2 client authentication) and prints the request and the
answer: status, headers and body, with client secrets, access tokens, assertion
signatures and Authorization headers redacted.

--case ID reproduces the request of one conformance case, when one mutated
assertion makes the case; other cases need the full harness and token prints the
conform command that runs them. Without --target the request goes to the
embedded reference server.

Exit codes: 0 a token was issued (2xx), 1 the endpoint answered with an error
(or a 2xx without a token, a 5xx, a redirect), 2 bad invocation or target
file, 3 no complete answer came back (unreachable, timed out, a body that stops,
not HTTP, TLS/plain HTTP mismatch). For a flow the target declares
unsupported: true, the roles swap: 0 a clean refusal (a 4xx with an RFC 6749
error), 1 anything else.`,
		Example: `  jwtharness token --target fx/target.yaml --flow private_key_jwt
  jwtharness token --target fx/target.yaml --flow jwt_bearer --mutation aud-wrong
  jwtharness token --target fx/target.yaml --flow jwt_bearer --case aud-wrong
  jwtharness token --target fx/target.yaml --flow client_secret_jwt --format xml --param scope=read`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runToken(cmd.Context(), cmd.OutOrStdout(), f, cmd.Flags().Changed("flow"))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.target, "target", "", "target file describing the endpoint (default: the embedded reference server)")
	fl.StringVar(&f.flow, "flow", string(fixtures.FlowJWTBearer), "jwt_bearer, private_key_jwt or client_secret_jwt (or grant, client-pk, client-hs)")
	fl.StringVar(&f.alg, "alg", "", "sign with the flow's credential for this algorithm (default: the primary credential)")
	fl.StringVar(&f.mutation, "mutation", "", "apply one named mutation to the assertion")
	fl.StringVar(&f.caseID, "case", "", "reproduce the request of this conformance case")
	fl.StringVar(&f.format, "format", "", "ask for this response format (vendor format parameter): json, urlencoded or xml")
	fl.StringArrayVar(&f.params, "param", nil, "set a form parameter, name=value (repeatable; a repeated name is sent twice)")
	return cmd
}

func runToken(ctx context.Context, out io.Writer, f *tokenFlags, flowSet bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	flow, err := suites.ParseFlow(f.flow)
	if err != nil {
		return usageErr(fmt.Errorf("token: --flow: %w", err))
	}
	var alg jose.SignatureAlgorithm
	if f.alg != "" {
		if alg, err = fixtures.ParseAlg(f.alg); err != nil {
			return usageErr(fmt.Errorf("token: --alg: %w", err))
		}
	}
	switch f.format {
	case "", driver.FormatJSON, driver.FormatURLEncoded, driver.FormatXML:
	default:
		return usageErr(fmt.Errorf("token: unknown --format %q (want json, urlencoded or xml)", f.format))
	}
	params, err := tokenParams(f.params)
	if err != nil {
		return usageErr(err)
	}

	mutation := f.mutation
	var reqEdit *driver.RequestEdit // a request-level case (req-*): a named edit of the valid request
	if f.caseID != "" {
		c, ok := catalog.Lookup(f.caseID)
		if !ok {
			if near := suites.SuggestCases(f.caseID, nil); len(near) > 0 {
				return usageErr(fmt.Errorf("token: unknown case %q (did you mean %s?)", f.caseID, strings.Join(near, ", ")))
			}
			return usageErr(fmt.Errorf("token: unknown case %q (jwtharness cases lists them)", f.caseID))
		}
		if !flowSet && len(c.Flows) > 0 {
			flow = c.Flows[0]
		}
		if !tokenCaseHasFlow(c, flow) {
			return usageErr(fmt.Errorf("token: case %s does not apply to flow %s (it applies to %s)", c.ID, flow, tokenFlowList(c.Flows)))
		}
		if e, ok := driver.LookupRequestEdit(c.ID); ok && c.Mutation == "" {
			reqEdit = &e
			fmt.Fprintf(out, "# case %s@%s [%s %s]: %s (request edit %s: %s)\n", c.ID, flow.Short(), c.Level, c.Clause.ID(), c.Title, e.Name, e.Description)
		} else if c.Mutation == "" {
			t := f.target
			if t == "" {
				t = "<target.yaml>"
			}
			fmt.Fprintf(out, "Case %s (%s) is more than one mutated request (%s): it needs the full harness.\nRun it with:\n\n  jwtharness conform --target %s --case %s --flow %s -v\n",
				c.ID, c.Title, strings.TrimSpace(string(c.Level)+" "+c.Clause.ID()), t, c.ID, flow)
			return usageErr(nil)
		}
		if mutation != "" && mutation != c.Mutation {
			return usageErr(fmt.Errorf("token: --case %s sends mutation %s; drop --mutation %s", c.ID, c.Mutation, mutation))
		}
		if reqEdit == nil {
			mutation = c.Mutation
			fmt.Fprintf(out, "# case %s@%s [%s %s]: %s (mutation %s)\n", c.ID, flow.Short(), c.Level, c.Clause.ID(), c.Title, c.Mutation)
		}
	}
	var m fixtures.Mutation
	if mutation != "" {
		var ok bool
		if m, ok = fixtures.LookupMutation(mutation); !ok {
			return usageErr(fmt.Errorf("token: unknown --mutation %q (jwtharness mint --list-mutations lists them)", mutation))
		}
	}

	var env *catalog.Env
	if f.target != "" {
		tg, err := target.Load(f.target)
		if err != nil {
			return usageErr(fmt.Errorf("token: %w", err))
		}
		if env, err = suites.NewEnv(tg); err != nil {
			return usageErr(fmt.Errorf("token: %w", err))
		}
	} else {
		var stop func()
		env, stop, err = suites.StartReference(ctx, suites.ReferenceOptions{})
		if err != nil {
			return incompleteErr(fmt.Errorf("token: cannot start the embedded reference server: %w", err))
		}
		defer stop()
		fmt.Fprintf(out, "# embedded reference server %s\n", env.Target.TokenEndpoint)
	}
	tg := env.Target
	unsupported := tg.Unsupported(flow)
	if !tg.Offers(flow) && !unsupported {
		return usageErr(fmt.Errorf("token: the target does not offer %s (no flows.%s in %s)", flow, flow, nonEmptyString(tg.Source, "the target")))
	}
	cred := tg.Credential(flow, alg)
	if cred == nil {
		return usageErr(fmt.Errorf("token: the target has no %s credential that signs with %s", flow, alg))
	}
	vr, err := validreq.BuildFor(tg, flow, "", cred)
	if err != nil {
		return usageErr(fmt.Errorf("token: %w", err))
	}
	spec := vr.Assertion
	if mutation != "" {
		if err := m.Apply(&spec, tg.MutationContextFor(flow)); err != nil {
			return usageErr(fmt.Errorf("token: mutation %s does not apply here: %w", m.Name, err))
		}
	}
	tok, err := env.Minter.Mint(spec)
	if err != nil {
		return usageErr(fmt.Errorf("token: minting the assertion: %w", err))
	}
	req := driver.FlowRequest(tg, flow, tok)
	if mutation != "" {
		fixtures.ApplyParamEdits(m.ParamEdits(vr.Assertion, tg.MutationContextFor(flow)), req.Has,
			func(n, v string) { req.Set(n, v) }, func(n string) { req.Del(n) })
	}
	if f.format != "" {
		req.Set("format", f.format)
	}
	seen := map[string]bool{}
	for _, p := range params {
		if seen[p.Name] {
			req.Add(p.Name, p.Value)
		} else {
			req.Set(p.Name, p.Value)
			seen[p.Name] = true
		}
	}

	if reqEdit != nil {
		if err := reqEdit.Apply(req, flow); err != nil {
			return usageErr(fmt.Errorf("token: request edit %s: %w", reqEdit.Name, err))
		}
	}
	if unsupported {
		fmt.Fprintf(out, "# flows.%s is declared unsupported: the expected answer is a clean refusal (4xx with an RFC 6749 error)\n", flow)
	}
	ex := env.Client.Do(ctx, req)
	fmt.Fprint(out, ex.Transcript())
	fmt.Fprintln(out)
	if unsupported {
		return unsupportedAnswer(out, flow, ex)
	}
	switch {
	case ex.Status == 0:
		return incompleteErr(errors.New(driver.NoAnswer(ex.URL, ex.Err)))
	case ex.Issued():
		fmt.Fprintf(out, "# issued: HTTP %d, token_type=%s, expires_in=%s\n", ex.Status, ex.Field("token_type"), ex.Field("expires_in"))
		return nil
	case ex.OK():
		return gateErr(fmt.Errorf("HTTP %d but no access_token in the answer: %s", ex.Status, tokenGarbage(ex)))
	case ex.Err != nil:
		return incompleteErr(fmt.Errorf("HTTP %d, then the answer broke off: %v", ex.Status, ex.Err))
	case ex.ErrorCode() != "":
		return gateErr(fmt.Errorf("refused: %s", ex))
	}
	return gateErr(fmt.Errorf("HTTP %d without an RFC 6749 error body: %s", ex.Status, tokenGarbage(ex)))
}

// unsupportedAnswer judges the answer to a flow the target declares
// unsupported: exit 0 for a clean refusal (a 4xx with an RFC 6749 error),
// 1 for a token or anything else, 3 when nothing came back.
func unsupportedAnswer(out io.Writer, flow fixtures.Flow, ex *driver.Exchange) error {
	switch {
	case ex.Status == 0:
		return incompleteErr(errors.New(driver.NoAnswer(ex.URL, ex.Err)))
	case ex.Issued():
		return gateErr(fmt.Errorf("HTTP %d: a token was issued for %s, which the target declares unsupported", ex.Status, flow))
	case ex.Status >= 400 && ex.Status < 500 && ex.ErrorCode() != "":
		fmt.Fprintf(out, "# refused cleanly: HTTP %d %s\n", ex.Status, ex.ErrorCode())
		return nil
	}
	return gateErr(fmt.Errorf("HTTP %d is not a clean refusal of the unsupported flow %s: %s", ex.Status, flow, tokenGarbage(ex)))
}

// tokenGarbage describes a body that is not a token response.
func tokenGarbage(ex *driver.Exchange) string {
	switch {
	case len(ex.Body) == 0:
		return "the body is empty"
	case ex.ParseErr != nil:
		return fmt.Sprintf("the body (%d bytes, Content-Type %q) cannot be read: %v", len(ex.Body), ex.Header.Get("Content-Type"), ex.ParseErr)
	}
	return fmt.Sprintf("a %s body without access_token or error", ex.Format)
}

// tokenParams parses --param name=value.
func tokenParams(in []string) ([]driver.Param, error) {
	var out []driver.Param
	for _, p := range in {
		name, value, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("token: --param %q: want name=value", p)
		}
		out = append(out, driver.Param{Name: name, Value: value})
	}
	return out, nil
}

func tokenCaseHasFlow(c catalog.Case, flow fixtures.Flow) bool {
	for _, f := range c.Flows {
		if f == flow {
			return true
		}
	}
	return false
}

func tokenFlowList(flows []fixtures.Flow) string {
	s := make([]string, len(flows))
	for i, f := range flows {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

func nonEmptyString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
