package loadgen

import (
	"strings"
	"testing"
)

func TestValidity(t *testing.T) {
	sum := func(valid, mutation Counters) *Summary {
		all := valid
		all.Add(&mutation)
		s := &Summary{Classes: []ClassSummary{{Class: ClassValid, Expect: "issued", Counters: valid}, {Class: "exp", Expect: "rejected", Counters: mutation}},
			All: ClassSummary{Class: "all", Counters: all}}
		if all.Sent > 0 {
			s.All.ErrorRate = float64(all.Errors()) / float64(all.Sent)
		}
		return s
	}
	def := DefaultValidity()
	off := Validity{MaxErrorRate: -1, AllowNoSuccess: true, AllowIssuedMutations: true}
	tests := []struct {
		name string
		v    Validity
		s    *Summary
		want []string // substrings of the reasons, in order; nil: valid
	}{
		{"clean", def, sum(Counters{Sent: 100, Issued: 100}, Counters{Sent: 10, Rejected: 10}), nil},
		{"1% errors is the ceiling", def, sum(Counters{Sent: 100, Issued: 99, Timeouts: 1}, Counters{}), nil},
		{"2% errors", def, sum(Counters{Sent: 100, Issued: 98, NotToken: 2}, Counters{}), []string{"error rate 2% is above 1%", "2xx not a token 2"}},
		{"nothing sent", def, sum(Counters{}, Counters{}), []string{"no request was sent"}},
		{"no answer", def, sum(Counters{Sent: 5, Timeouts: 5}, Counters{}), []string{"none of 5 requests got a complete answer", "error rate 100%"}},
		{"issued mutation", def, sum(Counters{Sent: 100, Issued: 100}, Counters{Sent: 1, Issued: 1, Unexpected: 1}), []string{"class exp must be refused but 1 were answered with a token"}},
		{"every check off", off, sum(Counters{Sent: 5, Timeouts: 5}, Counters{Sent: 1, Issued: 1, Unexpected: 1}), nil},
		{"ceiling raised", Validity{MaxErrorRate: 0.5}, sum(Counters{Sent: 100, Issued: 60, ServerError: 40}, Counters{}), nil},
	}
	for _, tc := range tests {
		got := tc.v.Check(tc.s)
		if len(tc.want) == 0 {
			if len(got) != 0 {
				t.Errorf("%s: invalid: %v", tc.name, got)
			}
			continue
		}
		line := strings.Join(got, "; ")
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", tc.name, line, w)
			}
		}
		tc.s.Invalid = got
		if !strings.HasPrefix(tc.s.InvalidLine(), "NOT A VALID MEASUREMENT: ") || strings.Contains(tc.s.InvalidLine(), "\n") {
			t.Errorf("%s: not one line: %q", tc.name, tc.s.InvalidLine())
		}
	}
}
