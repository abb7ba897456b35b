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
	for _, fi := range reference.Flaws() {
		if !named[fi.Name] {
			t.Errorf("reference flaw %s is named by no case", fi.Name)
		}
	}
}

func knownCapability(n Capability) bool { return n.Known() }

// goldenCase is one line of the golden file: what a reviewer must see change.
type goldenCase struct {
	ID       string   `json:"id"`
	Flows    []string `json:"flows"`
	Clause   string   `json:"clause"`
	Level    string   `json:"level"`
	Flaw     string   `json:"flaw"`
	Profiles []string `json:"profiles,omitempty"`
	Needs    []string `json:"needs,omitempty"`
}

func goldenJSON() ([]byte, error) {
	var out []goldenCase
	for _, c := range All() {
		g := goldenCase{ID: c.ID, Clause: c.Clause.ID(), Level: string(c.Level), Flaw: string(c.Flaw)}
		for _, f := range c.Flows {
			g.Flows = append(g.Flows, string(f))
		}
		for _, p := range c.Profiles {
			g.Profiles = append(g.Profiles, string(p))
		}
		for _, n := range c.Needs {
			g.Needs = append(g.Needs, string(n))
		}
		out = append(out, g)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	return append(b, '\n'), err
}

// TestGolden guards the catalog's identity: changing a case's ID, flows,
// clause, level or flaw means updating testdata/catalog.golden.json in the
// same commit (go test ./suites/catalog -run TestGolden -update).
func TestGolden(t *testing.T) {
	got, err := goldenJSON()
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
