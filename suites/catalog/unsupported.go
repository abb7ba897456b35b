package catalog

import (
	"github.com/jwtharness/jwtharness/fixtures"
	R "github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reports"
)

// UnsupportedCaseID is the ID of the one verdict a flow declared
// `unsupported: true` collapses to.
const UnsupportedCaseID = "flow-unsupported"

var cUnsupported = Clause{Doc: "policy", Section: "unsupported", Quote: `flows.<flow>.unsupported: true — the endpoint does not offer the flow and refuses it cleanly: a 4xx OAuth error (invalid_client or unauthorized_client; unsupported_grant_type for the grant), never a token and never a 5xx.`}

// Unsupported is the case a flow declared `unsupported: true` runs instead
// of the catalog: the flow's valid request (signed by the credential the
// file gives, or one generated for the probe) must be refused cleanly. A
// clean refusal PASSes; an issued token FAILs (the target declares the flow
// unsupported); a 5xx is the server-error finding and FAILs this case,
// which is about the refusal itself. It is not part of All().
func Unsupported() Case {
	return Case{ID: UnsupportedCaseID, Title: "a flow the target declares unsupported is refused cleanly (4xx OAuth error, no token, never 5xx)",
		Family: "flows", Flows: allFlows, Clause: cUnsupported, Level: POLICY, Policy: PolicyFlows, Negative: true,
		Flaw: R.ServerErrorOnBad, About: []string{FindServerError, FindErrorStatus},
		Run: body(func(s *session) reports.Verdict {
			req, err := s.validRequest()
			if err != nil {
				return errorf("could not build the flow's request: %v", err)
			}
			s.controlled = true // no control: the flow is not offered
			ex := s.send("the flow's valid request (the flow is declared unsupported: must be refused cleanly)", req)
			v := s.judgeRejected(ex, unsupportedWant(s.flow))
			if v.Outcome == reports.Fail && ex.Issued() {
				v.Reason = "the target declares this flow unsupported, but the endpoint issued a token for it"
			}
			return v
		})}
}

// unsupportedWant: the codes of a clean refusal of a flow the endpoint
// does not offer.
func unsupportedWant(flow fixtures.Flow) want {
	if flow.ClientAuth() {
		return want{codes: []string{"invalid_client", "unauthorized_client"}, warn: []string{"invalid_request"},
			why: "RFC 6749 §5.2 names invalid_client for an unsupported authentication method"}
	}
	return want{codes: []string{"unsupported_grant_type", "invalid_client", "unauthorized_client"}, warn: []string{"invalid_grant", "invalid_request"},
		why: "RFC 6749 §5.2 names unsupported_grant_type for a grant type the server does not support"}
}
