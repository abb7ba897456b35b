package suites

import (
	"strings"
	"testing"

	"github.com/jwtharness/jwtharness/reports"
)

func TestConformMatcher(t *testing.T) {
	cases := []struct {
		outcome reports.Outcome
		strict  bool
		want    bool
	}{
		{reports.Pass, false, true},
		{reports.Skip, false, true},
		{reports.Warn, false, true},
		{reports.Warn, true, false},
		{reports.Fail, false, false},
		{reports.Error, false, false},
	}
	for _, tc := range cases {
		v := reports.Verdict{Case: "aud-wrong", Key: "aud-wrong@grant", Outcome: tc.outcome,
			Clause: "RFC7523-3", Expected: "HTTP 400 invalid_grant", Actual: "HTTP 200"}
		got, err := Conform(tc.strict).Match(v)
		if err != nil || got != tc.want {
			t.Errorf("%s strict=%v: got %v, %v; want %v", tc.outcome, tc.strict, got, err, tc.want)
		}
		if !got {
			msg := Conform(tc.strict).FailureMessage(v)
			for _, want := range []string{"aud-wrong", "RFC7523-3", "HTTP 400 invalid_grant", "HTTP 200"} {
				if !strings.Contains(msg, want) {
					t.Errorf("failure message %q lacks %q", msg, want)
				}
			}
		}
	}
	if _, err := Conform(false).Match("not a verdict"); err == nil {
		t.Error("a non-verdict must be an error")
	}
}
