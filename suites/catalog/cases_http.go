package catalog

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/malformed"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/fixtures/validreq"
	R "github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// httpCases: positive baselines per algorithm, the token request (RFC 6749
// §3.2, RFC 7521 §4), client authentication mechanics, and the response
// (RFC 6749 §5.1, §5.2, vendor format parameter).
func httpCases() []Case {
	cs := []Case{
		pos(Case{ID: "pos-baseline", Title: "the flow's valid request is issued a token", Family: "positive", Flows: allFlows,
			Clause: cPolicyFlow, Level: POLICY, Policy: PolicyFlows, Flaw: R.ScopeRequired, Mutation: "valid"}, mutation{}),
		pos(Case{ID: "pos-client-id-omitted", Title: "a client assertion request without the OPTIONAL client_id is issued a token", Family: "positive", Flows: clientFlows,
			Clause: clause("RFC7521", "4.2", `client_id OPTIONAL. The client identifier as described in Section 2.2 of OAuth 2.0.`),
			Level:  MUST, Flaw: R.ClientIDRequired}, dropClientID()),
		pos(Case{ID: "req-content-type-charset", Title: `Content-Type "application/x-www-form-urlencoded; charset=UTF-8" is accepted`, Family: "request", Flows: allFlows,
			Clause: cForm, Level: POLICY, Policy: PolicyFlows, Flaw: R.CharsetRejected},
			reqNamed("req-content-type-charset")),
		pos(Case{ID: "req-unknown-param-ignored", Title: "unrecognized request parameters are ignored", Family: "request", Flows: allFlows,
			Clause: cUnknownP, Level: MUST, Flaw: R.UnknownParamRejected},
			reqNamed("req-unknown-param-ignored")),

		negW(Case{ID: "req-method-get", Title: "a GET token request is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.GETAccepted},
			reqNamed("req-method-get"), constW(badRequest(http.StatusMethodNotAllowed, http.StatusNotFound))),
		negW(Case{ID: "req-params-in-query", Title: "token request parameters in the URL query of a POST are not used", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.QueryParamsAccepted, About: []string{errorCodeFamily}},
			reqNamed("req-params-in-query"), constW(want{codes: []string{"invalid_request", "invalid_client", "unsupported_grant_type"}})),
		negW(Case{ID: "req-content-type-json", Title: "a JSON request body is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.NonFormAccepted},
			reqNamed("req-content-type-json"), constW(nonForm())),
		negW(Case{ID: "req-content-type-multipart", Title: "a multipart/form-data request body is refused", Family: "request", Flows: allFlows,
			Clause: cPolicyStrict, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.NonFormAccepted},
			reqEdit(func(_ *session, r *driver.Request) error {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				for _, p := range r.Params {
					if err := mw.WriteField(p.Name, p.Value); err != nil {
						return err
					}
				}
				if err := mw.Close(); err != nil {
					return err
				}
				r.Body, r.ContentType = buf.Bytes(), mw.FormDataContentType()
				return nil
			}), constW(nonForm())),
		negW(Case{ID: "req-grant-type-missing", Title: "a request without grant_type is refused with invalid_request", Family: "request", Flows: allFlows,
			Clause: cGrantTypeReq, Level: MUST, Flaw: R.GrantTypeDefaulted},
			reqNamed("req-grant-type-missing"), invalidRequestW),
		negW(Case{ID: "req-grant-type-unsupported", Title: "an unknown grant_type is refused with unsupported_grant_type", Family: "request", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Flaw: R.UnsupportedGrantCode},
			reqNamed("req-grant-type-unsupported"),
			constW(want{codes: []string{"unsupported_grant_type"}})),
		negW(Case{ID: "req-assertion-missing", Title: "a bearer grant without the assertion parameter is refused with invalid_request", Family: "request", Flows: grantFlow,
			Clause: cAssertionReq, Level: MUST, Flaw: R.ErrorStatus200},
			reqNamed("req-assertion-missing"), invalidRequestW),
		negW(Case{ID: "req-assertion-empty", Title: "an empty assertion parameter is treated as missing (invalid_request)", Family: "request", Flows: grantFlow,
			Clause: cOmitted, Level: MUST, Flaw: R.EmptyParamNotOmitted},
			reqNamed("req-assertion-empty"), invalidRequestW),
		negW(Case{ID: "req-param-repeated", Title: "the assertion parameter sent twice (valid first) is refused with invalid_request", Family: "request", Flows: allFlows,
			Clause: cPolicyWellFormed, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.RepeatedParamsOK},
			reqNamed("req-param-repeated"), invalidRequestW),
		negW(Case{ID: "req-param-repeated-reversed", Title: "the assertion parameter sent twice (garbage first) is refused with invalid_request", Family: "request", Flows: allFlows,
			Clause: cPolicyWellFormed, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.RepeatedParamsOK, About: []string{errorCodeFamily}},
			reqNamed("req-param-repeated-reversed"), invalidRequestW),
		negW(Case{ID: "req-grant-type-repeated", Title: "grant_type sent twice (same value) is refused with invalid_request", Family: "request", Flows: allFlows,
			Clause: cPolicyWellFormed, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.RepeatedParamsOK},
			reqNamed("req-grant-type-repeated"), invalidRequestW),
		negW(Case{ID: "req-grant-with-failed-client-auth", Title: "a valid grant whose client authentication fails is refused (invalid_client): the configured method with a wrong secret or a broken assertion, else a failing client assertion", Family: "request", Flows: grantFlow,
			Clause: cPolicyGrantAuth, Level: POLICY, Policy: PolicyGrantClientAuth, Flaw: R.GrantIgnoresClientAuth},
			reqEdit(failGrantClientAuth), constW(want{codes: []string{"invalid_client"}})),

		// ---- client authentication mechanics ----
		negW(Case{ID: "ca-assertion-type-missing", Title: "client_assertion without client_assertion_type is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cAssertionType, Level: MUST, Flaw: R.AssertionTypeIgnored},
			reqNamed("ca-assertion-type-missing"), constW(caRequest())),
		negW(Case{ID: "ca-assertion-type-wrong", Title: "client_assertion_type saml2-bearer with a JWT is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cAssertionType, Level: MUST, Flaw: R.AssertionTypeIgnored},
			reqNamed("ca-assertion-type-wrong"), constW(caRequest())),
		negW(Case{ID: "ca-assertion-missing", Title: "client_assertion_type without client_assertion is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cInvalidClient, Level: MUST, Flaw: R.ClientIDOnlyAuth},
			reqNamed("ca-assertion-missing"), constW(caAny())),
		negW(Case{ID: "ca-assertion-empty", Title: "an empty client_assertion is treated as missing", Family: "client-auth", Flows: clientFlows,
			Clause: cOmitted, Level: MUST, Flaw: R.ClientIDOnlyAuth},
			reqNamed("ca-assertion-empty"), constW(caAny())),
		negW(Case{ID: "ca-no-client-auth", Title: "client_credentials with only client_id (no authentication) is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cClientAuth, Level: MUST, Flaw: R.ClientIDOnlyAuth},
			reqNamed("ca-no-client-auth"), func(*session) want {
				return want{codes: []string{"invalid_client"}, warn: []string{"invalid_request"},
					why: "RFC 6749 §5.2 names invalid_client for \"no client authentication included\""}
			}),
		negW(Case{ID: "ca-two-mechanisms-basic", Title: "a client assertion together with HTTP Basic authentication is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cPolicyWellFormed, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.TwoAuthMethodsOK},
			reqEdit(func(s *session, r *driver.Request) error {
				if r.Header == nil {
					r.Header = http.Header{}
				}
				r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(s.clientID())+":not-the-secret")))
				return nil
			}), constW(caAny())),
		negW(Case{ID: "ca-two-mechanisms-secret", Title: "a client assertion together with client_secret in the body is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cPolicyWellFormed, Level: POLICY, Policy: PolicyStrictRequests, Flaw: R.TwoAuthMethodsOK},
			reqNamed("ca-two-mechanisms-secret"), constW(caAny())),
		negW(Case{ID: "ca-client-id-mismatch", Title: "a client_id parameter naming another client than the assertion is refused", Family: "client-auth", Flows: clientFlows,
			Clause: cClientIDParam, Level: MUST, Needs: []Capability{CapOtherClient}, Flaw: R.ClientIDMismatchOK},
			reqEdit(func(s *session, r *driver.Request) error {
				r.Set("client_id", s.env.Target.OtherClientFor(s.flow).ClientID)
				return nil
			}),
			func(*session) want {
				return want{codes: []string{"invalid_client"}, warn: []string{"invalid_request"},
					why: "RFC 7521 §4.2.1 names invalid_client; node-oidc-provider answers invalid_request"}
			}),
		negM(Case{ID: "ca-method-not-registered", Title: "a private_key_jwt client authenticating with an HS256 MAC (client_secret_jwt) is refused", Family: "client-auth", Flows: pkFlow,
			Clause: cClientAuth, Level: MUST, Flaw: R.HMACNotForClient, Mutation: "ca-method-not-registered"}, flowErrW),

		// ---- response ----
		{ID: "resp-token-type-bearer", Title: "a successful response has token_type Bearer", Family: "response", Flows: allFlows,
			Clause: cTokenType, Level: MUST, Flaw: R.TokenTypeMissing, Run: success(checkTokenType)},
		{ID: "resp-expires-in-number", Title: "expires_in is a positive JSON number", Family: "response", Flows: allFlows,
			Clause: cExpiresIn, Level: SHOULD, Flaw: R.ExpiresInString, Run: success(checkExpiresIn)},
		{ID: "resp-cache-headers", Title: "a token response carries Cache-Control: no-store and Pragma: no-cache", Family: "response", Flows: allFlows,
			Clause: cNoStore, Level: MUST, Flaw: R.NoCacheHeaders, Run: success(checkCacheHeaders)},
		{ID: "resp-content-type-json", Title: "a token response is labelled application/json", Family: "response", Flows: allFlows,
			Clause: cJSONType, Level: POLICY, Policy: PolicyFormats, Flaw: R.ContentTypeText, Run: success(checkJSONType)},
		negM(Case{ID: "resp-error-content-type-json", Title: "an error response is an application/json object", Family: "response", Flows: allFlows,
			Clause: clause("RFC6749", "5.2", `The parameters are included in the entity-body of the HTTP response using the "application/json" media type as defined by RFC 4627.`),
			Level:  POLICY, Policy: PolicyFormats, Flaw: R.ContentTypeText, Mutation: "enc-saml-assertion"}, malformedW),
		negM(Case{ID: "resp-error-status", Title: "an error response has HTTP status 400 (401 for invalid_client)", Family: "response", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Flaw: R.ErrorStatus200, Mutation: "aud-truncated"}, flowErrW),
		negM(Case{ID: "resp-error-code", Title: "a bad assertion is answered with the flow's error code: invalid_grant or invalid_client", Family: "response", Flows: allFlows,
			Clause: cErrCodeG, Level: MUST, Flaw: R.WrongErrorCode, Mutation: "hdr-kid-dev-null-hs256"}, strictW),
		negM(Case{ID: "resp-error-description-charset", Title: "error_description stays within the RFC 6749 charset even when the request holds quotes and CR LF", Family: "response", Flows: allFlows,
			Clause: cErrDesc, Level: MUST, Flaw: R.ErrorDescCRLF, Mutation: "claims-iss-control-chars"}, flowErrW),
		{ID: "resp-www-authenticate", Title: "a 401 after HTTP Basic authentication carries WWW-Authenticate", Family: "response", Flows: clientFlows,
			Clause: cErr401, Level: MUST, Negative: true, Flaw: R.InvalidClient400, Run: body(basicOnly)},
		{ID: "fmt-urlencoded", Title: "format=urlencoded answers application/x-www-form-urlencoded", Family: "format", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Needs: []Capability{CapFormatURLEncoded}, Flaw: R.FormatIgnored, Run: formatted(driver.FormatURLEncoded, false)},
		{ID: "fmt-xml", Title: "format=xml answers XML", Family: "format", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Needs: []Capability{CapFormatXML}, Flaw: R.FormatIgnored, Run: formatted(driver.FormatXML, false)},
		{ID: "fmt-urlencoded-error", Title: "format=urlencoded also shapes error responses", Family: "format", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Needs: []Capability{CapFormatURLEncoded}, Negative: true, Flaw: R.FormatIgnored, Run: formatted(driver.FormatURLEncoded, true)},
		{ID: "fmt-xml-error", Title: "format=xml also shapes error responses", Family: "format", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Needs: []Capability{CapFormatXML}, Negative: true, Flaw: R.FormatIgnored, Run: formatted(driver.FormatXML, true)},
		{ID: "fmt-json", Title: "format=json answers application/json", Family: "format", Flows: allFlows,
			Clause: cPolicyFormat, Level: POLICY, Policy: PolicyFormats, Flaw: R.ContentTypeText, Run: formatted(driver.FormatJSON, false)},
		{ID: "fmt-unknown-value", Title: "format=yaml or XML: refused with invalid_request where formats are declared (a JSON fallback is a WARN), ignored otherwise (RFC 6749 §3.2); never 5xx", Family: "format", Flows: allFlows,
			Clause: cUnknownP, Level: MUST, Negative: true, Flaw: R.FormatUnknown500, Run: body(unknownFormat)},
	}
	for _, a := range []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.ES256, jose.ES384, jose.EdDSA} {
		cs = append(cs, pos(Case{ID: "pos-alg-" + strings.ToLower(string(a)), Title: "an assertion signed " + string(a) + " by a registered key is issued a token",
			Family: "positive", Flows: keyedFlows, Clause: algClause(a), Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapAlg(a)}, Flaw: algFlaw(a),
			CleanSkip: baselineAlgSkip(a)}, unlessBaselineAlg(a).then(useAlg(a))))
	}
	for _, a := range []jose.SignatureAlgorithm{jose.HS256, jose.HS384, jose.HS512} {
		cs = append(cs, pos(Case{ID: "pos-alg-" + strings.ToLower(string(a)), Title: "a client assertion MACed " + string(a) + " with the client secret is issued a token",
			Family: "positive", Flows: hsFlow, Clause: algClause(a), Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapAlg(a)}, Flaw: algFlaw(a),
			CleanSkip: baselineAlgSkip(a)}, unlessBaselineAlg(a).then(useAlg(a))))
	}
	return cs
}

// unlessBaselineAlg makes pos-alg-<a> not applicable on a flow whose valid
// request already signs with a: pos-baseline sends that very request.
func unlessBaselineAlg(a jose.SignatureAlgorithm) mutation {
	return specEdit(func(s *session, _ *fixtures.Spec) error {
		if c := s.cred(); c != nil && c.Alg == a {
			return fmt.Errorf("%w: the flow's valid request already signs with %s (pos-baseline sends it)", fixtures.ErrNotApplicable, a)
		}
		return nil
	})
}

// baselineAlgSkip is the CleanSkip of pos-alg-<a>: the shared fixture set's
// primary credentials sign RS256 (grant), ES256 (private_key_jwt) and HS256
// (client_secret_jwt), so those runs duplicate pos-baseline and SKIP.
func baselineAlgSkip(a jose.SignatureAlgorithm) string {
	switch a {
	case jose.RS256, jose.ES256, jose.HS256:
		return "on the flow whose primary credential signs " + string(a) + " the request is pos-baseline's"
	}
	return ""
}

// failGrantClientAuth makes the grant's client authentication fail
// without adding a second mechanism (RFC 6749 §2.3 forbids two): the
// configured method with a wrong secret or a client assertion whose
// signature is broken; with no client authentication configured, a client
// assertion of the grant's key with a broken signature.
func failGrantClientAuth(s *session, r *driver.Request) error {
	const wrong = "not-the-secret"
	ca := s.env.Target.GrantClientAuth()
	method := target.AuthNone
	if ca != nil {
		method = ca.Method
	}
	switch method {
	case target.AuthClientSecretBasic:
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(ca.ClientID)+":"+wrong)))
		return nil
	case target.AuthClientSecretPost:
		r.Set("client_secret", wrong)
		return nil
	case target.AuthPrivateKeyJWT, target.AuthClientSecretJWT:
		tok, err := malformed.FlipSignatureBit(r.Get("client_assertion"))
		if err != nil {
			return err
		}
		r.Set("client_assertion", tok)
		return nil
	case target.AuthClientID:
		return fmt.Errorf("%w: the grant's client is public (client_auth: client_id): it has no authentication to fail", fixtures.ErrNotApplicable)
	}
	if c := s.cred(); c == nil || c.Key == nil {
		return fmt.Errorf("%w: flows.%s has no private key to sign a client assertion", fixtures.ErrNotApplicable, s.flow)
	}
	sp := s.spec()
	sp.Flow = fixtures.FlowPrivateKeyJWT
	sp.Audience = validreq.ClientAuthAudience(s.env.Target, "")
	sp.Token = malformed.FlipSignatureBit
	tok, err := s.mint(sp)
	if err != nil {
		return err
	}
	r.Add("client_assertion_type", driver.ClientAssertionTypeJWT).Add("client_assertion", tok)
	return nil
}

// algFlaw is the flaw that must make pos-alg-<a> fail: alg-subset (only
// RS256, ES256 and HS256 implemented) for every other algorithm. The three
// algorithms every implementation has are left to the catch-all
// token-type-missing: no realistic flaw refuses exactly them.
func algFlaw(a jose.SignatureAlgorithm) R.Flaw {
	switch a {
	case jose.RS256, jose.ES256, jose.HS256:
		return R.TokenTypeMissing
	}
	return R.AlgSubset
}

func algClause(a jose.SignatureAlgorithm) Clause {
	switch {
	case a == jose.EdDSA:
		return clause("RFC8037", "3.1", `The EdDSA signature algorithm is used with the "alg" value "EdDSA".`)
	case strings.HasPrefix(string(a), "HS"):
		return clause("RFC7518", "3.2", `Hash-based Message Authentication Codes (HMACs) enable one to use a secret plus a cryptographic hash function to generate a MAC.`)
	case strings.HasPrefix(string(a), "ES"):
		return clause("RFC7518", "3.4", `The Elliptic Curve Digital Signature Algorithm (ECDSA) is defined by FIPS 186-4.`)
	case strings.HasPrefix(string(a), "PS"):
		return clause("RFC7518", "3.5", `This section defines the use of the RSASSA-PSS digital signature algorithm as defined in Section 8.1 of RFC 3447.`)
	}
	return clause("RFC7523", "5", `The use of RSASSA-PKCS1-v1_5 with the SHA-256 hash algorithm (RS256) is mandatory to implement.`)
}

// nonForm is what a non-form body must get: no token; invalid_request, or
// 415; invalid_client tolerated (a client auth parser finds nothing).
func nonForm() want {
	return want{codes: []string{"invalid_request"}, warn: []string{"invalid_client", "unsupported_grant_type"},
		why: "the body was not read as a form, so the endpoint reports a missing parameter", statuses: []int{http.StatusUnsupportedMediaType}}
}

// caRequest: a malformed client authentication request, invalid_request
// (RFC 6749 §5.2), invalid_client tolerated (case-catalog §6).
func caRequest() want {
	return want{codes: []string{"invalid_request"}, warn: []string{"invalid_client"},
		why: "RFC 6749 §5.2 names invalid_request for a missing or unsupported parameter value; invalid_client is a tolerated alternate"}
}

// caAny: the two codes RFC 6749 §5.2 and RFC 7521 §4.2.1 give for the same
// situation (case-catalog §6): either passes.
func caAny() want { return want{codes: []string{"invalid_request", "invalid_client"}} }

// success sends the flow's valid request and applies one check to the
// successful response.
func success(check func(ex *driver.Exchange) reports.Verdict) RunFunc {
	return body(func(s *session) reports.Verdict {
		req, err := s.validRequest()
		if err != nil {
			return errorf("could not mint: %v", err)
		}
		ex := s.send("valid request", req)
		if !ex.Issued() {
			return errorf("the valid request was not issued a token, so the response cannot be checked: %s", describe(ex))
		}
		v := check(ex)
		if base := s.judgeIssued(ex); v.Outcome == reports.Pass && base.Outcome != reports.Pass {
			v.Outcome, v.Reason = base.Outcome, base.Reason
		}
		return v
	})
}

func checkTokenType(ex *driver.Exchange) reports.Verdict {
	const exp = `token_type "Bearer" (compared case-insensitively)`
	tt := ex.Field("token_type")
	switch {
	case tt == "":
		return fail(exp, "no token_type", "token_type is REQUIRED (RFC 6749 §5.1)")
	case !strings.EqualFold(tt, "bearer"):
		return warn(exp, fmt.Sprintf("token_type %q", tt), "a token_type other than Bearer: RFC 6749 §5.1 only requires the member; the JWT bearer profiles issue bearer tokens (RFC 6750)")
	}
	return pass(exp, fmt.Sprintf("token_type %q", tt))
}

func checkExpiresIn(ex *driver.Exchange) reports.Verdict {
	const exp = "expires_in a positive JSON number (RECOMMENDED member)"
	v, ok := ex.JSON["expires_in"]
	if !ok {
		return warn(exp, "no expires_in", "expires_in is RECOMMENDED (RFC 6749 §5.1)")
	}
	n, isNum := v.(float64)
	if !isNum {
		if jn, ok := v.(json.Number); ok {
			f, err := jn.Float64()
			n, isNum = f, err == nil
		}
	}
	act := fmt.Sprintf("expires_in %T %v", v, v)
	switch {
	case !isNum:
		return fail(exp, act, "numerical values are included as JSON numbers (RFC 6749 §5.1)")
	case n <= 0:
		return fail(exp, act, "expires_in is a lifetime in seconds and must be positive")
	case n > 366*24*3600:
		return warn(exp, act, "expires_in over a year: probably milliseconds")
	}
	return pass(exp, act)
}

func checkCacheHeaders(ex *driver.Exchange) reports.Verdict {
	const exp = "Cache-Control: no-store and Pragma: no-cache"
	cc, pr := ex.Header.Get("Cache-Control"), ex.Header.Get("Pragma")
	act := fmt.Sprintf("Cache-Control: %q, Pragma: %q", cc, pr)
	if !strings.Contains(strings.ToLower(cc), "no-store") || !strings.Contains(strings.ToLower(pr), "no-cache") {
		return fail(exp, act, "a response containing tokens MUST NOT be cached (RFC 6749 §5.1)")
	}
	return pass(exp, act)
}

func checkJSONType(ex *driver.Exchange) reports.Verdict {
	const exp = "Content-Type: application/json"
	act := "Content-Type: " + ex.Header.Get("Content-Type")
	if ex.MediaType != "application/json" {
		return fail(exp, act, "the token response uses the application/json media type (RFC 6749 §5.1)")
	}
	return pass(exp, act)
}

// basicOnly authenticates with HTTP Basic (a wrong secret) and no
// assertion: the answer must be 401 invalid_client with WWW-Authenticate.
func basicOnly(s *session) reports.Verdict {
	ctrl, end := s.sendControl()
	if end != nil {
		return *end
	}
	r := ctrl.Clone()
	r.Del("client_assertion").Del("client_assertion_type").Del("client_id")
	r.Header = http.Header{}
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(s.clientID())+":not-the-secret")))
	ex := s.send("HTTP Basic with a wrong secret, no assertion (must be 401 with WWW-Authenticate)", r)
	w := want{codes: []string{"invalid_client"}}
	v := s.judgeRejected(ex, w)
	if v.Outcome != reports.Pass && v.Outcome != reports.Warn {
		return v
	}
	const exp = "HTTP 401 error=invalid_client with a WWW-Authenticate header"
	act := describe(ex) + fmt.Sprintf(", WWW-Authenticate: %q", ex.Header.Get("WWW-Authenticate"))
	if ex.Status != http.StatusUnauthorized || ex.Header.Get("WWW-Authenticate") == "" {
		return fail(exp, act, "the client authenticated with the Authorization header: RFC 6749 §5.2 requires 401 and WWW-Authenticate")
	}
	return s.finish(pass(exp, act))
}

// formatted checks the vendor format parameter on a success or an error.
func formatted(format string, negative bool) RunFunc {
	mediaOK := map[string][]string{
		driver.FormatJSON:       {"application/json"},
		driver.FormatURLEncoded: {"application/x-www-form-urlencoded"},
		driver.FormatXML:        {"application/xml", "text/xml"},
	}[format]
	addFormat := reqEdit(func(_ *session, r *driver.Request) error { r.Set("format", format); return nil })
	return body(func(s *session) reports.Verdict {
		exp := fmt.Sprintf("format=%s: Content-Type %s and the fields parsed from it", format, strings.Join(mediaOK, " or "))
		var ex *driver.Exchange
		if negative {
			m := named("aud-wrong").then(addFormat)
			ctrl, err := s.build(addFormat, true)
			if err != nil {
				return errorf("could not build the control: %v", err)
			}
			if _, bad := s.control(ctrl); bad != nil {
				return *bad
			}
			req, err := s.build(m, true)
			if err != nil {
				return errorf("could not build: %v", err)
			}
			ex = s.send("bad assertion with format="+format+" (must be refused in that format)", req)
			if v := s.judgeRejected(ex, flowErr(s.flow)); v.Outcome == reports.Fail || v.Outcome == reports.Error {
				return v
			}
		} else {
			req, err := s.build(addFormat, true)
			if err != nil {
				return errorf("could not build: %v", err)
			}
			ex = s.send("valid request with format="+format, req)
			if !ex.Issued() {
				return fail(exp, describe(ex), "the valid request with format="+format+" was not issued a token")
			}
		}
		act := fmt.Sprintf("Content-Type %q, parsed as %q", ex.Header.Get("Content-Type"), ex.Format)
		if !contains(mediaOK, ex.MediaType) || ex.Format != format {
			return fail(exp, act, "the response ignored the format parameter")
		}
		if negative {
			return s.finish(pass(exp, act))
		}
		return pass(exp, act)
	})
}

// unknownFormat sends the valid request with an unsupported format value
// (yaml; XML in the wrong letter case) and with format repeated. Where the
// target declares formats, an unsupported value is invalid_request (RFC
// 6749 §5.2; answering it as JSON is a WARN) and a repeated format must be
// invalid_request. Where it declares none, format is an unrecognized
// parameter that RFC 6749 §3.2 says MUST be ignored: a token answered as
// JSON is the right answer. A 5xx is a finding either way.
func unknownFormat(s *session) reports.Verdict {
	_, end := s.sendControl()
	if end != nil {
		return *end
	}
	declared := s.env.Target.Policy.FormatsDeclared
	var noted *reports.Verdict // the first WARN, reported when nothing fails
	note := func(v reports.Verdict) bool {
		switch v.Outcome {
		case reports.Fail, reports.Error:
			return true
		case reports.Warn:
			if noted == nil {
				noted = &v
			}
		}
		return false
	}
	for _, f := range []string{"yaml", "XML"} {
		req, err := s.validRequest()
		if err != nil {
			return errorf("could not mint: %v", err)
		}
		req.Set("format", f)
		if !declared {
			// Either format is unknown to the endpoint (it MUST be ignored:
			// a token) or it knows the parameter and refuses the value
			// (invalid_request); only a 5xx or a malformed answer is wrong.
			ex := s.send("format="+f+" (the target declares no formats: ignored, or refused with invalid_request; never 5xx)", req)
			v := s.judgeRejected(ex, badRequest())
			if ex.Issued() {
				v = s.judgeIssued(ex)
			}
			if note(v) {
				return v
			}
			continue
		}
		ex := s.send("format="+f+" (unsupported value; must be refused with invalid_request, or answered as JSON)", req)
		if ex.Issued() && ex.Status == http.StatusOK {
			note(warn(badRequest().String(), describe(ex)+fmt.Sprintf(", Content-Type %q", ex.Header.Get("Content-Type")),
				"format="+f+" was not refused but answered (fallback): RFC 6749 §5.2 names invalid_request for an unsupported parameter value"))
			continue
		}
		if v := s.judgeRejected(ex, badRequest()); note(v) {
			return v
		}
	}
	v := pass("format=yaml and format=XML ignored (RFC 6749 §3.2) or refused with invalid_request: the target declares no formats", "answered cleanly")
	if declared {
		req, err := s.validRequest()
		if err != nil {
			return errorf("could not mint: %v", err)
		}
		req.Set("format", driver.FormatJSON).Add("format", driver.FormatXML)
		ex := s.send("format=json&format=xml (a repeated parameter; must be refused with invalid_request)", req)
		if v = s.judgeRejected(ex, badRequest()); note(v) {
			return v
		}
	}
	if noted != nil {
		v = *noted
	}
	return s.finish(v)
}
