package catalog

import (
	"github.com/jwtharness/jwtharness/fixtures/target"
	R "github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// moreCases: claim types, weak MAC keys, audience variants, exact-clock
// lifetime caps, unknown clients and further request shapes.
func moreCases() []Case {
	bis := []target.Profile{target.ProfileRFC7523bis}
	return []Case{
		// ---- claim types (RFC 7519 §4.1) ----
		negM(Case{ID: "claims-iss-number", Title: "iss as a JSON number is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.IssNumberStringified, Mutation: "claims-iss-number"}, malformedW),
		negM(Case{ID: "claims-sub-null", Title: "sub null is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.SubNotRequired, Mutation: "claims-sub-null"}, malformedW),
		negM(Case{ID: "claims-jti-number", Title: "jti as a JSON number is refused", Family: "replay", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.ClaimTypesCoerced, Mutation: "claims-jti-number"}, malformedW),
		negM(Case{ID: "aud-object", Title: "aud as a JSON object holding the expected value is refused", Family: "aud", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.AudObjectFlattened, Mutation: "aud-object"}, malformedW),
		negM(Case{ID: "time-exp-boolean", Title: "exp true is refused with the flow's error code", Family: "time", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.ClaimTypeBadRequest, Mutation: "time-exp-boolean"}, strictW),
		negM(Case{ID: "enc-not-utf8", Title: "a validly signed payload with invalid UTF-8 in a claim is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.UTF8Unchecked, Mutation: "enc-not-utf8"}, malformedW),
		negM(Case{ID: "enc-deep-nesting", Title: "a claim nested 10000 arrays deep is refused quickly", Family: "encoding", Flows: allFlows,
			Clause: cPolicyNesting, Level: POLICY, Policy: PolicyNesting, Flaw: R.NestingUnbounded, Mutation: "enc-deep-nesting"}, malformedW),
		negM(Case{ID: "enc-empty-segments", Title: `an assertion of empty segments ("..") is refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-empty-segments"}, malformedW),
		negM(Case{ID: "sig-alg-missing", Title: "a header without alg, otherwise correctly signed, is refused", Family: "signature", Flows: allFlows,
			Clause: clause("RFC7515", "4.1.1", `This Header Parameter MUST be present and MUST be understood and processed by implementations.`),
			Level:  MUST, Flaw: R.AlgDefaulted, Mutation: "sig-alg-missing"}, malformedW),

		// ---- weak MAC keys (client_secret_jwt) ----
		negM(Case{ID: "sig-hmac-weak-secret", Title: `an HS256 assertion keyed with "secret" is refused`, Family: "signature", Flows: hsFlow,
			Clause: cHMACKeySize, Level: MUST, Flaw: R.HMACAnyKeyLength, Mutation: "sig-hmac-weak-secret"}, flowErrW),
		negM(Case{ID: "sig-hmac-empty-key", Title: "an HS256 assertion keyed with the empty key is refused", Family: "signature", Flows: hsFlow,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-hmac-empty-key"}, flowErrW),

		// ---- audience variants ----
		negM(Case{ID: "aud-other-endpoint", Title: "aud naming another endpoint of the same server (/par) is refused", Family: "aud", Flows: allFlows,
			Clause: cAud, Level: MUST, Flaw: R.AudSameHostAnyPath, Mutation: "aud-other-endpoint"}, flowErrW),
		negM(Case{ID: "aud-token-endpoint-array-bis", Title: "rfc7523bis: a client assertion whose aud is [token endpoint URL] is refused", Family: "aud", Flows: clientFlows,
			Clause: cBisAud, Level: MUST, Profiles: bis, Flaw: R.AudBisTokenURLOK, Mutation: "aud-token-endpoint-array"}, flowErrW),

		// ---- lifetime cap at the exact boundary ----
		{ID: "time-exp-cap-boundary", Title: "exp one second beyond max lifetime plus leeway is refused (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Mutation: "time-exp-cap-boundary", Flaw: R.ExpUnbounded,
			Run: frozen(rejectWith(named("time-exp-cap-boundary"), flowErrW))},
		{ID: "time-exp-cap-inside", Title: "exp exactly max lifetime ahead is accepted (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Needs: []Capability{CapClockControl}, Serial: true, Mutation: "time-exp-cap-inside", Flaw: R.MaxLifetimeShort,
			Run: frozen(acceptWith(named("time-exp-cap-inside")))},
		{ID: "time-nbf-leeway-inside", Title: "nbf one second inside the leeway is accepted (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Mutation: "time-nbf-leeway-inside", Flaw: R.NbfNoLeeway,
			Run: frozen(acceptWith(named("time-nbf-leeway-inside")))},

		negM(Case{ID: "aud-query", Title: `aud with "?x=1" appended is refused (simple string comparison)`, Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudPrefixMatch, Mutation: "aud-query"}, flowErrW),
		negM(Case{ID: "aud-percent-encoded", Title: "aud with a percent-encoded path character is refused (simple string comparison)", Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.AudPercentDecoded, Mutation: "aud-percent-encoded"}, flowErrW),
		{ID: "hdr-kid-sqli", Title: "an SQL-injection kid on a validly signed assertion is accepted or refused with the flow's error, never 5xx", Family: "header", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Negative: true, Flaw: R.UnregisteredKidOK, Mutation: "hdr-kid-sqli",
			Run: hintOnly(named("hdr-kid-sqli"))},
		negM(Case{ID: "sig-alg-unknown", Title: `alg "HS1" (no such algorithm) is refused`, Family: "signature", Flows: allFlows,
			Clause: clause("RFC7515", "4.1.1", `This Header Parameter MUST be present and MUST be understood and processed by implementations.`),
			Level:  MUST, Flaw: R.AlgUnknownDefault, Mutation: "sig-alg-unknown"}, malformedW),
		negW(Case{ID: "req-method-put", Title: "a PUT token request is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.MethodNotChecked},
			reqEdit(func(_ *session, r *driver.Request) error { r.Method = "PUT"; return nil }),
			constW(badRequest(405, 404))),
		negW(Case{ID: "req-content-type-missing", Title: "a form body without Content-Type is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.ContentTypeOptional},
			reqEdit(func(_ *session, r *driver.Request) error {
				r.Body, r.ContentType = []byte(driver.EncodeParams(r.Params)), ""
				return nil
			}), constW(nonForm())),

		// ---- unknown clients ----
		negW(Case{ID: "claims-iss-unknown", Title: "an assertion from an unknown issuer is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cIss, Level: MUST, Flaw: R.IssUnknownDefault, Mutation: "claims-iss-unknown"},
			named("claims-iss-unknown"), flowErrW),
	}
}
