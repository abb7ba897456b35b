package suites

import (
	"fmt"

	"github.com/onsi/gomega/types"

	"github.com/jwtharness/jwtharness/reports"
)

// Conform is the Gomega matcher every spec ends with: it succeeds for a
// verdict that does not gate the run (PASS, SKIP, and WARN unless strict)
// and fails with the case's clause, expected and actual evidence and the
// reproduction command.
func Conform(strict bool) types.GomegaMatcher { return conformMatcher{strict: strict} }

type conformMatcher struct{ strict bool }

func (m conformMatcher) Match(actual any) (bool, error) {
	v, ok := actual.(reports.Verdict)
	if !ok {
		return false, fmt.Errorf("Conform matcher expects a reports.Verdict, got %T", actual)
	}
	return !v.Gates(m.strict), nil
}

func (m conformMatcher) FailureMessage(actual any) string {
	v, _ := actual.(reports.Verdict)
	if v.Outcome == reports.Warn {
		return "WARN (strict) " + failText(v)
	}
	return failText(v)
}

func (m conformMatcher) NegatedFailureMessage(actual any) string {
	v, _ := actual.(reports.Verdict)
	return fmt.Sprintf("expected %s not to conform, but it was %s", v.Name(), v.Outcome)
}
