package catalog

import (
	"sort"
	"sync"
)

var (
	allOnce  sync.Once
	allCases []Case
	byID     map[string]int
)

// All returns every case, sorted by ID. The slice is a copy; the cases'
// bodies are shared and safe for concurrent use.
func All() []Case {
	allOnce.Do(func() {
		var cs []Case
		cs = append(cs, claimCases()...)
		cs = append(cs, cryptoCases()...)
		cs = append(cs, httpCases()...)
		cs = append(cs, moreCases()...)
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
		byID = make(map[string]int, len(cs))
		for i, c := range cs {
			byID[c.ID] = i
		}
		allCases = cs
	})
	return append([]Case(nil), allCases...)
}

// Lookup returns the case with id.
func Lookup(id string) (Case, bool) {
	All()
	i, ok := byID[id]
	if !ok {
		return Case{}, false
	}
	return allCases[i], true
}

// Families lists the case families in use, sorted.
func Families() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range All() {
		if !seen[c.Family] {
			seen[c.Family] = true
			out = append(out, c.Family)
		}
	}
	sort.Strings(out)
	return out
}
