package flaws

import (
	"regexp"
	"testing"
)

// TestInfos: every flaw has a slug name, a rule and an effect, once.
func TestInfos(t *testing.T) {
	slug := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[Flaw]bool{}
	for _, fi := range All() {
		if !slug.MatchString(string(fi.Name)) || fi.Rule == "" || fi.Effect == "" {
			t.Errorf("flaw %q: name, rule and effect are required (%+v)", fi.Name, fi)
		}
		if seen[fi.Name] {
			t.Errorf("flaw %q listed twice", fi.Name)
		}
		seen[fi.Name] = true
		if got, ok := Lookup(string(fi.Name)); !ok || got != fi {
			t.Errorf("Lookup(%q) = %+v, %v", fi.Name, got, ok)
		}
	}
	if _, ok := Lookup("no-such-flaw"); ok {
		t.Error("Lookup found an unknown flaw")
	}
}
