package catalog

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reference"
)

var update = flag.Bool("update", false, "rewrite testdata/catalog.golden.json from the catalog")

// minCases is the floor on the catalog's size.
const minCases = 80

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestCatalog enforces the catalog's shape: unique slug IDs without
// label-illegal characters, a clause with a quote, a level, a known flaw,
// a body, known flows, families and capabilities, fixtures mutation names
// that exist, and every reference flaw named by at least one case.
func TestCatalog(t *testing.T) {
	cs := All()
	if len(cs) < minCases {
		t.Errorf("catalog has %d cases, want at least %d", len(cs), minCases)
	}
	seen := map[string]bool{}
	named := map[reference.Flaw]bool{}
	for _, c := range cs {
		if seen[c.ID] {
			t.Errorf("duplicate case ID %q", c.ID)
		}
		seen[c.ID] = true
		if !slug.MatchString(c.ID) {
			t.Errorf("%s: ID is not a lower-case slug", c.ID)
		}
		if strings.ContainsAny(c.ID+c.Family, "&|!,()/ :") {
			t.Errorf("%s: ID or family %q holds a Ginkgo label-illegal character", c.ID, c.Family)
		}
		if c.Title == "" || c.Family == "" || !slug.MatchString(c.Family) {
			t.Errorf("%s: title %q / family %q missing or malformed", c.ID, c.Title, c.Family)
		}
		if c.Clause.Doc == "" || c.Clause.Quote == "" || c.Clause.ID() == "" {
			t.Errorf("%s: clause without document or quote: %+v", c.ID, c.Clause)
		}
		if c.Clause.Linked() && c.Clause.URL() == "" {
			t.Errorf("%s: clause %s has no URL (add its document to clauseLinks)", c.ID, c.Clause.ID())
		}
		if !c.Level.Known() {
			t.Errorf("%s: level %q", c.ID, c.Level)
		}
		if _, ok := reference.LookupFlaw(string(c.Flaw)); !ok {
			t.Errorf("%s: flaw %q is not a reference flaw", c.ID, c.Flaw)
		}
		named[c.Flaw] = true
		if c.Run == nil {
			t.Errorf("%s: no Run body", c.ID)
		}
		if len(c.Flows) == 0 {
			t.Errorf("%s: no flows", c.ID)
		}
		for _, f := range c.Flows {
			if !f.Valid() {
				t.Errorf("%s: unknown flow %q", c.ID, f)
			}
		}
		if c.Mutation != "" {
			if _, ok := fixtures.LookupMutation(c.Mutation); !ok {
				t.Errorf("%s: mutation %q is not a fixtures mutation", c.ID, c.Mutation)
			}
		}
		for _, n := range c.Needs {
			if !knownCapability(n) {
				t.Errorf("%s: unknown capability %q", c.ID, n)
			}
		}
		if got, ok := Lookup(c.ID); !ok || got.ID != c.ID {
			t.Errorf("Lookup(%q) failed", c.ID)
		}
	}
	used := map[string]bool{}
	for _, c := range cs {
		used[c.Mutation] = true
	}
	for _, m := range fixtures.Mutations() {
		if !used[m.Name] {
			t.Errorf("fixtures mutation %s is named by no case: use it in a case or remove it", m.Name)
		}
	}
	for _, fi := range reference.Flaws() {
		if !named[fi.Name] {
			t.Errorf("reference flaw %s is named by no case", fi.Name)
		}
	}
}

func knownCapability(n Capability) bool { return n.Known() }

// goldenCase is one entry of the golden file: every field of a case that
// changes what it sends, how it is judged or where it runs.
type goldenCase struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Family    string   `json:"family"`
	Negative  bool     `json:"negative"`
	Mutation  string   `json:"mutation,omitempty"`
	Level     string   `json:"level"`
	Policy    string   `json:"policy,omitempty"`
	About     []string `json:"about,omitempty"`
	Clause    string   `json:"clause"`
	Item      int      `json:"item,omitempty"`
	Quote     string   `json:"quote"`
	Flows     []string `json:"flows"`
	Profiles  []string `json:"profiles,omitempty"`
	Needs     []string `json:"needs,omitempty"`
	Flaw      string   `json:"flaw"`
	Serial    bool     `json:"serial,omitempty"`
	CleanSkip string   `json:"clean_skip,omitempty"`
}

func goldenOf(c Case) goldenCase {
	g := goldenCase{ID: c.ID, Title: c.Title, Family: c.Family, Negative: c.Negative, Mutation: c.Mutation,
		Level: string(c.Level), Policy: string(c.Policy), About: c.About,
		Clause: c.Clause.ID(), Item: c.Clause.Item, Quote: c.Clause.Quote,
		Flaw: string(c.Flaw), Serial: c.Serial, CleanSkip: c.CleanSkip}
	for _, f := range c.Flows {
		g.Flows = append(g.Flows, string(f))
	}
	for _, p := range c.Profiles {
		g.Profiles = append(g.Profiles, string(p))
	}
	for _, n := range c.Needs {
		g.Needs = append(g.Needs, string(n))
	}
	return g
}

func goldenJSON(cs []Case) ([]byte, error) {
	out := make([]goldenCase, 0, len(cs))
	for _, c := range cs {
		out = append(out, goldenOf(c))
	}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}

// TestGoldenSeesEveryField changes one behavioural field of a case at a
// time: each change must change the golden text (so that, for example,
// flipping a case from negative to positive turns TestGolden red).
func TestGoldenSeesEveryField(t *testing.T) {
	base, ok := Lookup("aud-wrong")
	if !ok {
		t.Fatal("no case aud-wrong")
	}
	want, err := goldenJSON([]Case{base})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		edit  func(c *Case)
	}{
		{"title", func(c *Case) { c.Title += "!" }},
		{"family", func(c *Case) { c.Family = "other" }},
		{"negative", func(c *Case) { c.Negative = !c.Negative }},
		{"mutation", func(c *Case) { c.Mutation = "aud-missing" }},
		{"level", func(c *Case) { c.Level = SHOULD }},
		{"policy", func(c *Case) { c.Policy = PolicyLeeway }},
		{"about", func(c *Case) { c.About = append(c.About, "x") }},
		{"clause", func(c *Case) { c.Clause.Section = "9" }},
		{"clause item", func(c *Case) { c.Clause.Item++ }},
		{"clause quote", func(c *Case) { c.Clause.Quote += "." }},
		{"flows", func(c *Case) { c.Flows = c.Flows[:1] }},
		{"profiles", func(c *Case) { c.Profiles = append(c.Profiles, "rfc7523bis") }},
		{"needs", func(c *Case) { c.Needs = append(c.Needs, CapIssuer) }},
		{"flaw", func(c *Case) { c.Flaw = "aud-prefix-match" }},
		{"serial", func(c *Case) { c.Serial = !c.Serial }},
		{"clean skip", func(c *Case) { c.CleanSkip = "because" }},
	} {
		c := base
		c.Flows = append([]fixtures.Flow(nil), base.Flows...)
		tc.edit(&c)
		got, err := goldenJSON([]Case{c})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) == string(want) {
			t.Errorf("changing the %s leaves the golden text unchanged", tc.field)
		}
	}
}

// TestGolden guards the catalog's identity: changing any field of
// goldenCase (ID, title, negative, mutation, level, policy, clause and
// item, flows, profiles, needs, flaw, ...) means updating testdata/catalog.golden.json in the
// same commit (go test ./suites/catalog -run TestGolden -update).
func TestGolden(t *testing.T) {
	got, err := goldenJSON(All())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "catalog.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("the catalog differs from %s; review the change and rerun with -update:\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(int64(i+1)) + ":\n  golden:  " + x + "\n  catalog: " + y
		}
	}
	return ""
}

func TestClause(t *testing.T) {
	for _, tc := range []struct {
		c       Clause
		id, url string
	}{
		{Clause{Doc: "RFC7523", Section: "3", Item: 3}, "RFC7523-3", "https://www.rfc-editor.org/rfc/rfc7523#section-3"},
		{Clause{Doc: "RFC6749", Section: "5.2"}, "RFC6749-5.2", "https://www.rfc-editor.org/rfc/rfc6749#section-5.2"},
		{Clause{Doc: "RFC8725", Section: "3.1"}, "RFC8725-3.1", "https://www.rfc-editor.org/rfc/rfc8725#section-3.1"},
		{Clause{Doc: "OIDC-Core", Section: "9"}, "OIDC-Core-9", "https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication"},
		{Clause{Doc: "RFC7523bis", Section: "4"}, "RFC7523bis-4", "https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis#section-4"},
		{Clause{Doc: "vendor"}, "vendor", ""},
	} {
		if got := tc.c.ID(); got != tc.id {
			t.Errorf("ID() = %q, want %q", got, tc.id)
		}
		if got := tc.c.URL(); got != tc.url {
			t.Errorf("%s URL() = %q, want %q", tc.id, got, tc.url)
		}
	}
	if got := (Clause{Doc: "RFC7523", Section: "3", Item: 3}).Text(); got != "RFC 7523 §3 item 3" {
		t.Errorf("Text() = %q", got)
	}
}
