package loadgen

import (
	"fmt"
	"strings"
)

// DefaultMaxErrorRate is the error rate above which a run is not a valid
// measurement unless the caller says otherwise.
const DefaultMaxErrorRate = 0.01

// Validity says when a run counts as a measurement at all. Its zero value
// is not the default: use DefaultValidity and override fields explicitly.
type Validity struct {
	// MaxErrorRate is the highest error rate (errors / sent) of a valid
	// measurement; a negative value disables the check.
	MaxErrorRate float64
	// AllowNoSuccess accepts a run in which no request was answered as its
	// class expects (no token for valid, no refusal for a mutation).
	AllowNoSuccess bool
	// AllowIssuedMutations accepts a run in which a mutated assertion, which
	// must be refused, was answered with a token.
	AllowIssuedMutations bool
}

// DefaultValidity: at most 1 % errors, at least one success, no mutated
// assertion issued.
func DefaultValidity() Validity { return Validity{MaxErrorRate: DefaultMaxErrorRate} }

// Check returns why s is not a valid measurement (nil when it is).
func (v Validity) Check(s *Summary) []string {
	var out []string
	c := &s.All.Counters
	if !v.AllowNoSuccess && c.AsExpected() <= 0 {
		what := "no request was answered as expected"
		switch {
		case c.Sent == 0:
			what = "no request was sent"
		case c.Answered() == 0:
			what = fmt.Sprintf("none of %d requests got a complete answer", c.Sent)
		}
		out = append(out, what+" (--allow-no-success accepts it)")
	}
	if v.MaxErrorRate >= 0 && c.Sent > 0 && s.All.ErrorRate > v.MaxErrorRate {
		out = append(out, fmt.Sprintf("error rate %s is above %s (%s; --max-error-rate sets the ceiling, off disables it)",
			fmtPct(s.All.ErrorRate), fmtPct(v.MaxErrorRate), errorKinds(c)))
	}
	if !v.AllowIssuedMutations {
		for _, cs := range s.Classes {
			if cs.Expect == "rejected" && cs.Counters.Issued > 0 {
				out = append(out, fmt.Sprintf("class %s must be refused but %d were answered with a token (--allow-issued-mutations accepts it)", cs.Class, cs.Counters.Issued))
			}
		}
	}
	return out
}

// InvalidLine says in one line why a run is not a valid measurement, ""
// when it is.
func (s *Summary) InvalidLine() string {
	if len(s.Invalid) == 0 {
		return ""
	}
	return "NOT A VALID MEASUREMENT: " + strings.Join(s.Invalid, "; ")
}

// errorKinds names the kinds of error counted in c, largest first is not
// needed: a fixed order reads the same in every report.
func errorKinds(c *Counters) string {
	var parts []string
	for _, k := range []struct {
		name string
		n    int64
	}{
		{"2xx not a token", c.NotToken}, {"5xx", c.ServerError}, {"other status", c.OtherStatus},
		{"unparseable", c.Unparseable}, {"truncated", c.Truncated}, {"oversize", c.Oversize},
		{"timeouts", c.Timeouts}, {"connection errors", c.ConnErrors}, {"unexpected", c.Unexpected},
	} {
		if k.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k.name, k.n))
		}
	}
	if len(parts) == 0 {
		return "no error"
	}
	return strings.Join(parts, ", ")
}

func fmtPct(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f*100), "0"), ".") + "%"
}
