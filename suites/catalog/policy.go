package catalog

import (
	"fmt"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

// PolicyKey names the declaration in the target file that makes a case
// gate: a rule no RFC keyword imposes (a lifetime cap, iat required, a size
// limit, the response formats, the accepted audiences), or a MAY/SHOULD
// the target promises to follow (jti_required: replay detection on the
// grant). Without the declaration the case reports what it observed as
// INFO (POLICY cases) or WARN (SHOULD/MAY cases), never FAIL.
type PolicyKey string

const (
	PolicyLifetime       PolicyKey = "max_lifetime"        // flows.<flow>.max_lifetime or max_lifetime (or the preset)
	PolicyIATRequired    PolicyKey = "iat_required"        // flows.<flow>.iat_required or policy.iat_required
	PolicyJTIRequired    PolicyKey = "jti_required"        // flows.<flow>.jti_required or policy.jti_required (assertions without jti are refused)
	PolicyExplicitTyping PolicyKey = "explicit_typing"     // policy.explicit_typing (the typ rule is stated, either way)
	PolicyAssertionBytes PolicyKey = "max_assertion_bytes" // policy.max_assertion_bytes
	PolicyNesting        PolicyKey = "max_claim_nesting"   // policy.max_claim_nesting
	PolicyFormats        PolicyKey = "formats"             // formats (responses in the listed formats, chosen by the format parameter)
	PolicyAudiences      PolicyKey = "audiences"           // policy.audiences (rfc7523bis: the issuer for client assertions)
	PolicyAlgorithms     PolicyKey = "algorithms"          // policy.algorithms (each key pinned to its algorithm)
	PolicyLeeway         PolicyKey = "leeway"              // leeway (the clock skew allowed on exp, nbf and iat; 0s is legal)
	// PolicyGrantClientAuth: policy.grant_client_auth_checked (client
	// authentication included with a bearer grant request is authenticated).
	PolicyGrantClientAuth PolicyKey = "grant_client_auth_checked"
	// PolicyStrictRequests: policy.strict_requests (POST only, form body
	// only, no query parameters, each parameter once, one client
	// authentication method).
	PolicyStrictRequests PolicyKey = "strict_requests"
	// PolicyFlows: the target file itself declares it, by offering the flow
	// with that credential, client or request shape (always declared when
	// the case runs): a valid request of a declared flow must be issued.
	PolicyFlows PolicyKey = "flows"
)

// policyState is what the target declares for a policy key and flow.
type policyState struct {
	declared bool   // the target says something about it
	holds    bool   // and what it says makes the case's rule apply
	what     string // the declaration, for reasons: "max_lifetime: 5m"
}

// policyOf reads the target's declaration of key for flow.
func policyOf(t *target.Target, flow fixtures.Flow, key PolicyKey) policyState {
	p := t.Policy
	switch key {
	case PolicyLifetime:
		max, declared := t.LifetimeCap(flow)
		if !declared {
			return policyState{what: "no max_lifetime"}
		}
		if max == 0 {
			return policyState{declared: true, what: "max_lifetime: none"}
		}
		return policyState{declared: true, holds: true, what: "max_lifetime: " + max.String()}
	case PolicyIATRequired:
		req, declared := t.IATRequired(flow)
		return boolPolicy("iat_required", req, declared)
	case PolicyJTIRequired:
		req, declared := t.JTIRequired(flow)
		return boolPolicy("jti_required", req, declared)
	case PolicyExplicitTyping:
		// Declared either way, the endpoint has stated its typ rule (the
		// case keyed to it accepts the client-authentication+jwt type).
		if p.ExplicitTyping == nil {
			return policyState{what: "no policy.explicit_typing"}
		}
		return policyState{declared: true, holds: true, what: fmt.Sprintf("explicit_typing: %v", *p.ExplicitTyping)}
	case PolicyAssertionBytes:
		if p.MaxAssertionBytes <= 0 {
			return policyState{what: "no policy.max_assertion_bytes"}
		}
		return policyState{declared: true, holds: true, what: fmt.Sprintf("max_assertion_bytes: %d", p.MaxAssertionBytes)}
	case PolicyNesting:
		if p.MaxNesting <= 0 {
			return policyState{what: "no policy.max_claim_nesting"}
		}
		return policyState{declared: true, holds: true, what: fmt.Sprintf("max_claim_nesting: %d", p.MaxNesting)}
	case PolicyFormats:
		if !p.FormatsDeclared {
			return policyState{what: "no formats"}
		}
		return policyState{declared: true, holds: true, what: fmt.Sprintf("formats: %v", t.Formats)}
	case PolicyAudiences:
		if aud := audiences(t, flow); aud != "" {
			return policyState{declared: true, holds: true, what: "audiences: " + aud}
		}
		return policyState{what: "no policy.audiences"}
	case PolicyAlgorithms:
		if p.Algorithms == nil {
			return policyState{what: "no policy.algorithms"}
		}
		return policyState{declared: true, holds: true, what: fmt.Sprintf("algorithms: %v", p.Algorithms)}
	case PolicyLeeway:
		if !t.LeewayDeclared {
			return policyState{what: "no leeway"}
		}
		return policyState{declared: true, holds: true, what: "leeway: " + t.Leeway.String()}
	case PolicyGrantClientAuth:
		if p.GrantClientAuthChecked == nil {
			return policyState{what: "no policy.grant_client_auth_checked"}
		}
		return boolPolicy("grant_client_auth_checked", *p.GrantClientAuthChecked, true)
	case PolicyStrictRequests:
		if p.StrictRequests == nil {
			return policyState{what: "no policy.strict_requests"}
		}
		return boolPolicy("strict_requests", *p.StrictRequests, true)
	case PolicyFlows:
		return policyState{declared: true, holds: true, what: "flows." + string(flow)}
	}
	return policyState{what: "unknown policy " + string(key)}
}

func boolPolicy(name string, v, declared bool) policyState {
	if !declared {
		return policyState{what: "no " + name}
	}
	return policyState{declared: true, holds: v, what: fmt.Sprintf("%s: %v", name, v)}
}

// audiences is the declared set of accepted aud values for flow: the
// policy's, or under rfc7523bis "issuer" for client assertions (the draft
// makes the issuer identifier their only audience).
func audiences(t *target.Target, flow fixtures.Flow) string {
	if flow.ClientAuth() && t.Profile == target.ProfileRFC7523bis {
		return target.AudiencesIssuer
	}
	return t.Policy.Audiences
}

// acceptsAudience reports whether the declared audiences include kind
// (AudiencesTokenEndpoint or AudiencesIssuer); declared is false when the
// target says nothing.
func acceptsAudience(t *target.Target, flow fixtures.Flow, kind string) (accepts, declared bool) {
	switch a := audiences(t, flow); a {
	case "":
		return false, false
	case target.AudiencesBoth:
		return true, true
	default:
		return a == kind, true
	}
}
