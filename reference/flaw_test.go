package reference

import (
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	badjws "github.com/jwtharness/jwtharness/fixtures/malformed"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// flawProbe runs one probe against a server and reports whether the server
// behaved correctly (true) or deviated (false).
type flawProbe struct {
	flaw Flaw
	opts Options
	ok   func(e *env) bool
}

func issued(r *resp) bool  { return r.issued() }
func refused(r *resp) bool { return !r.issued() && r.status >= 400 && r.status < 500 }

// refuses: the correct server refuses what the mutation makes, the flawed
// one issues a token.
func refuses(flow fixtures.Flow, cred func(e *env) *fixtures.Credential, mutation string, edits ...func(*fixtures.Spec)) func(e *env) bool {
	return func(e *env) bool {
		var c *fixtures.Credential
		if cred != nil {
			c = cred(e)
		}
		return refused(e.post(form(flow, e.mustMint(flow, c, mutation, edits...))))
	}
}

// accepts: the correct server issues a token, the flawed one refuses.
func accepts(flow fixtures.Flow, mutation string, edits ...func(*fixtures.Spec)) func(e *env) bool {
	return func(e *env) bool { return issued(e.send(flow, mutation, edits...)) }
}

func validPost(flow fixtures.Flow, edit func(url.Values)) func(e *env) *resp {
	return func(e *env) *resp {
		f := form(flow, e.mustMint(flow, nil, "valid"))
		if edit != nil {
			edit(f)
		}
		return e.post(f)
	}
}

// payloadExtra signs the claims with one more raw JSON member appended
// (invalid UTF-8, deep nesting: what json.Marshal cannot produce).
func payloadExtra(member string) func(*fixtures.Spec) {
	return func(s *fixtures.Spec) {
		s.Payload = func(c fixtures.Claims) ([]byte, error) {
			b, err := json.Marshal(c)
			if err != nil {
				return nil, err
			}
			return []byte(strings.TrimSuffix(string(b), "}") + "," + member + "}"), nil
		}
	}
}

// TestFlaws proves every flaw both ways: the correct server behaves, the
// server with exactly that flaw injected deviates.
func TestFlaws(t *testing.T) {
	grant, pk, hs := fixtures.FlowJWTBearer, fixtures.FlowPrivateKeyJWT, fixtures.FlowClientSecretJWT
	frozen := time.Now().Truncate(time.Second)
	bis := Options{Profile: target.ProfileRFC7523bis}
	jwksSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := getCreds(t)
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: c.stranger.Key.Public(), Algorithm: "RS256", Use: "sig"}}}
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer jwksSrv.Close()
	hybrid := func(e *env) *fixtures.Credential { return e.c.hybrid }
	var skew atomic.Int64 // clock offset of the jti-window-short probe

	probes := []flawProbe{
		{flaw: FlawAudIgnored, ok: refuses(grant, nil, "aud-wrong")},
		{flaw: FlawAudPrefixMatch, ok: refuses(grant, nil, "aud-prefix")},
		{flaw: FlawAudNormalized, ok: refuses(grant, nil, "aud-trailing-slash")},
		{flaw: FlawAudNonStringOK, ok: func(e *env) bool {
			return refused(e.send(grant, "valid", setClaim("aud", []any{e.srv.TokenURL, 1})))
		}},
		{flaw: FlawAudBisTokenURLOK, opts: bis, ok: refuses(pk, nil, "aud-token-endpoint")},
		{flaw: FlawAudIssuerRejected, ok: accepts(pk, "aud-issuer")},
		{flaw: FlawExpIgnored, ok: refuses(grant, nil, "time-exp-expired")},
		{flaw: FlawExpNotRequired, ok: refuses(grant, nil, "time-exp-missing")},
		{flaw: FlawExpUnbounded, ok: refuses(grant, nil, "time-exp-cap")},
		{flaw: FlawExpNoLeeway, ok: func(e *env) bool {
			n := time.Now().Unix()
			return issued(e.send(grant, "valid", setClaim("exp", n-30), setClaim("iat", n-100)))
		}},
		{flaw: FlawExpEqualsNowOK, opts: Options{Now: func() time.Time { return frozen }, Leeway: NoLeeway}, ok: func(e *env) bool {
			return refused(e.send(grant, "valid", setClaim("exp", frozen.Unix())))
		}},
		{flaw: FlawLeewayUnbounded, ok: func(e *env) bool {
			n := time.Now().Unix()
			return refused(e.send(grant, "valid", setClaim("exp", n-1800), setClaim("iat", n-1900)))
		}},
		{flaw: FlawNumericDateLenient, ok: refuses(grant, nil, "time-exp-string")},
		{flaw: FlawNumericDateDateTime, ok: refuses(grant, nil, "time-exp-datetime-string")},
		{flaw: FlawNbfIgnored, ok: refuses(grant, nil, "time-nbf-future")},
		{flaw: FlawIatNotRequired, ok: refuses(grant, nil, "time-iat-missing")},
		{flaw: FlawIatFutureOK, ok: refuses(grant, nil, "time-iat-future")},
		{flaw: FlawIatRequiredClient, ok: accepts(pk, "time-iat-missing")},
		{flaw: FlawFractionalDateBad, ok: accepts(grant, "valid", setClaim("exp", float64(time.Now().Unix())+120.5))},
		{flaw: FlawIssNotRequired, ok: func(e *env) bool {
			f := form(pk, e.mustMint(pk, nil, "claims-iss-missing"))
			f.Set("client_id", e.c.ec.ClientID)
			return refused(e.post(f))
		}},
		{flaw: FlawIssCaseInsensitive, ok: refuses(grant, nil, "valid", setClaim("iss", "CLIENT-RSA"))},
		{flaw: FlawSubNotRequired, ok: refuses(grant, nil, "claims-sub-missing")},
		{flaw: FlawSubNotClient, ok: refuses(pk, nil, "claims-sub-not-client")},
		{flaw: FlawSubUnchecked, ok: refuses(grant, nil, "valid", setClaim("sub", "mallory"))},
		{flaw: FlawJTIReplay, ok: func(e *env) bool {
			f := form(grant, e.mustMint(grant, nil, "valid"))
			if !issued(e.post(f)) {
				e.t.Fatal("first use refused")
			}
			return refused(e.post(f))
		}},
		{flaw: FlawJTINotRequired, ok: refuses(pk, nil, "replay-jti-missing")},
		{flaw: FlawJTIRacy, ok: func(e *env) bool { return concurrentReplays(e, 50) == 1 }},
		{flaw: FlawJTIKeyedByToken, ok: func(e *env) bool {
			jti := fixtures.NewJTI()
			if !issued(e.send(pk, "valid", setClaim("jti", jti))) {
				e.t.Fatal("first use refused")
			}
			return refused(e.send(pk, "valid", setClaim("jti", jti)))
		}},
		{flaw: FlawJTIBurnedEarly, ok: func(e *env) bool {
			jti := fixtures.NewJTI()
			e.send(grant, "aud-wrong", setClaim("jti", jti))
			return issued(e.send(grant, "valid", setClaim("jti", jti)))
		}},
		{flaw: FlawJTIWindowShort, opts: Options{Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }}, ok: func(e *env) bool {
			skew.Store(0)
			defer skew.Store(0)
			jti := fixtures.NewJTI()
			if !issued(e.send(pk, "valid", setClaim("jti", jti))) {
				e.t.Fatal("first use refused")
			}
			skew.Store(int64(60 * time.Second))
			return refused(e.send(pk, "valid", setClaim("jti", jti)))
		}},
		{flaw: FlawIatPast500, ok: func(e *env) bool {
			return issued(e.send(grant, "valid", setClaim("iat", time.Now().Add(-24*time.Hour).Unix())))
		}},
		{flaw: FlawSigNotVerified, ok: refuses(grant, nil, "sig-signature-corrupted")},
		{flaw: FlawAlgNoneAccepted, ok: refuses(grant, nil, "sig-alg-none-case")},
		{flaw: FlawAlgHSPublicKey, ok: refuses(grant, nil, "sig-hs256-pubkey")},
		{flaw: FlawAlgNotPinned, ok: refuses(grant, nil, "valid", func(s *fixtures.Spec) { s.Alg = jose.PS256 })},
		{flaw: FlawAnyRegisteredCert, ok: refuses(grant, nil, "key-other-client")},
		{flaw: FlawEmbeddedJWKTrusted, ok: refuses(grant, nil, "hdr-jwk-embedded")},
		{flaw: FlawX5CTrusted, ok: refuses(grant, nil, "hdr-x5c-untrusted")},
		{flaw: FlawJKUFetched, ok: func(e *env) bool {
			s := e.spec(grant, nil)
			ctx := e.mctx()
			ctx.JKU = jwksSrv.URL
			s, err := fixtures.Mutate(s, "hdr-jku", ctx)
			if err != nil {
				e.t.Fatal(err)
			}
			tok, err := e.m.Mint(s)
			if err != nil {
				e.t.Fatal(err)
			}
			return refused(e.post(form(grant, tok)))
		}},
		{flaw: FlawCertExpiryIgnored, ok: refuses(grant, func(e *env) *fixtures.Credential { return e.c.expired }, "valid")},
		{flaw: FlawCritIgnored, ok: refuses(grant, nil, "hdr-crit")},
		{flaw: FlawECDSADERAccepted, ok: refuses(pk, nil, "sig-ecdsa-der")},
		{flaw: FlawHMACNotForClient, ok: func(e *env) bool {
			return refused(e.post(form(pk, e.mustMint(pk, e.c.hybrid, "valid", func(s *fixtures.Spec) { s.Alg, s.Key = jose.HS256, e.c.hybridSecret }))))
		}},
		{flaw: FlawUnregisteredKidOK, ok: func(e *env) bool { return issued(e.send(grant, "hdr-kid-unknown")) }},
		{flaw: FlawLenientBase64, ok: refuses(grant, nil, "enc-padded")},
		{flaw: FlawJSONSerialization, ok: refuses(grant, nil, "enc-json-serialization")},
		{flaw: FlawDuplicateFirstWins, ok: refuses(grant, nil, "enc-duplicate-claims")},
		{flaw: FlawNoSizeLimit, ok: func(e *env) bool {
			r := e.send(grant, "enc-oversize")
			return r.status == 413
		}},
		{flaw: FlawGETAccepted, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodGet, e.srv.TokenURL+"?"+form(grant, e.mustMint(grant, nil, "valid")).Encode(), nil)
			return e.do(req).status == 405
		}},
		{flaw: FlawQueryParamsAccepted, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL+"?"+form(grant, e.mustMint(grant, nil, "valid")).Encode(), nil)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return refused(e.do(req))
		}},
		{flaw: FlawNonFormAccepted, ok: func(e *env) bool {
			b, _ := json.Marshal(map[string]string{"grant_type": GrantTypeJWTBearer, "assertion": e.mustMint(grant, nil, "valid")})
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			return refused(e.do(req))
		}},
		{flaw: FlawRepeatedParamsOK, ok: func(e *env) bool {
			return refused(validPost(grant, func(f url.Values) { f["scope"] = []string{"a", "b"} })(e))
		}},
		{flaw: FlawUnsupportedGrantCode, ok: func(e *env) bool {
			return validPost(grant, func(f url.Values) { f.Set("grant_type", "urn:example:nope") })(e).code() == ErrUnsupportedGrantType
		}},
		{flaw: FlawAssertionTypeIgnored, ok: func(e *env) bool {
			return refused(validPost(pk, func(f url.Values) { f.Set("client_assertion_type", "urn:ietf:mycustom") })(e))
		}},
		{flaw: FlawTwoAuthMethodsOK, ok: func(e *env) bool {
			return refused(validPost(pk, func(f url.Values) { f.Set("client_secret", "s3cret") })(e))
		}},
		{flaw: FlawClientIDMismatchOK, ok: func(e *env) bool {
			return refused(validPost(pk, func(f url.Values) { f.Set("client_id", "client-rsa") })(e))
		}},
		{flaw: FlawGrantIgnoresClientAuth, ok: func(e *env) bool {
			f := form(pk, e.mustMint(pk, nil, "sig-signature-corrupted"))
			f.Set("grant_type", GrantTypeJWTBearer)
			f.Set("assertion", e.mustMint(grant, nil, "valid"))
			return refused(e.post(f))
		}},
		{flaw: FlawUnknownParamRejected, ok: func(e *env) bool {
			return issued(validPost(grant, func(f url.Values) { f.Set("resource_hint", "x") })(e))
		}},
		{flaw: FlawCharsetRejected, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(form(grant, e.mustMint(grant, nil, "valid")).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
			return issued(e.do(req))
		}},
		{flaw: FlawDisabledClientOK, ok: refuses(grant, func(e *env) *fixtures.Credential { return e.c.disabled }, "valid")},
		{flaw: FlawGrantNotPermittedOK, ok: refuses(grant, func(e *env) *fixtures.Credential { return e.c.restricted }, "valid")},
		{flaw: FlawEmptyParamNotOmitted, ok: func(e *env) bool {
			return validPost(grant, func(f url.Values) { f.Set("assertion", "") })(e).code() == ErrInvalidRequest
		}},
		{flaw: FlawNoCacheHeaders, ok: func(e *env) bool {
			r := validPost(grant, nil)(e)
			return r.header.Get("Cache-Control") == "no-store" && r.header.Get("Pragma") == "no-cache"
		}},
		{flaw: FlawWrongErrorCode, ok: func(e *env) bool { return e.send(grant, "aud-wrong").code() == ErrInvalidGrant }},
		{flaw: FlawInvalidClient400, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader("grant_type=client_credentials"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("client-ec", "x")
			r := e.do(req)
			return r.status == 401 && r.header.Get("WWW-Authenticate") != ""
		}},
		{flaw: FlawErrorStatus200, ok: func(e *env) bool { return e.send(grant, "aud-wrong").status == 400 }},
		{flaw: FlawServerErrorOnBad, ok: func(e *env) bool { return e.send(grant, "enc-two-parts").status == 400 }},
		{flaw: FlawExpiresInString, ok: func(e *env) bool { _, ok := validPost(grant, nil)(e).json["expires_in"].(float64); return ok }},
		{flaw: FlawTokenTypeMissing, ok: func(e *env) bool { return validPost(grant, nil)(e).json["token_type"] == "Bearer" }},
		{flaw: FlawContentTypeText, ok: func(e *env) bool {
			return strings.HasPrefix(validPost(grant, nil)(e).header.Get("Content-Type"), "application/json")
		}},
		{flaw: FlawFormatIgnored, ok: func(e *env) bool {
			r := validPost(grant, func(f url.Values) { f.Set("format", "xml") })(e)
			return strings.HasPrefix(r.header.Get("Content-Type"), "application/xml")
		}},
		{flaw: FlawErrorDescCRLF, ok: func(e *env) bool {
			d, _ := e.send(grant, "aud-wrong").json["error_description"].(string)
			return descCharset.MatchString(d)
		}},
		{flaw: FlawTypIgnored, ok: refuses(grant, nil, "hdr-typ-foreign")},
		{flaw: FlawAlgSubset, ok: func(e *env) bool {
			return issued(e.post(form(grant, e.mustMint(grant, e.c.ps, "valid"))))
		}},
		{flaw: FlawExtraClaimsRejected, ok: accepts(grant, "valid", setClaim("http://claims.example.com/member", true))},
		{flaw: FlawClientIDRequired, ok: func(e *env) bool { return issued(validPost(pk, nil)(e)) }},
		{flaw: FlawScopeRequired, ok: func(e *env) bool { return issued(validPost(grant, nil)(e)) }},
		{flaw: FlawAudArrayRejected, ok: accepts(grant, "aud-array-with-valid")},
		{flaw: FlawAudTokenEndpointReject, ok: accepts(pk, "aud-token-endpoint")},
		{flaw: FlawNbfNoLeeway, ok: func(e *env) bool {
			return issued(e.send(grant, "valid", setClaim("nbf", time.Now().Unix()+8)))
		}},
		{flaw: FlawMaxLifetimeShort, ok: func(e *env) bool {
			return issued(e.send(grant, "valid", setClaim("exp", time.Now().Add(DefaultMaxLifetime).Unix())))
		}},
		{flaw: FlawTypExplicitRejected, ok: accepts(pk, "hdr-typ-client-auth")},
		{flaw: FlawParseFirstThree, ok: func(e *env) bool {
			for _, m := range []string{"enc-four-parts", "enc-trailing-dot", "enc-trailing-garbage"} {
				if !refused(e.send(grant, m)) {
					return false
				}
			}
			return true
		}},
		{flaw: FlawAlgDefaulted, ok: func(e *env) bool {
			p, err := badjws.DecodePayload(e.mustMint(grant, nil, "valid"))
			if err != nil {
				e.t.Fatal(err)
			}
			tok, err := badjws.SignRaw([]byte(`{"typ":"JWT"}`), p, "RS256", e.c.rsa.SigningKey())
			if err != nil {
				e.t.Fatal(err)
			}
			return refused(e.post(form(grant, tok)))
		}},
		{flaw: FlawDupHeaderFirstWins, ok: refuses(grant, nil, "hdr-duplicate-alg")},
		{flaw: FlawUTF8Unchecked, ok: refuses(grant, nil, "valid", payloadExtra("\"x\":\"\xc3\x28\""))},
		{flaw: FlawNestingUnbounded, ok: refuses(grant, nil, "valid", payloadExtra(`"deep":`+strings.Repeat("[", 500)+strings.Repeat("]", 500)))},
		{flaw: FlawClaimTypesCoerced, ok: refuses(grant, nil, "valid", setClaim("jti", 42))},
		{flaw: FlawClaimTypeBadRequest, ok: func(e *env) bool {
			return e.send(grant, "valid", setClaim("exp", true)).code() == ErrInvalidGrant
		}},
		{flaw: FlawClientIDOnlyAuth, ok: func(e *env) bool {
			return refused(e.post(url.Values{"grant_type": {GrantTypeClientCredentials}, "client_id": {e.c.ec.ClientID}}))
		}},
		{flaw: FlawContentTypeOptional, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(form(grant, e.mustMint(grant, nil, "valid")).Encode()))
			return refused(e.do(req))
		}},
		{flaw: FlawGrantTypeDefaulted, ok: func(e *env) bool {
			return refused(validPost(grant, func(f url.Values) { f.Del("grant_type") })(e))
		}},
		{flaw: FlawMethodNotChecked, ok: func(e *env) bool {
			req, _ := http.NewRequest(http.MethodPut, e.srv.TokenURL, strings.NewReader(form(grant, e.mustMint(grant, nil, "valid")).Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return e.do(req).status == 405
		}},
		{flaw: FlawFirstCertOnly, opts: Options{Registry: rotatingRegistry(t)}, ok: accepts(grant, "valid")},
		{flaw: FlawFormatUnknown500, ok: func(e *env) bool {
			r := validPost(grant, func(f url.Values) { f.Set("format", "yaml") })(e)
			return r.status == 400 && r.code() == ErrInvalidRequest
		}},
		{flaw: FlawIssUnknownDefault, ok: refuses(grant, nil, "claims-iss-unknown")},
		{flaw: FlawJWEPassthrough, ok: refuses(grant, nil, "enc-jwe")},
		{flaw: FlawAlgUnknownDefault, ok: func(e *env) bool {
			tok, err := badjws.SetHeaderMember(e.mustMint(grant, nil, "valid"), "alg", "HS1")
			if err != nil {
				e.t.Fatal(err)
			}
			return refused(e.post(form(grant, tok)))
		}},
		{flaw: FlawIssNumberStringified, ok: refuses(grant, nil, "valid", setClaim("iss", 12345))},
		{flaw: FlawAudPercentDecoded, ok: func(e *env) bool {
			return refused(e.send(grant, "valid", setClaim("aud", strings.Replace(e.srv.TokenURL, "/token", "/%74oken", 1))))
		}},
		{flaw: FlawAudObjectFlattened, ok: func(e *env) bool {
			return refused(e.send(grant, "valid", setClaim("aud", map[string]string{"aud": e.srv.TokenURL})))
		}},
		{flaw: FlawAudSameHostAnyPath, ok: func(e *env) bool {
			return refused(e.send(grant, "valid", setClaim("aud", e.srv.URL+"/par")))
		}},
		{flaw: FlawECDSANoRangeCheck, ok: refuses(pk, nil, "sig-ecdsa-psychic")},
		{flaw: FlawHMACAnyKeyLength, ok: func(e *env) bool {
			p, err := badjws.DecodePayload(e.mustMint(hs, nil, "valid"))
			if err != nil {
				e.t.Fatal(err)
			}
			tok, err := badjws.SignRaw([]byte(`{"alg":"HS256"}`), p, "HS256", []byte(builtinDevSecret))
			if err != nil {
				e.t.Fatal(err)
			}
			return refused(e.post(form(hs, tok)))
		}},
	}
	_ = hybrid
	_ = x509.ParseCertificate

	covered := map[Flaw]bool{}
	for _, p := range probes {
		covered[p.flaw] = true
		t.Run(string(p.flaw), func(t *testing.T) {
			if _, ok := LookupFlaw(string(p.flaw)); !ok {
				t.Fatalf("flaw %s not registered", p.flaw)
			}
			correct := newEnv(t, p.opts)
			if !p.ok(correct) {
				t.Fatalf("the correct server deviates")
			}
			o := p.opts
			o.Flaws = []Flaw{p.flaw}
			flawed := newEnv(t, o)
			if p.ok(flawed) {
				t.Fatalf("the server with flaw %s behaves correctly: the flaw is not implemented", p.flaw)
			}
		})
	}
	for _, fi := range Flaws() {
		if !covered[fi.Name] {
			t.Errorf("flaw %s has no probe", fi.Name)
		}
		if fi.Rule == "" || fi.Effect == "" {
			t.Errorf("flaw %s is not documented", fi.Name)
		}
	}
}

// rotatingRegistry registers client-rsa with two certificates, an old key
// first and its current key second (a rotation overlap).
func rotatingRegistry(t *testing.T) *registry.Registry {
	c := getCreds(t)
	r, err := registry.New(&registry.Client{ID: c.rsa.ClientID, Methods: []registry.Method{registry.MethodJWTBearer, registry.MethodPrivateKeyJWT},
		Algorithms: []jose.SignatureAlgorithm{jose.RS256}, Subjects: []string{"alice"},
		Certificates: []*x509.Certificate{c.stranger.Certificate, c.rsa.Certificate}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// concurrentReplays fires n copies of one client assertion at once and
// returns how many got a token.
func concurrentReplays(e *env, n int) int {
	f := form(fixtures.FlowPrivateKeyJWT, e.mustMint(fixtures.FlowPrivateKeyJWT, nil, "valid")).Encode()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		wins  int
		start = make(chan struct{})
	)
	client := e.srv.Client()
	client.Transport = &http.Transport{MaxIdleConnsPerHost: n}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := client.Post(e.srv.TokenURL, "application/x-www-form-urlencoded", strings.NewReader(f))
			if err != nil {
				return
			}
			defer res.Body.Close()
			var m map[string]any
			_ = json.NewDecoder(res.Body).Decode(&m)
			if res.StatusCode == 200 && m["access_token"] != nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return wins
}

// TestConcurrentReplay: 50 concurrent copies of one assertion, exactly one
// success (RFC 7523 §3 item 7; run with -race).
func TestConcurrentReplay(t *testing.T) {
	e := newEnv(t, Options{})
	for round := 0; round < 3; round++ {
		if got := concurrentReplays(e, 50); got != 1 {
			t.Fatalf("round %d: %d successes, want exactly 1", round, got)
		}
	}
}
