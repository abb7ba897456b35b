package catalog

import (
	"fmt"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
	"strconv"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	R "github.com/jwtharness/jwtharness/reference/flaws"
)

// claimCases: aud, exp/nbf/iat, iss/sub (RFC 7523 §3 items 1-6, 10).
func claimCases() []Case {
	bis := []target.Profile{target.ProfileRFC7523bis}
	rfc := []target.Profile{target.ProfileRFC7523}
	return []Case{
		// ---- aud ----
		negM(Case{ID: "aud-missing", Title: "an assertion without aud is refused", Family: "aud", Flows: allFlows,
			Clause: rfc7523(3, `The JWT MUST contain an "aud" (audience) claim containing a value that identifies the authorization server as an intended audience.`),
			Level:  MUST, Flaw: R.AudIgnored, Mutation: "aud-missing"}, flowErrW),
		negM(Case{ID: "aud-empty", Title: `aud "" is refused`, Family: "aud", Flows: allFlows, Clause: cAud, Level: MUST,
			Flaw: R.AudIgnored, Mutation: "aud-empty"}, flowErrW),
		negM(Case{ID: "aud-empty-array", Title: "aud [] is refused", Family: "aud", Flows: allFlows, Clause: cAud, Level: MUST,
			Flaw: R.AudIgnored, Mutation: "aud-empty-array"}, flowErrW),
		negM(Case{ID: "aud-wrong", Title: "aud naming another authorization server is refused", Family: "aud", Flows: allFlows,
			Clause: cAud, Level: MUST, Flaw: R.AudIgnored, Mutation: "aud-wrong"}, flowErrW),
		negM(Case{ID: "aud-array-foreign", Title: "an aud array of foreign audiences only is refused", Family: "aud", Flows: allFlows,
			Clause: cAud, Level: MUST, Flaw: R.AudIgnored, Mutation: "aud-array-foreign"}, flowErrW),
		negM(Case{ID: "aud-prefix", Title: "aud that merely starts with the expected value is refused", Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudPrefixMatch, Mutation: "aud-prefix"}, flowErrW),
		negM(Case{ID: "aud-embedded", Title: "aud that merely contains the expected value is refused", Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudPrefixMatch, Mutation: "aud-embedded"}, flowErrW),
		negM(Case{ID: "aud-trailing-slash", Title: `aud with a "/" added is refused (simple string comparison)`, Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudNormalized, Mutation: "aud-trailing-slash"}, flowErrW),
		negM(Case{ID: "aud-case", Title: "aud with the host in upper case is refused (simple string comparison)", Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudNormalized, Mutation: "aud-case"}, flowErrW),
		negM(Case{ID: "aud-array-non-string", Title: "an aud array with a non-string member is refused", Family: "aud", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.AudNonStringOK, Mutation: "aud-array-non-string"}, flowErrW),
		audPos(Case{ID: "aud-issuer", Title: "a client assertion with the issuer identifier as aud is accepted (declared audiences: issuer or both; rfc7523bis)", Family: "aud", Flows: clientFlows,
			Clause: cAudIssuer, Level: POLICY, Policy: PolicyAudiences, Needs: []Capability{CapIssuer}, Flaw: R.AudIssuerRejected, Mutation: "aud-issuer"}, target.AudiencesIssuer),
		audPos(Case{ID: "aud-issuer-grant", Title: "a grant assertion with the issuer identifier as aud is accepted (declared audiences: issuer or both)", Family: "aud", Flows: grantFlow,
			Clause: cAudIssuer, Level: POLICY, Policy: PolicyAudiences, Needs: []Capability{CapIssuer}, Flaw: R.AudIssuerRejected, Mutation: "aud-issuer"}, target.AudiencesIssuer),
		pos(Case{ID: "aud-array-with-valid", Title: "an aud array holding the expected value and a foreign one is accepted (RFC 7523, declared audiences)", Family: "aud", Flows: allFlows,
			Clause: cAudArray, Level: POLICY, Policy: PolicyAudiences, Profiles: rfc, Flaw: R.AudArrayRejected, Mutation: "aud-array-with-valid"}, named("aud-array-with-valid")),
		negM(Case{ID: "aud-token-endpoint-bis", Title: "rfc7523bis: a client assertion with the token endpoint URL as aud is refused", Family: "aud", Flows: clientFlows,
			Clause: cBisAud, Level: MUST, Profiles: bis, Flaw: R.AudBisTokenURLOK, Mutation: "aud-token-endpoint"}, flowErrW),
		negM(Case{ID: "aud-array-with-valid-bis", Title: "rfc7523bis: a client assertion whose aud array holds the issuer and another value is refused", Family: "aud", Flows: clientFlows,
			Clause: cBisAud, Level: MUST, Profiles: bis, Flaw: R.AudBisTokenURLOK, Mutation: "aud-array-with-valid"}, flowErrW),
		audPos(Case{ID: "aud-token-endpoint", Title: "an assertion with the token endpoint URL as aud is accepted (RFC 7523, declared audiences: token_endpoint or both)", Family: "aud", Flows: allFlows,
			Clause: cAudTE, Level: POLICY, Policy: PolicyAudiences, Profiles: rfc, Flaw: R.AudTokenEndpointReject, Mutation: "aud-token-endpoint",
			CleanSkip: "the reference's valid assertions already carry the token endpoint URL as aud: pos-baseline sends this request"}, target.AudiencesTokenEndpoint),

		// ---- exp ----
		negM(Case{ID: "time-exp-missing", Title: "an assertion without exp is refused", Family: "time", Flows: allFlows,
			Clause: cExp, Level: MUST, Flaw: R.ExpNotRequired, Mutation: "time-exp-missing"}, flowErrW),
		negM(Case{ID: "time-exp-expired", Title: "an expired assertion (well beyond the leeway) is refused", Family: "time", Flows: allFlows,
			Clause: cExpPast, Level: MUST, Flaw: R.ExpIgnored, Mutation: "time-exp-expired"}, flowErrW),
		negM(Case{ID: "time-exp-negative", Title: "exp = -1 is refused", Family: "time", Flows: allFlows,
			Clause: cExpPast, Level: MUST, Flaw: R.ExpIgnored, Mutation: "time-exp-negative"}, flowErrW),
		negM(Case{ID: "time-exp-past-leeway", Title: "exp 30s beyond the declared leeway is refused (wall clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Flaw: R.LeewayUnbounded, Mutation: "time-exp-past-leeway"}, flowErrW),
		{ID: "time-exp-leeway-outside", Title: "exp one second beyond the leeway is refused (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Mutation: "time-exp-leeway-outside", Flaw: R.LeewayUnbounded,
			Run: frozen(rejectWith(named("time-exp-leeway-outside"), flowErrW))},
		{ID: "time-exp-equals-now", Title: "exp + leeway == now is refused: now must be before exp (exact clock)", Family: "time", Flows: allFlows,
			Clause: cExpNow, Level: MUST, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Mutation: "time-exp-equals-now", Flaw: R.ExpEqualsNowOK,
			Run: frozen(rejectWith(named("time-exp-equals-now"), flowErrW))},
		{ID: "time-exp-leeway-inside", Title: "exp one second inside the leeway is accepted (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Mutation: "time-exp-leeway-inside", Flaw: R.ExpNoLeeway,
			Run: frozen(acceptWith(named("time-exp-leeway-inside")))},
		{ID: "time-exp-skew-accepted", Title: "exp half the leeway in the past is accepted (wall clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Mutation: "time-exp-skew-accepted", Flaw: R.ExpNoLeeway,
			Run: acceptWith(named("time-exp-skew-accepted"))},
		negM(Case{ID: "time-exp-cap", Title: "exp beyond the maximum lifetime is refused", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Flaw: R.ExpUnbounded, Mutation: "time-exp-cap"}, flowErrW),
		negM(Case{ID: "time-exp-far-future", Title: "exp one year ahead is refused", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Flaw: R.ExpUnbounded, Mutation: "time-exp-far-future"}, flowErrW),
		negM(Case{ID: "time-exp-overflow", Title: "exp = 1e300 (beyond int64) is refused under a declared lifetime cap; never 5xx", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Flaw: R.ExpUnbounded, Mutation: "time-exp-overflow"}, flowErrW),
		negM(Case{ID: "time-exp-string", Title: "exp as a JSON string is refused", Family: "time", Flows: allFlows,
			Clause: cNumericDate, Level: MUST, Flaw: R.NumericDateLenient, Mutation: "time-exp-string"}, flowErrW),
		negM(Case{ID: "time-exp-datetime-string", Title: "exp as an RFC 3339 date-time string (a future instant) is refused", Family: "time", Flows: allFlows,
			Clause: cNumericDate, Level: MUST, Flaw: R.NumericDateDateTime, Mutation: "time-exp-datetime-string"}, flowErrW),
		negM(Case{ID: "time-nbf-string", Title: "nbf as a JSON string is refused", Family: "time", Flows: allFlows,
			Clause: clause("RFC7519", "4.1.5", `Its value MUST be a number containing a NumericDate value.`), Level: MUST, Flaw: R.NumericDateLenient,
			Mutation: "time-nbf-string"}, flowErrW),
		negM(Case{ID: "time-iat-string", Title: "iat as a JSON string is refused", Family: "time", Flows: allFlows,
			Clause: clause("RFC7519", "4.1.6", `Its value MUST be a number containing a NumericDate value.`), Level: MUST, Flaw: R.NumericDateLenient,
			Mutation: "time-iat-string"}, flowErrW),
		pos(Case{ID: "time-numericdate-fractional", Title: "non-integer NumericDates (exp = now + 120.5) are accepted", Family: "time", Flows: allFlows,
			Clause: cDateFrac, Level: POLICY, Policy: PolicyFlows, Flaw: R.FractionalDateBad, Mutation: "time-numericdate-fractional"},
			named("time-numericdate-fractional")),

		// ---- nbf / iat ----
		negM(Case{ID: "time-nbf-future", Title: "nbf beyond the leeway is refused", Family: "time", Flows: allFlows,
			Clause: cNbf, Level: MUST, Flaw: R.NbfIgnored, Mutation: "time-nbf-future"}, flowErrW),
		negM(Case{ID: "time-nbf-overflow", Title: "nbf = 9.3e18 (past int64 seconds) is refused, never 5xx", Family: "time", Flows: allFlows,
			Clause: cNbfNow, Level: MUST, Flaw: R.NbfIgnored, Mutation: "time-nbf-overflow"}, flowErrW),
		{ID: "time-nbf-leeway-outside", Title: "nbf one second beyond the leeway is refused (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Mutation: "time-nbf-leeway-outside", Flaw: R.NbfIgnored,
			Run: frozen(rejectWith(named("time-nbf-leeway-outside"), flowErrW))},
		{ID: "time-nbf-within-skew", Title: "iat = nbf = now + half the declared leeway (a client clock slightly ahead) is accepted (wall clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Flaw: R.NbfNoLeeway, Mutation: "time-nbf-within-skew",
			Run: acceptWith(named("time-nbf-within-skew"))},
		negM(Case{ID: "time-iat-missing", Title: "a bearer grant assertion without iat is refused (declared iat_required)", Family: "time", Flows: grantFlow,
			Clause: cPolicyIat, Level: POLICY, Policy: PolicyIATRequired, Flaw: R.IatNotRequired, Mutation: "time-iat-missing"}, flowErrW),
		pos(Case{ID: "time-iat-optional-client", Title: "a client assertion without iat is accepted (iat is OPTIONAL)", Family: "time", Flows: clientFlows,
			Clause: cOIDCiat, Level: MUST, Flaw: R.IatRequiredClient, Mutation: "time-iat-missing"}, named("time-iat-missing").then(unlessIATRequired())),
		negM(Case{ID: "time-iat-future", Title: "a bearer grant assertion with iat an hour in the future is refused (declared iat_required: iat is validated)", Family: "time", Flows: grantFlow,
			Clause: cPolicyIatFuture, Level: POLICY, Policy: PolicyIATRequired, Flaw: R.IatFutureOK, Mutation: "time-iat-future"}, flowErrW),
		{ID: "time-iat-far-past", Title: "iat one day in the past (exp still ahead) is accepted or refused with the flow's error, never 5xx", Family: "time", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Flaw: R.IatPast500, Mutation: "time-iat-far-past", Run: body(iatFarPast)},

		// ---- iss / sub ----
		negM(Case{ID: "claims-iss-missing", Title: "an assertion without iss is refused, even when a client_id parameter names the client", Family: "iss-sub", Flows: allFlows,
			Clause: cIss, Level: MUST, Flaw: R.IssNotRequired, Mutation: "claims-iss-missing"}, clientIDProvoked),
		negM(Case{ID: "claims-iss-case-variant", Title: "iss = the client_id in another letter case is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.IssCaseInsensitive, Mutation: "claims-iss-case-variant"}, flowErrW),
		negM(Case{ID: "claims-iss-trailing-space", Title: "iss = the client_id with a trailing space is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.IssCaseInsensitive, Mutation: "claims-iss-trailing-space"}, flowErrW),
		negW(Case{ID: "claims-iss-other-client", Title: "iss = another registered client (same algorithm), signed with this client's key, is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.AnyRegisteredCert,
			CleanSkip: "the shared fixture set registers one HS256 client, so client_secret_jwt has no peer of its algorithm",
			Mutation:  "claims-iss-other-client"},
			withPeer(true, "claims-iss-other-client"), flowErrW),
		negM(Case{ID: "claims-sub-missing", Title: "an assertion without sub is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cSub, Level: MUST, Flaw: R.SubNotRequired, Mutation: "claims-sub-missing"}, flowErrW),
		negM(Case{ID: "claims-sub-not-client", Title: "a client assertion whose sub is not the client_id is refused", Family: "iss-sub", Flows: clientFlows,
			Clause: cSubClient, Level: MUST, Flaw: R.SubNotClient, Mutation: "claims-sub-not-client"}, flowErrW),
		negM(Case{ID: "claims-sub-forbidden", Title: "a grant for a subject the issuer may not assert is refused", Family: "iss-sub", Flows: grantFlow,
			Clause: rfc7523(2, `The subject MUST either be the resource owner or a pseudonymous identifier for the resource owner ... or be an authorized accessor.`),
			Level:  MUST, Needs: []Capability{CapForbiddenSubject}, Flaw: R.SubUnchecked, Mutation: "claims-sub-forbidden"}, strictW),
		pos(Case{ID: "claims-extra", Title: "an assertion with extra private claims and a past nbf is accepted", Family: "positive", Flows: allFlows,
			Clause: cIgnoreUnknown, Level: MUST, Flaw: R.ExtraClaimsRejected, Mutation: "claims-extra"}, named("claims-extra")),
	}
}

// audPos is a positive case for an aud the endpoint accepts only by its
// declared policy (audiences): SKIP when the target declares audiences
// that exclude kind.
func audPos(c Case, kind string) Case {
	c.Run = body(func(s *session) reports.Verdict {
		if accepts, declared := acceptsAudience(s.env.Target, s.flow, kind); declared && !accepts {
			return skipf("the target declares audiences: %s, which excludes %s", audiences(s.env.Target, s.flow), kind)
		}
		return acceptWith(unlessValidAud(kind).then(named(c.Mutation)))(s.ctx, s.env, s.flow)
	})
	return c
}

// unlessValidAud makes a positive aud case not applicable where the flow's
// valid assertion already carries that audience: pos-baseline sends the
// very request.
func unlessValidAud(kind string) mutation {
	return specEdit(func(s *session, _ *fixtures.Spec) error {
		aud := s.tokenURL()
		if kind == target.AudiencesIssuer {
			aud = s.env.Target.Issuer
		}
		if aud != "" && s.aud() == aud {
			return fmt.Errorf("%w: the flow's valid assertion already carries aud %s (pos-baseline sends this request)", fixtures.ErrNotApplicable, aud)
		}
		return nil
	})
}

// clientIDProvoked is the flow's error for a case that sends a client_id
// parameter: on the bearer grant that parameter names a client, and a
// server that then requires that client to authenticate refuses with
// invalid_client, a legitimate refusal the case itself provoked.
func clientIDProvoked(s *session) want {
	w := flowErr(s.flow)
	if !s.flow.ClientAuth() {
		w.codes = append(w.codes, "invalid_client")
	}
	return w
}

// unlessIATRequired makes a case that omits iat not applicable when the
// target declares iat required for the flow.
func unlessIATRequired() mutation {
	return specEdit(func(s *session, _ *fixtures.Spec) error {
		if req, declared := s.env.Target.IATRequired(s.flow); declared && req {
			return fmt.Errorf("%w: the target declares iat_required for flow %s", fixtures.ErrNotApplicable, s.flow)
		}
		return nil
	})
}

// dropClientID removes the OPTIONAL client_id parameter, so that the
// assertion alone identifies the client.
func dropClientID() mutation {
	return reqEdit(func(s *session, r *driver.Request) error {
		r.Del("client_id")
		return nil
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// iatFarPast sends the flow's valid assertion with iat one day in the past
// (exp unchanged, still ahead). RFC 7523 §3 item 6 lets the server refuse
// it: PASS when issued, PASS when refused with the flow's error (every
// refusal invariant applies), FAIL on a 5xx or a malformed refusal.
func iatFarPast(s *session) reports.Verdict {
	req, err := s.build(named("time-iat-far-past"), true)
	if err != nil {
		return errorf("could not build: %v", err)
	}
	ex := s.send("iat one day in the past, exp ahead (MAY be refused; never 5xx)", req)
	if ex.Issued() {
		v := s.judgeIssued(ex)
		if v.Outcome == reports.Pass {
			v.Reason = "accepted: refusing an iat unreasonably far in the past is optional (RFC 7523 §3 item 6)"
		}
		return v
	}
	v := s.judgeRejected(ex, flowErr(s.flow))
	if v.Outcome == reports.Pass {
		v.Reason = "refused with the flow's error: allowed for an iat unreasonably far in the past (RFC 7523 §3 item 6)"
	}
	return s.finish(v)
}
