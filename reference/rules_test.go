package reference

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
)

var (
	allFlows    = fixtures.Flows
	grantOnly   = []fixtures.Flow{fixtures.FlowJWTBearer}
	clientFlows = []fixtures.Flow{fixtures.FlowPrivateKeyJWT, fixtures.FlowClientSecretJWT}
)

// accept is the expected outcome "200 with a token"; any other string is the
// expected error code, with "flow" meaning the flow's own error
// (invalid_grant or invalid_client).
const (
	accept    = "accept"
	flowError = "flow"
)

func wantCode(flow fixtures.Flow, want string) string {
	if want != flowError {
		return want
	}
	if flow.ClientAuth() {
		return ErrInvalidClient
	}
	return ErrInvalidGrant
}

// descCharset is RFC 6749 §5.2's error_description charset.
var descCharset = regexp.MustCompile(`^[\x20-\x21\x23-\x5B\x5D-\x7E]*$`)

func checkErrorShape(t *testing.T, r *resp) {
	t.Helper()
	if r.status < 400 || r.status > 499 {
		t.Errorf("status %d, want 4xx", r.status)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Errorf("cache headers missing: %v", r.header)
	}
	if d, _ := r.json["error_description"].(string); !descCharset.MatchString(d) {
		t.Errorf("error_description outside the RFC 6749 charset: %q", d)
	}
	if r.json["access_token"] != nil {
		t.Errorf("access_token in an error response")
	}
}

// TestMutations drives every named mutation of fixtures through every flow
// against the correct server: the valid control is accepted, every mutation
// gets the flow's error (RFC 7523 §3.1, §3.2).
func TestMutations(t *testing.T) {
	e := newEnv(t, Options{})
	want := map[string]string{
		"valid": accept, "aud-issuer": accept, "aud-token-endpoint": accept, "aud-array-with-valid": accept,
		"hdr-kid-unknown": accept, "hdr-typ-client-auth": accept, "replay-jti-missing": accept, "time-iat-missing": accept,
		"time-iat-far-past": accept, "time-nbf-within-skew": accept, "time-numericdate-fractional": accept,
		"claims-extra": accept, "hdr-kid-injection": accept, "hdr-kid-sqli": accept, "aud-token-endpoint-array": accept,
		"enc-oversize": ErrInvalidRequest,
	}
	perFlow := map[string]map[fixtures.Flow]string{
		"replay-jti-missing":  {fixtures.FlowPrivateKeyJWT: flowError, fixtures.FlowClientSecretJWT: flowError},
		"time-iat-missing":    {fixtures.FlowJWTBearer: flowError},
		"hdr-typ-client-auth": {fixtures.FlowJWTBearer: flowError},
	}
	for _, m := range append([]fixtures.Mutation{{Name: "valid"}}, fixtures.Mutations()...) {
		for _, flow := range allFlows {
			t.Run(m.Name+"@"+flow.Short(), func(t *testing.T) {
				e.t = t
				tok, skip := e.mint(flow, nil, m.Name)
				if skip {
					t.Skip("not applicable")
				}
				exp, ok := want[m.Name]
				if !ok {
					exp = flowError
				}
				if pf, ok := perFlow[m.Name][flow]; ok {
					exp = pf
				}
				r := e.post(form(flow, tok))
				if exp == accept {
					if !r.issued() {
						t.Fatalf("want a token, got %d %s", r.status, r.body)
					}
					return
				}
				checkErrorShape(t, r)
				if got, w := r.code(), wantCode(flow, exp); got != w {
					t.Fatalf("error %q, want %q (%s)", got, w, r.body)
				}
			})
		}
	}
}

// TestRules covers the rules the mutations above do not: request shape,
// client authentication mechanics, registry state, clock boundaries,
// response formats.
func TestRules(t *testing.T) {
	frozen := time.Now().Truncate(time.Second)
	type tc struct {
		name string
		opts Options
		run  func(e *env) *resp
		want string // accept or an error code
		flow fixtures.Flow
	}
	grant := fixtures.FlowJWTBearer
	pk := fixtures.FlowPrivateKeyJWT
	withForm := func(flow fixtures.Flow, edit func(f map[string][]string)) func(e *env) *resp {
		return func(e *env) *resp {
			f := form(flow, e.mustMint(flow, nil, "valid"))
			edit(f)
			return e.post(f)
		}
	}
	raw := func(method, ctype, body, query string) func(e *env) *resp {
		return func(e *env) *resp {
			u := e.srv.TokenURL
			if query != "" {
				u += "?" + query
			}
			req, _ := http.NewRequest(method, u, strings.NewReader(body))
			if ctype != "" {
				req.Header.Set("Content-Type", ctype)
			}
			return e.do(req)
		}
	}
	cases := []tc{
		{name: "method GET refused with 405", run: func(e *env) *resp {
			return raw(http.MethodGet, "", "", form(grant, e.mustMint(grant, nil, "valid")).Encode())(e)
		}, want: ErrInvalidRequest},
		{name: "content type json refused", run: func(e *env) *resp {
			return raw(http.MethodPost, "application/json", `{"grant_type":"`+GrantTypeJWTBearer+`"}`, "")(e)
		}, want: ErrInvalidRequest},
		{name: "content type missing refused", run: raw(http.MethodPost, "", "grant_type=client_credentials", ""), want: ErrInvalidRequest},
		{name: "charset parameter accepted", run: func(e *env) *resp {
			return raw(http.MethodPost, "application/x-www-form-urlencoded; charset=UTF-8", form(grant, e.mustMint(grant, nil, "valid")).Encode(), "")(e)
		}, want: accept},
		{name: "params in query refused", run: func(e *env) *resp {
			return raw(http.MethodPost, "application/x-www-form-urlencoded", "", form(grant, e.mustMint(grant, nil, "valid")).Encode())(e)
		}, want: ErrInvalidRequest},
		{name: "body over limit refused with 413", opts: Options{MaxBodyBytes: 1024}, run: func(e *env) *resp {
			return raw(http.MethodPost, "application/x-www-form-urlencoded", "scope="+strings.Repeat("a", 2000), "")(e)
		}, want: ErrInvalidRequest},
		{name: "grant_type missing", run: withForm(grant, func(f map[string][]string) { delete(f, "grant_type") }), want: ErrInvalidRequest},
		{name: "grant_type unknown", run: withForm(grant, func(f map[string][]string) { f["grant_type"] = []string{"urn:example:not-a-grant"} }), want: ErrUnsupportedGrantType},
		{name: "assertion missing", run: withForm(grant, func(f map[string][]string) { delete(f, "assertion") }), want: ErrInvalidRequest},
		{name: "assertion empty = omitted", run: withForm(grant, func(f map[string][]string) { f["assertion"] = []string{""} }), want: ErrInvalidRequest},
		{name: "assertion repeated (valid first)", run: withForm(grant, func(f map[string][]string) { f["assertion"] = append(f["assertion"], "x.y.z") }), want: ErrInvalidRequest},
		{name: "assertion repeated (garbage first)", run: withForm(grant, func(f map[string][]string) { f["assertion"] = append([]string{"x.y.z"}, f["assertion"]...) }), want: ErrInvalidRequest},
		{name: "unknown parameter ignored", run: withForm(grant, func(f map[string][]string) { f["foo"] = []string{"bar"} }), want: accept},
		{name: "scope echoed", run: func(e *env) *resp {
			f := form(grant, e.mustMint(grant, nil, "valid"))
			f.Set("scope", "read write")
			r := e.post(f)
			if r.json["scope"] != "read write" {
				e.t.Errorf("scope not echoed: %s", r.body)
			}
			return r
		}, want: accept},
		{name: "client_credentials without client auth", run: raw(http.MethodPost, "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=client-ec", ""), want: ErrInvalidClient},
		{name: "client_assertion_type missing", flow: pk, run: withForm(pk, func(f map[string][]string) { delete(f, "client_assertion_type") }), want: ErrInvalidRequest},
		{name: "client_assertion_type wrong", flow: pk, run: withForm(pk, func(f map[string][]string) {
			f["client_assertion_type"] = []string{"urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}
		}), want: ErrInvalidRequest},
		{name: "client_assertion missing", flow: pk, run: withForm(pk, func(f map[string][]string) { delete(f, "client_assertion") }), want: ErrInvalidRequest},
		{name: "client_secret beside client_assertion", flow: pk, run: withForm(pk, func(f map[string][]string) { f["client_secret"] = []string{"x"} }), want: ErrInvalidRequest},
		{name: "Basic beside client_assertion", flow: pk, run: func(e *env) *resp {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(form(pk, e.mustMint(pk, nil, "valid")).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("client-ec", "x")
			return e.do(req)
		}, want: ErrInvalidRequest},
		{name: "Basic alone: 401 with WWW-Authenticate", run: func(e *env) *resp {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("client-ec", "x")
			r := e.do(req)
			if r.status != 401 || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
				e.t.Errorf("want 401 + WWW-Authenticate Basic, got %d %q", r.status, r.header.Get("WWW-Authenticate"))
			}
			return r
		}, want: ErrInvalidClient},
		{name: "client_id matching accepted", flow: pk, run: withForm(pk, func(f map[string][]string) { f["client_id"] = []string{"client-ec"} }), want: accept},
		{name: "client_id of another client", flow: pk, run: withForm(pk, func(f map[string][]string) { f["client_id"] = []string{"client-rsa"} }), want: ErrInvalidClient},
		{name: "grant client_id of another client", run: withForm(grant, func(f map[string][]string) { f["client_id"] = []string{"client-ec"} }), want: ErrInvalidGrant},
		{name: "grant with valid client auth", run: func(e *env) *resp {
			f := form(pk, e.mustMint(pk, nil, "valid"))
			f.Set("grant_type", GrantTypeJWTBearer)
			f.Set("assertion", e.mustMint(grant, nil, "valid"))
			return e.post(f)
		}, want: accept},
		{name: "grant with failed client auth", run: func(e *env) *resp {
			f := form(pk, e.mustMint(pk, nil, "sig-signature-corrupted"))
			f.Set("grant_type", GrantTypeJWTBearer)
			f.Set("assertion", e.mustMint(grant, nil, "valid"))
			return e.post(f)
		}, want: ErrInvalidClient},
		{name: "disabled client (grant)", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.disabled, "valid"))) }, want: ErrInvalidGrant},
		{name: "disabled client (client auth)", run: func(e *env) *resp { return e.post(form(pk, e.mustMint(pk, e.c.disabled, "valid"))) }, want: ErrInvalidClient},
		{name: "grant not permitted", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.restricted, "valid"))) }, want: ErrUnauthorizedClient},
		{name: "client auth not permitted", run: func(e *env) *resp { return e.post(form(pk, e.mustMint(pk, e.c.restricted, "valid"))) }, want: ErrInvalidClient},
		{name: "HS256 by a private_key_jwt client", run: func(e *env) *resp {
			return e.post(form(pk, e.mustMint(pk, e.c.hybrid, "valid", func(s *fixtures.Spec) { s.Alg, s.Key = jose.HS256, e.c.hybridSecret })))
		}, want: ErrInvalidClient},
		{name: "cert expired", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.expired, "valid"))) }, want: ErrInvalidGrant},
		{name: "cert not yet valid", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.future, "valid"))) }, want: ErrInvalidGrant},
		{name: "RSA-1024 certificate refused", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.weak, "valid"))) }, want: ErrInvalidGrant},
		{name: "alg not registered (PS256 with RS256 key)", run: func(e *env) *resp {
			return e.post(form(grant, e.mustMint(grant, nil, "valid", func(s *fixtures.Spec) { s.Alg = jose.PS256 })))
		}, want: ErrInvalidGrant},
		{name: "PS256 client", run: func(e *env) *resp { return e.post(form(grant, e.mustMint(grant, e.c.ps, "valid"))) }, want: accept},
		{name: "EdDSA client", run: func(e *env) *resp { return e.post(form(pk, e.mustMint(pk, e.c.ed, "valid"))) }, want: accept},
		{name: "sub not permitted for the client", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("sub", "mallory")) }, want: ErrInvalidGrant},
		{name: "iss case variant", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("iss", "CLIENT-RSA")) }, want: ErrInvalidGrant},
		{name: "iss trailing space", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("iss", "client-rsa ")) }, want: ErrInvalidGrant},
		{name: "aud non-string member", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("aud", []any{e.srv.TokenURL, 1})) }, want: ErrInvalidGrant},
		{name: "aud object", run: func(e *env) *resp {
			return e.send(grant, "valid", setClaim("aud", map[string]any{"a": e.srv.TokenURL}))
		}, want: ErrInvalidGrant},
		{name: "iss number", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("iss", 123)) }, want: ErrInvalidGrant},
		{name: "jti number", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("jti", 42)) }, want: ErrInvalidGrant},
		{name: "exp fractional accepted", run: func(e *env) *resp {
			return e.send(grant, "valid", setClaim("exp", float64(time.Now().Unix())+120.5), setClaim("iat", float64(time.Now().Unix())+0.25))
		}, want: accept},
		{name: "exp true", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", true)) }, want: ErrInvalidGrant},
		{name: "exp null", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", nil)) }, want: ErrInvalidGrant},
		{name: "exp 1e300", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", 1e300)) }, want: ErrInvalidGrant},
		{name: "exp -1", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", -1)) }, want: ErrInvalidGrant},
		{name: "exp 2^63", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", uint64(1)<<63)) }, want: ErrInvalidGrant},
		{name: "nbf 9.3e18 does not wrap", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("nbf", 9.3e18)) }, want: ErrInvalidGrant},
		{name: "nbf within leeway accepted", run: func(e *env) *resp {
			n := time.Now().Unix() + 8
			return e.send(grant, "valid", setClaim("nbf", n), setClaim("iat", n))
		}, want: accept},
		{name: "nbf past accepted", run: func(e *env) *resp { return e.send(grant, "valid", setClaim("nbf", time.Now().Unix()-60)) }, want: accept},
		{name: "exp within leeway accepted", run: func(e *env) *resp {
			n := time.Now().Unix()
			return e.send(grant, "valid", setClaim("exp", n-30), setClaim("iat", n-100))
		}, want: accept},
		{name: "exp beyond leeway refused", run: func(e *env) *resp {
			n := time.Now().Unix()
			return e.send(grant, "valid", setClaim("exp", n-61), setClaim("iat", n-100))
		}, want: ErrInvalidGrant},
		{name: "exp == now with zero leeway refused (frozen clock)", opts: Options{Now: func() time.Time { return frozen }, Leeway: NoLeeway},
			run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", frozen.Unix())) }, want: ErrInvalidGrant},
		{name: "exp == now+1 with zero leeway accepted (frozen clock)", opts: Options{Now: func() time.Time { return frozen }, Leeway: NoLeeway},
			run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", frozen.Unix()+1)) }, want: accept},
		{name: "exp at max lifetime + leeway accepted (frozen clock)", opts: Options{Now: func() time.Time { return frozen }},
			run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", frozen.Unix()+360)) }, want: accept},
		{name: "exp just past max lifetime + leeway refused (frozen clock)", opts: Options{Now: func() time.Time { return frozen }},
			run: func(e *env) *resp { return e.send(grant, "valid", setClaim("exp", frozen.Unix()+361)) }, want: ErrInvalidGrant},
		{name: "rfc7523bis: client aud = token endpoint refused", opts: Options{Profile: target.ProfileRFC7523bis}, flow: pk,
			run: func(e *env) *resp { return e.send(pk, "aud-token-endpoint") }, want: ErrInvalidClient},
		{name: "rfc7523bis: client aud = [issuer] accepted", opts: Options{Profile: target.ProfileRFC7523bis}, flow: pk,
			run: func(e *env) *resp {
				return e.send(pk, "valid", func(s *fixtures.Spec) { s.Audience = []string{e.srv.Issuer} })
			}, want: accept},
		{name: "rfc7523bis: client aud = issuer accepted", opts: Options{Profile: target.ProfileRFC7523bis}, flow: pk,
			run: func(e *env) *resp { return e.send(pk, "aud-issuer") }, want: accept},
		{name: "rfc7523bis: client aud array with issuer refused", opts: Options{Profile: target.ProfileRFC7523bis}, flow: pk,
			run: func(e *env) *resp {
				return e.send(pk, "valid", func(s *fixtures.Spec) { s.Audience = []string{e.srv.Issuer, "https://other.example"} })
			}, want: ErrInvalidClient},
		{name: "rfc7523bis: grant aud = token endpoint accepted", opts: Options{Profile: target.ProfileRFC7523bis},
			run: func(e *env) *resp { return e.send(grant, "aud-token-endpoint") }, want: accept},
		{name: "replay (grant)", run: func(e *env) *resp {
			f := form(grant, e.mustMint(grant, nil, "valid"))
			if r := e.post(f); !r.issued() {
				e.t.Fatalf("first use refused: %s", r.body)
			}
			return e.post(f)
		}, want: ErrInvalidGrant},
		{name: "replay (client auth, same jti re-signed)", flow: pk, run: func(e *env) *resp {
			jti := fixtures.NewJTI()
			if r := e.send(pk, "valid", setClaim("jti", jti)); !r.issued() {
				e.t.Fatalf("first use refused: %s", r.body)
			}
			return e.send(pk, "valid", setClaim("jti", jti))
		}, want: ErrInvalidClient},
		{name: "same jti, other issuer: not a replay", run: func(e *env) *resp {
			jti := fixtures.NewJTI()
			if r := e.send(grant, "valid", setClaim("jti", jti)); !r.issued() {
				e.t.Fatalf("first use refused: %s", r.body)
			}
			return e.post(form(grant, e.mustMint(grant, e.c.ps, "valid", setClaim("jti", jti))))
		}, want: accept},
		{name: "a refused assertion does not burn its jti", run: func(e *env) *resp {
			jti := fixtures.NewJTI()
			if r := e.send(grant, "aud-wrong", setClaim("jti", jti)); r.issued() {
				e.t.Fatal("wrong aud accepted")
			}
			return e.send(grant, "valid", setClaim("jti", jti))
		}, want: accept},
		{name: "format=xml success", run: func(e *env) *resp {
			f := form(grant, e.mustMint(grant, nil, "valid"))
			f.Set("format", "xml")
			r := e.post(f)
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/xml") || !strings.Contains(string(r.body), "<access_token>") || r.header.Get("Pragma") != "no-cache" {
				e.t.Errorf("bad xml answer: %v %s", r.header, r.body)
			}
			r.json = map[string]any{"access_token": "x"}
			return r
		}, want: accept},
		{name: "format=urlencoded error", run: func(e *env) *resp {
			f := form(grant, e.mustMint(grant, nil, "aud-wrong"))
			f.Set("format", "urlencoded")
			r := e.post(f)
			if r.header.Get("Content-Type") != "application/x-www-form-urlencoded" || !strings.Contains(string(r.body), "error=invalid_grant") {
				e.t.Errorf("bad urlencoded answer: %v %s", r.header, r.body)
			}
			r.json = map[string]any{"error": ErrInvalidGrant}
			return r
		}, want: ErrInvalidGrant},
		{name: "format unknown", run: withForm(grant, func(f map[string][]string) { f["format"] = []string{"yaml"} }), want: ErrInvalidRequest},
		{name: "format upper case", run: withForm(grant, func(f map[string][]string) { f["format"] = []string{"XML"} }), want: ErrInvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.opts)
			r := c.run(e)
			if c.want == accept {
				if !r.issued() {
					t.Fatalf("want a token, got %d %s", r.status, r.body)
				}
				if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
					t.Errorf("cache headers missing")
				}
				return
			}
			if c.name != "method GET refused with 405" && !strings.Contains(c.name, "413") {
				checkErrorShape(t, r)
			}
			if r.code() != c.want {
				t.Fatalf("error %q, want %q: %d %s", r.code(), c.want, r.status, r.body)
			}
			switch {
			case strings.Contains(c.name, "405"):
				if r.status != 405 || r.header.Get("Allow") != "POST" {
					t.Errorf("want 405 with Allow: POST, got %d %q", r.status, r.header.Get("Allow"))
				}
			case strings.Contains(c.name, "413"):
				if r.status != 413 {
					t.Errorf("want 413, got %d", r.status)
				}
			case c.want == ErrInvalidClient:
				if r.status != 401 {
					t.Errorf("invalid_client with %d, want 401", r.status)
				}
			default:
				if r.status != 400 {
					t.Errorf("status %d, want 400", r.status)
				}
			}
		})
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+MetadataPath, nil)
	r := e.do(req)
	if r.status != 200 || r.json["issuer"] != e.srv.Issuer || r.json["token_endpoint"] != e.srv.TokenURL {
		t.Fatalf("metadata: %d %s", r.status, r.body)
	}
	for _, k := range []string{"grant_types_supported", "token_endpoint_auth_methods_supported", "token_endpoint_auth_signing_alg_values_supported"} {
		if _, ok := r.json[k].([]any); !ok {
			t.Errorf("%s missing: %s", k, r.body)
		}
	}
	_ = fmt.Sprint()
}
