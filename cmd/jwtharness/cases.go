package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

type casesFlags struct {
	format   string
	levels   []string
	flows    []string
	families []string
}

func newCasesCmd() *cobra.Command {
	f := &casesFlags{}
	cmd := &cobra.Command{
		Use:   "cases [--format table|json|markdown] [--level MUST] [--flow jwt_bearer] [--family aud]",
		Short: "List the conformance case catalog",
		Long: `cases prints the compiled-in conformance catalog: each case's stable ID, the
flows it runs for, the RFC clause behind it (with its level), the reference
flaw that makes it fail, and what it needs from the target.

Levels: MUST (the quoted clause holds MUST, MUST NOT, REQUIRED or SHALL: a
failure is a FAIL), SHOULD and MAY (a WARN), BCP (a MUST of RFC 8725 that no
RFC 7523 rule repeats: a WARN), POLICY (a rule no RFC keyword imposes: a FAIL
only when the target file declares the policy named in NEEDS as policy:KEY,
an INFO otherwise).

--level, --flow and --family take one or more values (repeat the flag or
separate with commas); values of one flag are alternatives, flags combine with
AND. Flows may be given as jwt_bearer/private_key_jwt/client_secret_jwt or as
grant/client-pk/client-hs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs, err := selectCases(f)
			if err != nil {
				return usageErr(err)
			}
			switch strings.ToLower(f.format) {
			case "", "table":
				return casesTable(cmd.OutOrStdout(), cs)
			case "json":
				return casesJSON(cmd.OutOrStdout(), cs)
			case "markdown", "md":
				return casesMarkdown(cmd.OutOrStdout(), cs)
			}
			return usageErr(fmt.Errorf("--format %q: want table, json or markdown", f.format))
		},
	}
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table, json or markdown")
	cmd.Flags().StringSliceVar(&f.levels, "level", nil, "only cases of these levels (MUST, SHOULD, MAY, BCP, POLICY)")
	cmd.Flags().StringSliceVar(&f.flows, "flow", nil, "only cases for these flows")
	cmd.Flags().StringSliceVar(&f.families, "family", nil, "only cases of these families ("+strings.Join(catalog.Families(), ", ")+")")
	return cmd
}

func parseCaseFlow(s string) (fixtures.Flow, error) {
	s = strings.TrimSpace(s)
	for _, f := range fixtures.Flows {
		if strings.EqualFold(s, string(f)) || strings.EqualFold(s, f.Short()) {
			return f, nil
		}
	}
	return "", fmt.Errorf("--flow %q: want one of jwt_bearer, private_key_jwt, client_secret_jwt (or grant, client-pk, client-hs)", s)
}

// selectCases applies the filters; with a flow filter each case's Flows are
// narrowed to the selected ones.
func selectCases(f *casesFlags) ([]catalog.Case, error) {
	levels := map[catalog.Level]bool{}
	for _, l := range f.levels {
		lv := catalog.Level(strings.ToUpper(strings.TrimSpace(l)))
		if !lv.Known() {
			return nil, fmt.Errorf("--level %q: want MUST, SHOULD, MAY, BCP or POLICY", l)
		}
		levels[lv] = true
	}
	flows := map[fixtures.Flow]bool{}
	for _, s := range f.flows {
		fl, err := parseCaseFlow(s)
		if err != nil {
			return nil, err
		}
		flows[fl] = true
	}
	known := map[string]bool{}
	for _, fam := range catalog.Families() {
		known[fam] = true
	}
	families := map[string]bool{}
	for _, fam := range f.families {
		fam = strings.ToLower(strings.TrimSpace(fam))
		if !known[fam] {
			return nil, fmt.Errorf("--family %q: want one of %s", fam, strings.Join(catalog.Families(), ", "))
		}
		families[fam] = true
	}
	var out []catalog.Case
	for _, c := range catalog.All() {
		if len(levels) > 0 && !levels[c.Level] {
			continue
		}
		if len(families) > 0 && !families[c.Family] {
			continue
		}
		if len(flows) > 0 {
			var keep []fixtures.Flow
			for _, fl := range c.Flows {
				if flows[fl] {
					keep = append(keep, fl)
				}
			}
			if len(keep) == 0 {
				continue
			}
			c.Flows = keep
		}
		out = append(out, c)
	}
	return out, nil
}

func shortFlows(fs []fixtures.Flow) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = f.Short()
	}
	return strings.Join(s, ",")
}

func needsText(c catalog.Case) string {
	var s []string
	for _, p := range c.Profiles {
		s = append(s, "profile:"+string(p))
	}
	for _, n := range c.Needs {
		s = append(s, string(n))
	}
	if c.Policy != "" {
		s = append(s, "policy:"+string(c.Policy))
	}
	return strings.Join(s, ",")
}

func casesTable(w io.Writer, cs []catalog.Case) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFAMILY\tLEVEL\tCLAUSE\tFLOWS\tFLAW\tNEEDS\tTITLE")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Family, c.Level, c.Clause.ID(), shortFlows(c.Flows), c.Flaw, needsText(c), c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	keys := 0
	for _, c := range cs {
		keys += len(c.Flows)
	}
	_, err := fmt.Fprintf(w, "\n%d cases, %d case@flow checks\n", len(cs), keys)
	return err
}

type caseJSON struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Family    string   `json:"family"`
	Flows     []string `json:"flows"`
	Level     string   `json:"level"`
	Clause    string   `json:"clause"`
	ClauseURL string   `json:"clause_url,omitempty"`
	Quote     string   `json:"quote"`
	Profiles  []string `json:"profiles,omitempty"`
	Needs     []string `json:"needs,omitempty"`
	Policy    string   `json:"policy,omitempty"` // the target-file declaration that makes it gate
	Flaw      string   `json:"flaw"`
	Mutation  string   `json:"mutation,omitempty"`
	Negative  bool     `json:"negative"`
	Serial    bool     `json:"serial,omitempty"`
}

func casesJSON(w io.Writer, cs []catalog.Case) error {
	out := make([]caseJSON, 0, len(cs))
	for _, c := range cs {
		j := caseJSON{ID: c.ID, Title: c.Title, Family: c.Family, Level: string(c.Level), Clause: c.Clause.ID(),
			ClauseURL: c.Clause.URL(), Quote: c.Clause.Quote, Policy: string(c.Policy), Flaw: string(c.Flaw), Mutation: c.Mutation,
			Negative: c.Negative, Serial: c.Serial}
		for _, f := range c.Flows {
			j.Flows = append(j.Flows, string(f))
		}
		for _, p := range c.Profiles {
			j.Profiles = append(j.Profiles, string(p))
		}
		for _, n := range c.Needs {
			j.Needs = append(j.Needs, string(n))
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func casesMarkdown(w io.Writer, cs []catalog.Case) error {
	byFamily := map[string][]catalog.Case{}
	for _, c := range cs {
		byFamily[c.Family] = append(byFamily[c.Family], c)
	}
	fams := make([]string, 0, len(byFamily))
	for f := range byFamily {
		fams = append(fams, f)
	}
	sort.Strings(fams)
	fmt.Fprintf(w, "# jwtharness conformance cases (%d)\n", len(cs))
	for _, fam := range fams {
		fmt.Fprintf(w, "\n## %s\n\n| ID | Level | Clause | Flows | Flaw | Title |\n|---|---|---|---|---|---|\n", fam)
		for _, c := range byFamily[fam] {
			clause := c.Clause.ID()
			if u := c.Clause.URL(); u != "" {
				clause = "[" + clause + "](" + u + ")"
			}
			level := string(c.Level)
			if c.Policy != "" {
				level += " (`" + string(c.Policy) + "`)"
			}
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | `%s` | %s |\n", c.ID, level, clause, shortFlows(c.Flows), c.Flaw, mdEscape(c.Title))
		}
	}
	return nil
}
