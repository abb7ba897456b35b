package suites

import (
	"fmt"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/suites/catalog"
)

// Selection is the friendly form of a label filter, as `jwtharness conform`
// takes it. Within one field the values are alternatives (||); the fields
// are combined with &&.
type Selection struct {
	Levels   []string // MUST, SHOULD, MAY, BCP, POLICY
	Flows    []string // jwt_bearer, private_key_jwt, client_secret_jwt (or grant, client-pk, client-hs)
	Cases    []string // case IDs
	Families []string // case families
	Expr     string   // a raw Ginkgo label filter, and-ed with the rest
}

// CompileFilter turns a selection into a Ginkgo label filter such as
// "(level:MUST) && (flow:jwt_bearer)". Unknown levels, flows, case IDs and
// families are errors naming the value and what is known; the result is
// validated with Ginkgo's own parser.
func CompileFilter(sel Selection, cases []catalog.Case) (string, error) {
	if cases == nil {
		cases = catalog.All()
	}
	ids, fams := map[string]bool{}, map[string]bool{}
	// The one verdict of a flow declared unsupported can be selected too.
	u := catalog.Unsupported()
	for _, c := range append(append([]catalog.Case(nil), cases...), u) {
		ids[strings.ToLower(c.ID)] = true
		fams[strings.ToLower(c.Family)] = true
	}
	var parts []string
	group := func(key string, vals []string, norm func(string) (string, error)) error {
		var alts []string
		for _, v := range splitList(vals) {
			n, err := norm(v)
			if err != nil {
				return err
			}
			alts = append(alts, key+":"+SanitizeLabel(n))
		}
		if len(alts) > 0 {
			parts = append(parts, "("+strings.Join(alts, " || ")+")")
		}
		return nil
	}
	if err := group("level", sel.Levels, func(v string) (string, error) {
		u := strings.ToUpper(v)
		if catalog.Level(u).Known() {
			return u, nil
		}
		return "", fmt.Errorf("unknown level %q (want MUST, SHOULD, MAY, BCP or POLICY)", v)
	}); err != nil {
		return "", err
	}
	if err := group("flow", sel.Flows, func(v string) (string, error) {
		f, err := ParseFlow(v)
		return string(f), err
	}); err != nil {
		return "", err
	}
	if err := group("case", sel.Cases, func(v string) (string, error) {
		if !ids[strings.ToLower(v)] {
			if near := nearIDs(v, ids); len(near) > 0 {
				return "", fmt.Errorf("unknown case %q (did you mean %s?)", v, strings.Join(near, ", "))
			}
			return "", fmt.Errorf("unknown case %q (jwtharness cases lists them)", v)
		}
		return v, nil
	}); err != nil {
		return "", err
	}
	if err := group("family", sel.Families, func(v string) (string, error) {
		if !fams[strings.ToLower(v)] {
			return "", fmt.Errorf("unknown family %q (known: %s)", v, strings.Join(sortedKeys(fams), ", "))
		}
		return v, nil
	}); err != nil {
		return "", err
	}
	if e := strings.TrimSpace(sel.Expr); e != "" {
		if err := ValidateFilter(e); err != nil {
			return "", err
		}
		parts = append(parts, "("+e+")")
	}
	filter := strings.Join(parts, " && ")
	if err := ValidateFilter(filter); err != nil {
		return "", err
	}
	return filter, nil
}

// SuggestCases returns up to five case IDs close to id (nil cases: the catalog).
func SuggestCases(id string, cases []catalog.Case) []string {
	if cases == nil {
		cases = catalog.All()
	}
	ids := map[string]bool{}
	for _, c := range cases {
		ids[strings.ToLower(c.ID)] = true
	}
	return nearIDs(id, ids)
}

// nearIDs returns up to five known IDs close to v: within a small edit
// distance, closest first, else those that contain v.
func nearIDs(v string, ids map[string]bool) []string {
	v = strings.ToLower(v)
	type cand struct {
		id string
		d  int
	}
	var cs []cand
	limit := max(2, len(v)/4)
	for _, id := range sortedKeys(ids) {
		if d := editDistance(v, id); d <= limit {
			cs = append(cs, cand{id, d})
		} else if strings.Contains(id, v) {
			cs = append(cs, cand{id, limit + 1})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 5; i++ {
		out = append(out, cs[i].id)
	}
	return out
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ParseFlow accepts a flow name or its report suffix (grant, client-pk, client-hs).
func ParseFlow(s string) (fixtures.Flow, error) {
	for _, f := range fixtures.Flows {
		if strings.EqualFold(s, string(f)) || strings.EqualFold(s, f.Short()) {
			return f, nil
		}
	}
	var names []string
	for _, f := range fixtures.Flows {
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown flow %q (want %s)", s, strings.Join(names, ", "))
}

// splitList splits comma-separated values and drops empty ones.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Selected is one spec a filter selects.
type Selected struct {
	Case catalog.Case
	Flow fixtures.Flow
	Name string // the It text
}

// Select returns the specs filter selects, in tree order (families in
// catalog order), without touching Ginkgo's global suite: the labels are
// matched with Ginkgo's own filter function.
func Select(cases []catalog.Case, filter string) ([]Selected, error) {
	if cases == nil {
		cases = catalog.All()
	}
	lf, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, &FilterError{Filter: filter, Err: err}
	}
	var out []Selected
	order, by := families(cases)
	for _, fam := range order {
		for _, c := range by[fam] {
			for _, flow := range c.Flows {
				labels := append([]string{"family:" + SanitizeLabel(fam)}, Labels(c, flow)...)
				if lf(labels) {
					out = append(out, Selected{Case: c, Flow: flow, Name: SpecName(c, flow)})
				}
			}
		}
	}
	return out, nil
}
