package reference

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// Every flaw, as overrides of named pipeline steps (seam.go), in the order
// of package flaws, which holds each flaw's rule and effect. Most flaws
// override one step. Six span two, because the bug does: alg-none-accepted,
// alg-defaulted and duplicate-header-first-wins (a header go-jose refuses is
// parsed by hand, then its signature checked by hand), crit-ignored (the
// header check and the verification both ignore crit), jti-burned-early
// (the jti is recorded at decoding, so not again at the end) and
// no-size-limit (the assertion and the request body).
func init() {
	// ---- audience ----
	onAssertion(flaws.AudIgnored, "audience", skip)
	onAssertion(flaws.AudPrefixMatch, "audience", audienceWith(func(r *audRule) { r.match = prefixMatch }))
	onAssertion(flaws.AudNormalized, "audience", audienceWith(func(r *audRule) { r.match = normalizedMatch }))
	onAssertion(flaws.AudNonStringOK, "claims", claimsWith(parseOptions{audNonString: true}))
	onAssertion(flaws.AudBisTokenURLOK, "audience", audienceWith(func(r *audRule) { r.bisSoleIssuer = false }))
	onAssertion(flaws.AudIssuerRejected, "audience", audienceWith(func(r *audRule) { r.issuer = false }))

	// ---- expiry and time ----
	onAssertion(flaws.ExpIgnored, "expiry", expiryWith(func(r *expiryRule, _ *vstate) { r.expired = false }))
	onAssertion(flaws.ExpNotRequired, "expiry", expiryWith(func(r *expiryRule, _ *vstate) { r.required = false }))
	onAssertion(flaws.ExpUnbounded, "expiry", expiryWith(func(r *expiryRule, _ *vstate) { r.capped = false }))
	onAssertion(flaws.ExpNoLeeway, "expiry", expiryWith(func(r *expiryRule, _ *vstate) { r.leeway = 0 }))
	onAssertion(flaws.ExpEqualsNowOK, "expiry", expiryWith(func(r *expiryRule, _ *vstate) { r.atNowOK = true }))
	onAssertion(flaws.LeewayUnbounded, "clock", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			s.leeway = 3600
			return err
		}
	})
	onAssertion(flaws.NumericDateLenient, "claims", claimsWith(parseOptions{lenientDates: true}))
	onAssertion(flaws.NumericDateDateTime, "claims", claimsWith(parseOptions{dateTimeDates: true}))
	onAssertion(flaws.NbfIgnored, "not-before", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkNotBeforeWith(s, s.leeway, false) }
	})
	onAssertion(flaws.IatNotRequired, "issued-at", issuedAtWith(iatRule{future: true}))
	onAssertion(flaws.IatFutureOK, "issued-at", issuedAtWith(iatRule{requiredGrant: true}))
	onAssertion(flaws.IatRequiredClient, "issued-at", issuedAtWith(iatRule{requiredGrant: true, requiredClient: true, future: true}))
	onAssertion(flaws.FractionalDateBad, "claims", after(func(v *Verifier, s *vstate) *OAuthError {
		for _, d := range []struct {
			name string
			d    *numericDate
		}{{"exp", &s.claims.Exp}, {"nbf", &s.claims.Nbf}, {"iat", &s.claims.Iat}} {
			if d.d.set && d.d.kind == ndOK && d.d.frac {
				return flowErr(s.purpose, d.name+" must be an integer")
			}
		}
		return nil
	}))

	// ---- issuer and subject ----
	onAssertion(flaws.IssNotRequired, "issuer", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if s.claims.Iss == "" {
				s.claims.Iss = namedClient(s.ctx) // the client is taken from client_id
			}
			return next(v, s)
		}
	})
	onAssertion(flaws.IssCaseInsensitive, "issuer", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err == nil || s.claims.Iss == "" {
				return err
			}
			t := strings.TrimSpace(s.claims.Iss)
			for _, c := range v.all {
				if strings.EqualFold(c.ID, t) {
					s.client = c
					return nil
				}
			}
			return err
		}
	})
	onAssertion(flaws.SubNotRequired, "subject", subjectWith(subjectRule{clientIsSub: true, permitted: true}))
	onAssertion(flaws.SubNotClient, "subject", subjectWith(subjectRule{required: true, permitted: true}))
	onAssertion(flaws.SubUnchecked, "subject", subjectWith(subjectRule{required: true, clientIsSub: true}))

	// ---- replay ----
	onAssertion(flaws.JTIReplay, "replay", skip)
	onAssertion(flaws.JTINotRequired, "jti", skip)
	onAssertion(flaws.JTIRacy, "replay", replayWith(func(v *Verifier, s *vstate) *OAuthError {
		return v.replay.racyInsert(s.purpose, replayClient(s), replayKey(s), v.replayUntil(s), s.now)
	}))
	onAssertion(flaws.JTIKeyedByToken, "replay", replayWith(func(v *Verifier, s *vstate) *OAuthError {
		return v.replay.insert(s.purpose, replayClient(s), s.token, v.replayUntil(s), s.now)
	}))
	onAssertion(flaws.JTIBurnedEarly, "claims", after(func(v *Verifier, s *vstate) *OAuthError {
		if s.claims.JTI == "" {
			return nil
		}
		return v.replay.insert(s.purpose, replayClient(s), replayKey(s), v.replayUntil(s), s.now)
	}))
	onAssertion(flaws.JTIBurnedEarly, "replay", skip) // recorded at "claims" already
	onAssertion(flaws.JTIWindowShort, "replay", replayWith(func(v *Verifier, s *vstate) *OAuthError {
		return v.replay.insert(s.purpose, replayClient(s), replayKey(s), s.now+jtiShortTTL.Seconds(), s.now)
	}))
	onAssertion(flaws.IatPast500, "replay", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if i := &s.claims.Iat; s.claims.JTI != "" && i.set && i.v < s.now-v.maxLife-s.leeway {
				return &OAuthError{Code: ErrServerError, Description: "replay bucket index out of range", Status: http.StatusInternalServerError}
			}
			return next(v, s)
		}
	})

	// ---- signature, algorithm, keys ----
	onAssertion(flaws.SigNotVerified, "signature", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := v.pinAlgorithm(s); err != nil {
				return err
			}
			return v.registeredKeys(s, keyRule{}) // keys looked up, never used
		}
	})
	onAssertion(flaws.AlgNoneAccepted, "parse", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if payload, ok := algNone(s.token); ok {
				s.jws, s.header, s.alg, s.payload = nil, jose.Header{}, "none", payload
				return nil
			}
			return next(v, s)
		}
	})
	onAssertion(flaws.AlgNoneAccepted, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if s.alg == "none" {
				s.method = registeredMethod(s)
				return nil
			}
			return next(v, s)
		}
	})
	onAssertion(flaws.AlgHSPublicKey, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if !registry.IsHMAC(s.alg) || len(s.client.keys) == 0 {
				return next(v, s)
			}
			s.method = registeredMethod(s) // the key is the client's certificate
			for _, k := range s.client.keys {
				s.keys = append(s.keys, hsPublicKeyVariants(k.cert)...)
			}
			return v.verifyWithKeys(s)
		}
	})
	onAssertion(flaws.AlgNotPinned, "signature", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			s.method = methodFor(s.purpose, s.alg) // any algorithm the key can verify
			if err := v.registeredKeys(s, keyRule{}); err != nil {
				return err
			}
			return v.verifyWithKeys(s)
		}
	})
	onAssertion(flaws.AnyRegisteredCert, "signature", signedWith(keyRule{allClients: true}))
	onAssertion(flaws.EmbeddedJWKTrusted, "signature", keysFromToken(func(s *vstate) []any {
		if s.header.JSONWebKey == nil {
			return nil
		}
		return []any{s.header.JSONWebKey.Key}
	}))
	onAssertion(flaws.X5CTrusted, "signature", keysFromToken(func(s *vstate) []any {
		if k := x5cLeaf(s.token); k != nil {
			return []any{k}
		}
		return nil
	}))
	onAssertion(flaws.JKUFetched, "signature", keysFromToken(func(s *vstate) []any { return fetchKeys(s.ctx, s.header) }))
	onAssertion(flaws.CertExpiryIgnored, "signature", signedWith(keyRule{ignoreValidity: true}))
	onAssertion(flaws.CritIgnored, "header", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return checkTyp(s, typAllowed) }
	})
	onAssertion(flaws.CritIgnored, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			_, crit := s.header.ExtraHeaders["crit"]
			_, b64 := s.header.ExtraHeaders["b64"]
			if !crit && !b64 {
				return next(v, s)
			}
			return v.verifiedByHand(s) // go-jose would refuse the crit header
		}
	})
	onAssertion(flaws.ECDSADERAccepted, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err == nil || !strings.HasPrefix(string(s.alg), "ES") {
				return err
			}
			for _, k := range s.keys {
				if manualVerify(s.alg, k, s.token, true) {
					return nil
				}
			}
			return err
		}
	})
	onAssertion(flaws.HMACNotForClient, "client", clientWith(clientRule{enabled: true, permitted: true}))
	onAssertion(flaws.UnregisteredKidOK, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if kid := s.header.KeyID; kid != "" && s.client.AllowsAlg(s.alg) && !v.kidKnown(s.client, kid) {
				return &OAuthError{Code: ErrServerError, Description: "key lookup failed", Status: http.StatusInternalServerError}
			}
			return next(v, s)
		}
	})

	// ---- encoding ----
	onAssertion(flaws.LenientBase64, "charset", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			s.token = lenientClean(s.token)
			return checkAlphabet(s) // canonical form not required
		}
	})
	onAssertion(flaws.JSONSerialization, "charset", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if t := strings.TrimSpace(s.token); strings.HasPrefix(t, "{") {
				compact, ok := jsonToCompact(t)
				if !ok {
					return malformed(s.purpose, "the assertion is not a JWS JSON serialization with one signature")
				}
				s.token = compact
			}
			return next(v, s)
		}
	})
	onAssertion(flaws.DuplicateFirstWins, "claims", claimsWith(parseOptions{firstWins: true}))
	onAssertion(flaws.NoSizeLimit, "size", skip)
	onRequest(flaws.NoSizeLimit, "body", func(requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError { return h.readBodyUpTo(t, 1<<30) }
	})

	// ---- request rules ----
	onRequest(flaws.GETAccepted, "method", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if t.r.Method != http.MethodGet {
				return next(h, t)
			}
			// The query is handled as if it had been a form body.
			r := t.r.Clone(t.r.Context())
			r.Method = http.MethodPost
			r.Body = io.NopCloser(strings.NewReader(t.r.URL.RawQuery))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.URL.RawQuery = ""
			t.r = r
			return nil
		}
	})
	onRequest(flaws.QueryParamsAccepted, "query", func(requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if q := t.r.URL.RawQuery; q != "" {
				if len(t.body) > 0 {
					t.body = append(t.body, '&')
				}
				t.body = append(t.body, q...)
			}
			return nil
		}
	})
	onRequest(flaws.NonFormAccepted, "content-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			mt, _, _ := mime.ParseMediaType(t.r.Header.Get("Content-Type"))
			if mt != "application/json" && mt != "multipart/form-data" {
				return next(h, t)
			}
			return h.bodyAsForm(t)
		}
	})
	onRequest(flaws.RepeatedParamsOK, "form", func(requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError { return h.parseFormWith(t, formRule{firstWins: true}) }
	})
	onRequest(flaws.UnsupportedGrantCode, "grant-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			err := next(h, t)
			if err != nil && err.Code == ErrUnsupportedGrantType {
				return newErr(ErrInvalidRequest, "grant_type "+quote(t.grant)+" is not supported")
			}
			return err
		}
	})
	onRequest(flaws.AssertionTypeIgnored, "client-auth", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if t.form.Has("client_assertion") {
				t.form.Set("client_assertion_type", ClientAssertionTypeJWT) // whatever was sent
			}
			return next(h, t)
		}
	})
	onRequest(flaws.TwoAuthMethodsOK, "auth-methods", func(requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			noteAuthHeader(t)
			return nil
		}
	})
	onRequest(flaws.ClientIDMismatchOK, "client-id", func(requestStep) requestStep {
		return func(*handler, *treq) *OAuthError { return nil }
	})
	onRequest(flaws.GrantIgnoresClientAuth, "client-auth", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			err := next(h, t)
			if err != nil && t.grant == GrantTypeJWTBearer {
				t.client = nil
				return nil
			}
			return err
		}
	})
	onRequest(flaws.UnknownParamRejected, "form", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if err := next(h, t); err != nil {
				return err
			}
			for k := range t.form {
				if !knownParams[k] {
					return newErr(ErrInvalidRequest, "unrecognized parameter "+quote(k))
				}
			}
			return nil
		}
	})
	onRequest(flaws.CharsetRejected, "content-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			mt, params, err := mime.ParseMediaType(t.r.Header.Get("Content-Type"))
			if err == nil && mt == "application/x-www-form-urlencoded" && len(params) > 0 {
				return newErr(ErrInvalidRequest, "Content-Type must be exactly application/x-www-form-urlencoded")
			}
			return next(h, t)
		}
	})
	onAssertion(flaws.DisabledClientOK, "client", clientWith(clientRule{permitted: true, method: true}))
	onAssertion(flaws.GrantNotPermittedOK, "client", clientWith(clientRule{enabled: true}))
	onRequest(flaws.EmptyParamNotOmitted, "form", func(requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError { return h.parseFormWith(t, formRule{emptyAssertion: true}) }
	})

	// ---- response rules ----
	onResponse(flaws.NoCacheHeaders, "cache", func(responseStep) responseStep {
		return func(*handler, *treq, *response) {}
	})
	onResponse(flaws.WrongErrorCode, "error-body", afterResponse(func(t *treq, r *response) {
		if t.err != nil {
			r.set("error", ErrInvalidRequest)
		}
	}))
	onResponse(flaws.InvalidClient400, "error-body", afterResponse(func(_ *treq, r *response) {
		r.header.Del("WWW-Authenticate")
	}))
	onResponse(flaws.ErrorStatus200, "error-body", afterResponse(func(t *treq, r *response) {
		if t.err != nil {
			r.status = http.StatusOK
		}
	}))
	onResponse(flaws.ServerErrorOnBad, "error-body", afterResponse(func(t *treq, r *response) {
		if t.err != nil && t.err.malformed {
			r.set("error", ErrServerError)
			r.status = http.StatusInternalServerError
		}
	}))
	onResponse(flaws.ExpiresInString, "token-body", afterResponse(func(t *treq, r *response) {
		if x, ok := r.get("expires_in"); ok {
			r.set("expires_in", fieldString(x))
		}
	}))
	onResponse(flaws.TokenTypeMissing, "token-body", afterResponse(func(_ *treq, r *response) { r.del("token_type") }))
	onResponse(flaws.ContentTypeText, "encode", afterResponse(func(t *treq, r *response) {
		if t.format == FormatJSON {
			r.header.Set("Content-Type", "text/plain; charset=utf-8")
		}
	}))
	onRequest(flaws.FormatIgnored, "format", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			err := next(h, t)
			t.format = FormatJSON
			return err
		}
	})
	onResponse(flaws.ErrorDescCRLF, "error-body", afterResponse(func(t *treq, r *response) {
		if t.err != nil {
			code, _ := r.get("error")
			desc, _ := r.get("error_description")
			r.set("error_description", fieldString(desc)+"\r\n\""+fieldString(code)+"\"")
		}
	}))

	// ---- explicit typing ----
	onAssertion(flaws.TypIgnored, "header", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if len(s.header.ExtraHeaders) == 0 {
				return nil
			}
			if _, ok := s.header.ExtraHeaders["b64"]; ok {
				return flowErr(s.purpose, "the b64 header is not supported")
			}
			if _, ok := s.header.ExtraHeaders["crit"]; ok {
				return flowErr(s.purpose, "crit lists extensions this server does not understand")
			}
			return nil // typ not looked at
		}
	})

	// ---- specific flaws for the positive and parsing cases ----
	onAssertion(flaws.AlgSubset, "parse", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.parseWith(s, subsetAlgs) }
	})
	onAssertion(flaws.ExtraClaimsRejected, "claims", claimsWith(parseOptions{rejectExtra: true}))
	onRequest(flaws.ClientIDRequired, "client-auth", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if (t.form.Has("client_assertion") || t.form.Has("client_assertion_type")) && !t.form.Has("client_id") {
				return newErr(ErrInvalidRequest, "client_id is required with client_assertion")
			}
			return next(h, t)
		}
	})
	onRequest(flaws.ScopeRequired, "grant-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if err := next(h, t); err != nil {
				return err
			}
			if !t.form.Has("scope") {
				return newErr(ErrInvalidScope, "scope is required")
			}
			return nil
		}
	})
	onAssertion(flaws.AudArrayRejected, "claims", claimsWith(parseOptions{audArrayBad: true}))
	onAssertion(flaws.AudTokenEndpointReject, "audience", audienceWith(func(r *audRule) { r.tokenEndpoint = false }))
	onAssertion(flaws.NbfNoLeeway, "not-before", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkNotBeforeWith(s, 0, true) }
	})
	onAssertion(flaws.MaxLifetimeShort, "expiry", expiryWith(func(r *expiryRule, s *vstate) { r.capMargin = -s.leeway }))
	onAssertion(flaws.TypExplicitRejected, "header", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := next(v, s); err != nil {
				return err
			}
			return checkTyp(s, func(p Purpose, t string) bool { return strings.EqualFold(t, "JWT") })
		}
	})
	onAssertion(flaws.ParseFirstThree, "charset", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			s.token = firstThreeSegments(s.token)
			return next(v, s)
		}
	})
	onAssertion(flaws.AlgDefaulted, "parse", parsedByHand(byHandAlgMissing))
	onAssertion(flaws.AlgDefaulted, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if s.jws != nil || s.alg != "" {
				return next(v, s)
			}
			if len(s.client.Algorithms) == 0 {
				return flowErr(s.purpose, "RFC 7515 section 4.1.1: the alg header is missing")
			}
			s.alg = s.client.Algorithms[0] // the client's registered algorithm
			return v.verifiedByHand(s)
		}
	})
	onAssertion(flaws.DupHeaderFirstWins, "parse", parsedByHand(byHandFirstWins))
	onAssertion(flaws.DupHeaderFirstWins, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if s.jws != nil {
				return next(v, s)
			}
			return v.verifiedByHand(s)
		}
	})
	onAssertion(flaws.UTF8Unchecked, "claims", claimsWith(parseOptions{utf8Unchecked: true}))
	onAssertion(flaws.NestingUnbounded, "claims", claimsWith(parseOptions{unbounded: true}))
	onAssertion(flaws.ClaimTypesCoerced, "claims", claimsWith(parseOptions{coerce: true}))
	onAssertion(flaws.ClaimTypeBadRequest, "claims", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := next(v, s); err != nil {
				return newErr(ErrInvalidRequest, "the claims could not be bound: "+err.Description)
			}
			for _, d := range []struct {
				name string
				d    *numericDate
			}{{"exp", &s.claims.Exp}, {"nbf", &s.claims.Nbf}, {"iat", &s.claims.Iat}} {
				if d.d.set && d.d.kind == ndNotNumber {
					return newErr(ErrInvalidRequest, d.name+" has the wrong type")
				}
			}
			return nil
		}
	})
	onRequest(flaws.ClientIDOnlyAuth, "client-auth", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if t.grant == GrantTypeClientCredentials && t.form.Get("client_assertion") == "" && !t.usedAuth {
				if c, ok := h.v.clients[t.form.Get("client_id")]; ok && !c.Disabled {
					t.client = &Result{Client: c.Client, Method: registry.MethodPrivateKeyJWT, Subject: c.ID}
					return nil
				}
			}
			return next(h, t)
		}
	})
	onRequest(flaws.ContentTypeOptional, "content-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if t.r.Header.Get("Content-Type") == "" {
				return nil // parsed as a form anyway
			}
			return next(h, t)
		}
	})
	onRequest(flaws.GrantTypeDefaulted, "grant-type", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if !t.form.Has("grant_type") {
				switch {
				case t.form.Has("assertion"):
					t.form.Set("grant_type", GrantTypeJWTBearer)
				case t.form.Has("client_assertion"):
					t.form.Set("grant_type", GrantTypeClientCredentials)
				}
			}
			return next(h, t)
		}
	})
	onRequest(flaws.MethodNotChecked, "method", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			if t.r.Method != http.MethodGet {
				return nil
			}
			return next(h, t)
		}
	})
	onRequest(flaws.FormatUnknown500, "format", func(next requestStep) requestStep {
		return func(h *handler, t *treq) *OAuthError {
			switch f := t.form.Get("format"); f {
			case "", FormatJSON, FormatURLEncoded, FormatXML:
				return next(h, t)
			default:
				e := newErr(ErrServerError, "no writer for response format "+quote(f))
				e.Status = http.StatusInternalServerError
				return e
			}
		}
	})
	onAssertion(flaws.FirstCertOnly, "signature", signedWith(keyRule{firstOnly: true}))

	// ---- specific flaws for cases only catch-all flaws proved ----
	onAssertion(flaws.IssUnknownDefault, "issuer", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err == nil {
				return nil
			}
			if _, known := v.clients[s.claims.Iss]; !known {
				if c, ok := v.defaultClient(s, s.claims.Iss); ok {
					s.client = c
					return nil
				}
			}
			return err
		}
	})
	onAssertion(flaws.JWEPassthrough, "charset", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if strings.Count(s.token, ".") == 4 && onlyBase64URL(s.token) {
				return v.passThrough(s)
			}
			return next(v, s)
		}
	})
	onAssertion(flaws.AlgUnknownDefault, "parse", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err == nil {
				return nil
			}
			if tok, ok := v.defaultAlgToken(s.token); ok {
				s.token = tok
				return next(v, s)
			}
			return err
		}
	})
	onAssertion(flaws.IssNumberStringified, "claims", func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := v.decodeWith(s, parseOptions{issNumber: true}); err != nil {
				return err
			}
			if isDecimal(s.claims.Iss) {
				if c := v.clientByTrial(s); c != nil {
					s.claims.Iss = c.ID // the legacy tenant number, resolved by its key
				}
			}
			return nil
		}
	})
	onAssertion(flaws.AudPercentDecoded, "audience", audienceWith(func(r *audRule) { r.match = percentDecodedMatch }))
	onAssertion(flaws.AudObjectFlattened, "claims", claimsWith(parseOptions{audObjectValue: true}))
	onAssertion(flaws.AudSameHostAnyPath, "audience", audienceWith(func(r *audRule) { r.match = sameHostMatch }))
	onAssertion(flaws.ECDSANoRangeCheck, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if !strings.HasPrefix(string(s.alg), "ES") || !zeroECDSASignature(s.token) {
				return next(v, s)
			}
			// r = s = 0: without the range check the verification
			// equation holds for any message and key.
			if err := v.pinAlgorithm(s); err != nil {
				return err
			}
			return v.registeredKeys(s, keyRule{})
		}
	})
	onAssertion(flaws.HMACAnyKeyLength, "signature", func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err == nil || !registry.IsHMAC(s.alg) || len(s.keys) == 0 {
				return err
			}
			// A hand-rolled HMAC without go-jose's key length check, with
			// the framework's default secret still configured beside.
			for _, k := range append(s.keys, []byte(builtinDevSecret)) {
				if manualVerify(s.alg, k, s.token, false) {
					return nil
				}
			}
			return err
		}
	})
}

// knownParams are the parameters this endpoint understands (flaw
// unknown-param-rejected refuses any other).
var knownParams = map[string]bool{
	"grant_type": true, "assertion": true, "scope": true, "client_id": true,
	"client_assertion": true, "client_assertion_type": true, "client_secret": true, "format": true,
}

// skip replaces a step with one that checks nothing.
func skip(assertionStep) assertionStep {
	return func(*Verifier, *vstate) *OAuthError { return nil }
}

// after runs extra once the correct step has succeeded.
func after(extra assertionStep) func(assertionStep) assertionStep {
	return func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := next(v, s); err != nil {
				return err
			}
			return extra(v, s)
		}
	}
}

// afterResponse edits the response once the correct step has shaped it.
func afterResponse(edit func(t *treq, r *response)) func(responseStep) responseStep {
	return func(next responseStep) responseStep {
		return func(h *handler, t *treq, r *response) {
			next(h, t, r)
			edit(t, r)
		}
	}
}

func claimsWith(opt parseOptions) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.decodeWith(s, opt) }
	}
}

func audienceWith(edit func(*audRule)) func(assertionStep) assertionStep {
	r := correctAud
	edit(&r)
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkAudienceWith(s, r) }
	}
}

func expiryWith(edit func(*expiryRule, *vstate)) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			r := v.correctExpiry(s)
			edit(&r, s)
			return v.checkExpiryWith(s, r)
		}
	}
}

func issuedAtWith(r iatRule) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkIssuedAtWith(s, r) }
	}
}

func subjectWith(r subjectRule) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkSubjectWith(s, r) }
	}
}

func clientWith(r clientRule) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError { return v.checkClientWith(s, r) }
	}
}

// replayWith replaces the replay record of an assertion that has a jti.
func replayWith(record assertionStep) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if s.claims.JTI == "" {
				return nil
			}
			return record(v, s)
		}
	}
}

// signedWith is the signature step with other key rules.
func signedWith(r keyRule) func(assertionStep) assertionStep {
	return func(assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if err := v.pinAlgorithm(s); err != nil {
				return err
			}
			if err := v.registeredKeys(s, r); err != nil {
				return err
			}
			return v.verifyWithKeys(s)
		}
	}
}

// keysFromToken is the signature step of a server that verifies an
// asymmetric signature with a key the token itself points at, when it
// points at one.
func keysFromToken(keys func(*vstate) []any) func(assertionStep) assertionStep {
	return func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			if registry.IsHMAC(s.alg) || !s.client.AllowsAlg(s.alg) {
				return next(v, s)
			}
			ks := keys(s)
			if len(ks) == 0 {
				return next(v, s)
			}
			s.method = methodFor(s.purpose, s.alg)
			s.keys = append(s.keys, ks...)
			return v.verifyWithKeys(s)
		}
	}
}

// parsedByHand is the parse step of a server that parses the header
// itself when go-jose refuses it.
func parsedByHand(mode byHand) func(assertionStep) assertionStep {
	return func(next assertionStep) assertionStep {
		return func(v *Verifier, s *vstate) *OAuthError {
			err := next(v, s)
			if err != nil && parseByHand(s, mode) {
				return nil
			}
			return err
		}
	}
}

// verifiedByHand pins the algorithm, takes the registered keys and checks
// the signature over the token as sent with manualVerify (flaws whose
// tokens go-jose does not parse or verify).
func (v *Verifier) verifiedByHand(s *vstate) *OAuthError {
	if err := v.pinAlgorithm(s); err != nil {
		return err
	}
	if err := v.registeredKeys(s, keyRule{}); err != nil {
		return err
	}
	for _, k := range s.keys {
		if manualVerify(s.alg, k, s.token, false) {
			return nil
		}
	}
	return signatureErr(s)
}

// registeredMethod is the method a flawed server assumes when it does not
// derive one from the algorithm: jwt_bearer for the grant, else the client
// authentication method the client is registered for.
func registeredMethod(s *vstate) registry.Method {
	switch {
	case s.purpose == PurposeGrant:
		return registry.MethodJWTBearer
	case s.client.Allows(registry.MethodPrivateKeyJWT):
		return registry.MethodPrivateKeyJWT
	case s.client.Allows(registry.MethodClientSecretJWT):
		return registry.MethodClientSecretJWT
	}
	return registry.MethodPrivateKeyJWT
}

// bodyAsForm reads a JSON object or multipart body and hands it on as a
// form (flaw non-form-accepted).
func (h *handler) bodyAsForm(t *treq) *OAuthError {
	mt, params, _ := mime.ParseMediaType(t.r.Header.Get("Content-Type"))
	b, err := io.ReadAll(http.MaxBytesReader(t.w, t.r.Body, h.opts.MaxBodyBytes))
	if err != nil {
		return newErr(ErrInvalidRequest, "could not read the request body")
	}
	form := url.Values{}
	if mt == "application/json" {
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return newErr(ErrInvalidRequest, "the request body is not a valid form: "+sanitizeDesc(err.Error()))
		}
		for k, v := range m {
			form.Set(k, v)
		}
	} else {
		r2 := t.r.Clone(t.r.Context())
		r2.Body = io.NopCloser(strings.NewReader(string(b)))
		r2.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		if err := r2.ParseMultipartForm(1 << 20); err != nil {
			return newErr(ErrInvalidRequest, "the request body is not a valid form: "+sanitizeDesc(err.Error()))
		}
		form = url.Values(r2.MultipartForm.Value)
	}
	r := t.r.Clone(t.r.Context())
	enc := form.Encode()
	r.Body = io.NopCloser(strings.NewReader(enc))
	r.ContentLength = int64(len(enc))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	t.r = r
	return nil
}

func prefixMatch(got, want string) bool {
	return got == want || got != "" && (strings.Contains(got, want) || strings.HasPrefix(want, got))
}

func normalizedMatch(got, want string) bool {
	n := func(x string) string { return strings.ToLower(strings.TrimSuffix(x, "/")) }
	return got == want || n(got) == n(want)
}

func percentDecodedMatch(got, want string) bool {
	if got == want {
		return true
	}
	g, err := url.PathUnescape(got)
	return err == nil && g == want
}

func sameHostMatch(got, want string) bool { return got == want || sameHost(got, want) }

// onlyBase64URL reports whether t holds only base64url characters and dots.
func onlyBase64URL(t string) bool {
	for i := 0; i < len(t); i++ {
		if b64url[t[i]] == 0 {
			return false
		}
	}
	return true
}

// jsonToCompact turns a flattened or general JWS JSON serialization with one
// signature into the compact form over the same signing input (flaw
// json-serialization).
func jsonToCompact(t string) (string, bool) {
	type sig struct {
		Protected string `json:"protected"`
		Signature string `json:"signature"`
	}
	var j struct {
		Payload    string `json:"payload"`
		Signatures []sig  `json:"signatures"`
		sig
	}
	if json.Unmarshal([]byte(t), &j) != nil {
		return "", false
	}
	switch {
	case len(j.Signatures) == 1 && j.Protected == "":
		j.sig = j.Signatures[0]
	case len(j.Signatures) != 0:
		return "", false
	}
	if j.Protected == "" {
		return "", false
	}
	return j.Protected + "." + j.Payload + "." + j.Signature, true
}
