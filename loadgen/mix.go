package loadgen

import (
	"fmt"
	"strconv"
	"strings"
)

// Class names with a fixed meaning.
const (
	// ClassValid is an unmutated assertion; the endpoint must issue a token.
	ClassValid = "valid"
	// ClassRaw is raw calibration mode: a fixed request, no assertion.
	ClassRaw = "raw"
)

// MixEntry is one class of request in a mix.
type MixEntry struct {
	Name     string `json:"name"`               // as given: catalog ID, mutation name, or "valid"
	Mutation string `json:"mutation,omitempty"` // fixtures mutation name; "" for valid
	Weight   int    `json:"weight"`
}

// ExpectIssued reports whether the endpoint should answer this class with a token.
func (e MixEntry) ExpectIssued() bool { return e.Mutation == "" }

// Resolver maps a name from --mix to a fixtures mutation name (catalog ID
// first, then mutation name); ok false when the name is unknown.
type Resolver func(name string) (mutation string, ok bool)

// ParseMix reads "valid=90,exp-past=5,sig-wrong-key=5". Weights are
// positive integers (relative, they need not sum to 100); a name alone
// means weight 1; "valid" needs no resolver.
func ParseMix(s string, resolve Resolver) ([]MixEntry, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("mix: empty; want e.g. valid=90,exp-past=10")
	}
	var out []MixEntry
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, fmt.Errorf("mix %q: empty entry", s)
		}
		name, ws, hasW := strings.Cut(part, "=")
		name = strings.TrimSpace(name)
		w := 1
		if hasW {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(ws), "%")))
			if err != nil || n <= 0 {
				return nil, fmt.Errorf("mix entry %q: weight must be a positive integer", part)
			}
			w = n
		}
		if name == "" {
			return nil, fmt.Errorf("mix entry %q: missing class name", part)
		}
		if seen[name] {
			return nil, fmt.Errorf("mix: %q given twice", name)
		}
		seen[name] = true
		e := MixEntry{Name: name, Weight: w}
		if name != ClassValid {
			if resolve == nil {
				return nil, fmt.Errorf("mix entry %q: unknown class (only %q is built in)", name, ClassValid)
			}
			m, ok := resolve(name)
			if !ok {
				return nil, fmt.Errorf("mix entry %q: neither a catalog case with a mutation nor a fixtures mutation", name)
			}
			e.Mutation = m
		}
		out = append(out, e)
	}
	return out, nil
}

// FormatMix is the inverse of ParseMix.
func FormatMix(mix []MixEntry) string {
	parts := make([]string, len(mix))
	for i, e := range mix {
		parts[i] = e.Name + "=" + strconv.Itoa(e.Weight)
	}
	return strings.Join(parts, ",")
}

// Selector assigns a class to each request sequence number so that every
// window of sum(weights) consecutive requests holds exactly weight_k of
// class k, spread evenly (smooth weighted round robin, precomputed). It is
// lock-free: Class is a table lookup.
type Selector struct {
	table []uint16
}

// NewSelector builds the table for a mix.
func NewSelector(mix []MixEntry) *Selector {
	g := 0
	for _, e := range mix {
		g = gcd(g, e.Weight)
	}
	if g == 0 {
		return &Selector{table: []uint16{0}}
	}
	total := 0
	w := make([]int, len(mix))
	for i, e := range mix {
		w[i] = e.Weight / g
		total += w[i]
	}
	cur := make([]int, len(mix))
	table := make([]uint16, total)
	for n := range table {
		best := 0
		for i := range w {
			cur[i] += w[i]
			if cur[i] > cur[best] {
				best = i
			}
		}
		cur[best] -= total
		table[n] = uint16(best)
	}
	return &Selector{table: table}
}

// Class returns the class index of request seq.
func (s *Selector) Class(seq int64) int {
	return int(s.table[uint64(seq)%uint64(len(s.table))])
}

// CountRange adds to n[k] how many of the sequence numbers in [from, to)
// are of class k. It costs O(window), never O(to-from): the open model
// uses it to count a run of missed slots as dropped in one step.
func (s *Selector) CountRange(from, to int64, n []int64) {
	if to <= from {
		return
	}
	p := int64(len(s.table))
	if full := (to - from) / p; full > 0 {
		for _, c := range s.table {
			n[c] += full
		}
		from += full * p
	}
	for i := from; i < to; i++ {
		n[s.table[uint64(i)%uint64(p)]]++
	}
}

// Share returns the fraction of requests that are of class k.
func (s *Selector) Share(k int) float64 {
	n := 0
	for _, c := range s.table {
		if int(c) == k {
			n++
		}
	}
	return float64(n) / float64(len(s.table))
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
