package catalog

import (
	"strings"
	"time"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/malformed"
	"github.com/jwtharness/jwtharness/fixtures/target"
	R "github.com/jwtharness/jwtharness/reference"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// moreCases: claim types, weak MAC keys, audience variants, exact-clock
// lifetime caps, unknown clients and further request shapes.
func moreCases() []Case {
	bis := []target.Profile{target.ProfileRFC7523bis}
	return []Case{
		// ---- claim types (RFC 7519 §4.1) ----
		negW(Case{ID: "claims-iss-number", Title: "iss as a JSON number is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.FlawIssNumberStringified}, setClaim("iss", 12345), malformedW),
		negW(Case{ID: "claims-sub-null", Title: "sub null is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.FlawSubNotRequired}, setClaim("sub", nil), malformedW),
		negW(Case{ID: "claims-jti-number", Title: "jti as a JSON number is refused", Family: "replay", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.FlawClaimTypesCoerced},
			setClaim("jti", 42), malformedW),
		negW(Case{ID: "aud-object", Title: "aud as a JSON object holding the expected value is refused", Family: "aud", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.FlawAudObjectFlattened},
			claims(func(s *session, c fixtures.Claims) { c["aud"] = map[string]string{"aud": s.aud()} }), malformedW),
		negW(Case{ID: "time-exp-boolean", Title: "exp true is refused with the flow's error code", Family: "time", Flows: allFlows,
			Clause: cValid, Level: MUST, Flaw: R.FlawClaimTypeBadRequest}, setClaim("exp", true), strictW),
		negW(Case{ID: "enc-not-utf8", Title: "a validly signed payload with invalid UTF-8 in a claim is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.FlawUTF8Unchecked},
			specEdit(func(_ *session, sp *fixtures.Spec) error {
				sp.Payload = func(c fixtures.Claims) ([]byte, error) {
					b, err := jsonMarshal(c)
					if err != nil {
						return nil, err
					}
					return []byte(strings.TrimSuffix(string(b), "}") + `,"x":"` + "\xc3\x28" + `"}`), nil
				}
				return nil
			}), malformedW),
		negW(Case{ID: "enc-deep-nesting", Title: "a claim nested 10000 arrays deep is refused quickly", Family: "encoding", Flows: allFlows,
			Clause: cPolicyNesting, Level: POLICY, Policy: PolicyNesting, Flaw: R.FlawNestingUnbounded},
			specEdit(func(_ *session, sp *fixtures.Spec) error {
				sp.Payload = func(c fixtures.Claims) ([]byte, error) {
					b, err := jsonMarshal(c)
					if err != nil {
						return nil, err
					}
					deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
					return []byte(strings.TrimSuffix(string(b), "}") + `,"deep":` + deep + "}"), nil
				}
				return nil
			}), malformedW),
		negW(Case{ID: "enc-empty-segments", Title: `an assertion of empty segments ("..") is refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.FlawServerErrorOnBad},
			tokenEdit(func(*session, string) (string, error) { return "..", nil }), malformedW),
		negW(Case{ID: "sig-alg-missing", Title: "a header without alg, otherwise correctly signed, is refused", Family: "signature", Flows: allFlows,
			Clause: clause("RFC7515", "4.1.1", `This Header Parameter MUST be present and MUST be understood and processed by implementations.`),
			Level:  MUST, Flaw: R.FlawAlgDefaulted},
			resignHeader([]byte(`{"typ":"JWT"}`)), malformedW),

		// ---- weak MAC keys (client_secret_jwt) ----
		negW(Case{ID: "sig-hmac-weak-secret", Title: `an HS256 assertion keyed with "secret" is refused`, Family: "signature", Flows: hsFlow,
			Clause: cHMACKeySize, Level: MUST, Flaw: R.FlawHMACAnyKeyLength}, resignHMAC([]byte("secret")), flowErrW),
		negW(Case{ID: "sig-hmac-empty-key", Title: "an HS256 assertion keyed with the empty key is refused", Family: "signature", Flows: hsFlow,
			Clause: cSig, Level: MUST, Flaw: R.FlawSigNotVerified}, resignHMAC([]byte{}), flowErrW),

		// ---- audience variants ----
		negW(Case{ID: "aud-other-endpoint", Title: "aud naming another endpoint of the same server (/par) is refused", Family: "aud", Flows: allFlows,
			Clause: cAud, Level: MUST, Flaw: R.FlawAudSameHostAnyPath},
			claims(func(s *session, c fixtures.Claims) {
				u := s.tokenURL()
				if i := strings.LastIndex(u, "/"); i > len("https://") {
					u = u[:i]
				}
				c["aud"] = u + "/par"
			}), flowErrW),
		negW(Case{ID: "aud-token-endpoint-array-bis", Title: "rfc7523bis: a client assertion whose aud is [token endpoint URL] is refused", Family: "aud", Flows: clientFlows,
			Clause: cBisAud, Level: MUST, Profiles: bis, Flaw: R.FlawAudBisTokenURLOK},
			claims(func(s *session, c fixtures.Claims) { c["aud"] = []string{s.tokenURL()} }), flowErrW),

		// ---- lifetime cap at the exact boundary ----
		{ID: "time-exp-cap-boundary", Title: "exp one second beyond max lifetime plus leeway is refused (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Flaw: R.FlawExpUnbounded,
			Run: frozen(rejectWith(claims(func(s *session, c fixtures.Claims) {
				c["exp"] = s.now().Add(s.maxLifetime() + s.leeway() + time.Second).Unix()
			}), flowErrW))},
		{ID: "time-exp-cap-inside", Title: "exp exactly max lifetime ahead is accepted (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyCap, Level: POLICY, Policy: PolicyLifetime, Needs: []Capability{CapClockControl}, Serial: true, Flaw: R.FlawMaxLifetimeShort,
			Run: frozen(acceptWith(claims(func(s *session, c fixtures.Claims) {
				c["exp"] = s.now().Add(s.maxLifetime()).Unix()
			})))},
		{ID: "time-nbf-leeway-inside", Title: "nbf one second inside the leeway is accepted (exact clock)", Family: "time", Flows: allFlows,
			Clause: cPolicyLeeway, Level: POLICY, Policy: PolicyLeeway, Needs: []Capability{CapClockControl}, Serial: true, Flaw: R.FlawNbfNoLeeway,
			Run: frozen(acceptWith(claims(func(s *session, c fixtures.Claims) {
				nbf := s.now().Add(s.leeway() - time.Second)
				c["nbf"], c["exp"] = nbf.Unix(), nbf.Add(time.Minute).Unix()
			})))},

		negW(Case{ID: "aud-query", Title: `aud with "?x=1" appended is refused (simple string comparison)`, Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.FlawAudPrefixMatch},
			claims(func(s *session, c fixtures.Claims) { c["aud"] = s.aud() + "?x=1" }), flowErrW),
		negW(Case{ID: "aud-percent-encoded", Title: "aud with a percent-encoded path character is refused (simple string comparison)", Family: "aud", Flows: allFlows,
			Clause: cAudCmp, Level: MUST, Flaw: R.FlawAudPercentDecoded},
			claims(func(s *session, c fixtures.Claims) {
				a := s.aud()
				i := strings.LastIndex(a, "/")
				if i < 0 || i+1 >= len(a) {
					c["aud"] = a + "%2F"
					return
				}
				c["aud"] = a[:i+1] + "%" + strings.ToUpper(hex2(a[i+1])) + a[i+2:]
			}), flowErrW),
		{ID: "hdr-kid-sqli", Title: "an SQL-injection kid on a validly signed assertion is accepted or refused with the flow's error, never 5xx", Family: "header", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Negative: true, Flaw: R.FlawUnregisteredKidOK,
			Run: hintOnly(specEdit(func(_ *session, sp *fixtures.Spec) error {
				setHeader(sp, "kid", "x' UNION SELECT '1';--")
				return nil
			}))},
		negW(Case{ID: "sig-alg-unknown", Title: `alg "HS1" (no such algorithm) is refused`, Family: "signature", Flows: allFlows,
			Clause: clause("RFC7515", "4.1.1", `This Header Parameter MUST be present and MUST be understood and processed by implementations.`),
			Level:  MUST, Flaw: R.FlawAlgUnknownDefault},
			tokenEdit(func(_ *session, t string) (string, error) { return malformed.SetHeaderMember(t, "alg", "HS1") }), malformedW),
		negW(Case{ID: "req-method-put", Title: "a PUT token request is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Flaw: R.FlawMethodNotChecked},
			reqEdit(func(_ *session, r *driver.Request) error { r.Method = "PUT"; return nil }),
			constW(badRequest(405, 404))),
		negW(Case{ID: "req-content-type-missing", Title: "a form body without Content-Type is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Flaw: R.FlawContentTypeOptional},
			reqEdit(func(_ *session, r *driver.Request) error {
				r.Body, r.ContentType = []byte(driver.EncodeParams(r.Params)), ""
				return nil
			}), constW(nonForm())),

		// ---- unknown clients ----
		negW(Case{ID: "claims-iss-unknown", Title: "an assertion from an unknown issuer is refused", Family: "iss-sub", Flows: allFlows,
			Clause: cIss, Level: MUST, Flaw: R.FlawIssUnknownDefault, Mutation: "claims-iss-wrong"},
			named("claims-iss-wrong").then(claims(func(s *session, c fixtures.Claims) {
				if s.flow.ClientAuth() {
					c["sub"] = fixtures.WrongIssuer
				}
			})).then(reqEdit(func(_ *session, r *driver.Request) error {
				if r.Has("client_id") {
					r.Set("client_id", fixtures.WrongIssuer)
				}
				return nil
			})), flowErrW),
	}
}

// resignHMAC re-signs the header and payload with HS256 under key, by
// hand (go-jose refuses empty keys).
func resignHMAC(key []byte) mutation {
	return tokenEdit(func(_ *session, t string) (string, error) {
		p, err := malformed.DecodePayload(t)
		if err != nil {
			return "", err
		}
		return malformed.SignRaw([]byte(`{"alg":"HS256"}`), p, "HS256", key)
	})
}

// resignHeader replaces the protected header with header and signs again
// with the flow's algorithm and key, so that only the header is wrong.
func resignHeader(header []byte) mutation {
	return specEdit(func(s *session, sp *fixtures.Spec) error {
		alg := sp.Alg
		if alg == "" && sp.Cred != nil {
			alg = sp.Cred.Alg
		}
		key := sp.Key
		if key == nil && sp.Cred != nil {
			key = sp.Cred.SigningKey()
		}
		return tokenEdit(func(_ *session, t string) (string, error) {
			p, err := malformed.DecodePayload(t)
			if err != nil {
				return "", err
			}
			return malformed.SignRaw(header, p, string(alg), key)
		}).spec(s, sp)
	})
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}
