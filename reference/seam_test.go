package reference

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/reference/flaws"
)

// TestFlawSeams: every flaw is registered as overrides of named steps, most
// of one step; the few that span two are exactly the documented ones; no
// override is registered for a flaw package flaws does not know.
func TestFlawSeams(t *testing.T) {
	multi := []string{
		"alg-defaulted", "alg-none-accepted", "crit-ignored",
		"duplicate-header-first-wins", "jti-burned-early", "no-size-limit",
	}
	var gotMulti []string
	for _, fi := range flaws.All() {
		seam := seamOf(fi.Name)
		switch {
		case len(seam) == 0:
			t.Errorf("flaw %s overrides no pipeline step", fi.Name)
		case len(seam) > 1:
			gotMulti = append(gotMulti, string(fi.Name))
		}
		if len(seam) != len(slices.Compact(append([]string(nil), seam...))) {
			t.Errorf("flaw %s overrides one step twice: %v", fi.Name, seam)
		}
	}
	sort.Strings(gotMulti)
	if !slices.Equal(gotMulti, multi) {
		t.Errorf("flaws overriding more than one step: %v, documented: %v", gotMulti, multi)
	}
	for f := range overrides {
		if _, ok := flaws.Lookup(string(f)); !ok {
			t.Errorf("overrides registered for unknown flaw %q", f)
		}
	}
}

// TestCorrectServerIsThePipeline: without flaws the composed step lists
// are the pipelines as listed, step for step.
func TestCorrectServerIsThePipeline(t *testing.T) {
	if got := assertionSteps(nil); len(got) != len(assertionPipeline) {
		t.Fatalf("%d assertion steps, want %d", len(got), len(assertionPipeline))
	}
	if got := requestSteps(nil); len(got) != len(requestPipeline) {
		t.Fatalf("%d request steps, want %d", len(got), len(requestPipeline))
	}
	if got := responseSteps(nil); len(got) != len(responsePipeline) {
		t.Fatalf("%d response steps, want %d", len(got), len(responsePipeline))
	}
	// An unknown step name is a programming error caught at start-up.
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "unknown step") {
			t.Fatalf("registering an unknown step: %v", r)
		}
	}()
	onAssertion("test-only", "no-such-step", skip)
}
