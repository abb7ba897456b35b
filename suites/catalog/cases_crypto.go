package catalog

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/malformed"
	R "github.com/jwtharness/jwtharness/reference/flaws"
	"github.com/jwtharness/jwtharness/reports"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// cryptoCases: replay (item 7), signature and keys (item 9, RFC 8725),
// JOSE header parameters, and the serialization of the assertion.
func cryptoCases() []Case {
	asym := []Capability{CapAsymmetric}
	return []Case{
		// ---- replay ----
		{ID: "replay-same-assertion", Title: "a client assertion already used is refused the second time", Family: "replay", Flows: clientFlows,
			Clause: cOIDCjti, Level: MUST, Negative: true, Flaw: R.JTIReplay, Run: replay(sameBytes)},
		{ID: "replay-same-assertion-grant", Title: "a grant assertion already used is refused the second time", Family: "replay", Flows: grantFlow,
			Clause: cJti, Level: MAY, Negative: true, Flaw: R.JTIReplay, Run: replay(sameBytes)},
		{ID: "replay-jti-reused", Title: "a new client assertion reusing a used jti is refused", Family: "replay", Flows: clientFlows,
			Clause: cOIDCjti, Level: MUST, Negative: true, Flaw: R.JTIKeyedByToken, Run: replay(sameJTI)},
		{ID: "replay-jti-reused-grant", Title: "a new grant assertion reusing a used jti is refused", Family: "replay", Flows: grantFlow,
			Clause: cJti, Level: MAY, Negative: true, Flaw: R.JTIKeyedByToken, Run: replay(sameJTI)},
		{ID: "replay-jti-window", Title: "a new client assertion reusing a jti while the first one is still valid (half its lifetime later) is refused (exact clock)", Family: "replay", Flows: clientFlows,
			Clause: cOIDCjti, Level: MUST, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Flaw: R.JTIWindowShort, Run: frozen(body(replayWindow))},
		{ID: "replay-jti-window-grant", Title: "a new grant assertion reusing a jti while the first one is still valid (half its lifetime later) is refused (exact clock)", Family: "replay", Flows: grantFlow,
			Clause: cJti, Level: MAY, Needs: []Capability{CapClockControl}, Serial: true, Negative: true, Flaw: R.JTIWindowShort, Run: frozen(body(replayWindow))},
		{ID: "replay-reencoded-token", Title: "a used ES256 client assertion re-encoded (s replaced by n - s, same claims) is refused as a replay", Family: "replay", Flows: pkFlow,
			Clause: cOIDCjti, Level: MUST, Needs: []Capability{CapAlg(jose.ES256)}, Negative: true, Flaw: R.JTIKeyedByToken, Run: replay(malleated)},
		{ID: "replay-reencoded-token-grant", Title: "a used ES256 grant assertion re-encoded (s replaced by n - s, same claims) is refused as a replay", Family: "replay", Flows: grantFlow,
			Clause: cJti, Level: MAY, Needs: []Capability{CapAlg(jose.ES256)}, Negative: true, Flaw: R.JTIKeyedByToken, Run: replay(malleated)},
		{ID: "replay-concurrent", Title: "of 20 parallel copies of one client assertion exactly one is issued a token", Family: "replay", Flows: clientFlows,
			Clause: cOIDCjti, Level: MUST, Serial: true, Negative: true, Flaw: R.JTIRacy, Run: concurrentReplay(20)},
		{ID: "replay-concurrent-grant", Title: "of 20 parallel copies of one grant assertion exactly one is issued a token", Family: "replay", Flows: grantFlow,
			Clause: cJti, Level: MAY, Serial: true, Negative: true, Flaw: R.JTIRacy, Run: concurrentReplay(20)},
		{ID: "replay-burned-early", Title: "a refused assertion does not burn its jti: a valid one with that jti is then issued", Family: "replay", Flows: allFlows,
			Clause: cJti, Level: MAY, Negative: true, Flaw: R.JTIBurnedEarly, Run: body(burnedEarly)},
		negM(Case{ID: "replay-jti-missing", Title: "a client assertion without jti is refused", Family: "replay", Flows: clientFlows,
			Clause: cOIDCjti, Level: MUST, Policy: PolicyJTIRequired, Flaw: R.JTINotRequired, Mutation: "replay-jti-missing"}, flowErrW),

		// ---- signature ----
		negM(Case{ID: "sig-signature-corrupted", Title: "an assertion with one signature bit flipped is refused", Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-signature-corrupted"}, flowErrW),
		negM(Case{ID: "sig-signature-truncated", Title: "an assertion whose signature lost its last three bytes is refused", Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-signature-truncated"}, flowErrW),
		negM(Case{ID: "sig-empty", Title: `an assertion with an empty signature ("h.p.") is refused`, Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-empty"}, malformedW),
		negM(Case{ID: "sig-payload-tampered", Title: "an assertion whose jti was changed after signing is refused", Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-payload-tampered"}, flowErrW),
		negM(Case{ID: "sig-wrong-key", Title: "an assertion signed by an unregistered key (HS*: another secret) is refused", Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapUnregisteredKey}, Flaw: R.SigNotVerified, Mutation: "sig-wrong-key"}, flowErrW),
		negM(Case{ID: "sig-hmac-secret-extended", Title: "an HS* assertion keyed with the client secret plus one byte is refused", Family: "signature", Flows: hsFlow,
			Clause: cSig, Level: MUST, Flaw: R.SigNotVerified, Mutation: "sig-hmac-secret-extended"}, flowErrW),
		negM(Case{ID: "sig-alg-none", Title: `alg "none" with an empty signature is refused`, Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.AlgNoneAccepted, Mutation: "sig-alg-none"}, malformedW),
		negM(Case{ID: "sig-alg-none-case", Title: `alg "nOnE" with an empty signature is refused`, Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.AlgNoneAccepted, Mutation: "sig-alg-none-case"}, malformedW),
		negM(Case{ID: "sig-alg-none-signed", Title: `alg "none" with the original signature kept is refused`, Family: "signature", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.AlgNoneAccepted, Mutation: "sig-alg-none-signed"}, malformedW),
		negM(Case{ID: "sig-hs256-pubkey", Title: "HS256 keyed with the registered public key (PEM) is refused (algorithm confusion)", Family: "signature", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapAsymmetric, CapCertificate}, Flaw: R.AlgHSPublicKey, Mutation: "sig-hs256-pubkey"}, flowErrW),
		negW(Case{ID: "sig-alg-not-registered", Title: "the registered RSA key signing with an algorithm not registered (RS256 vs PS256) is refused", Family: "signature", Flows: keyedFlows,
			Clause: cAlgs, Level: BCP, Needs: asym, Flaw: R.AlgNotPinned, Mutation: "sig-alg-not-registered"},
			specEdit(rsaWithoutOtherScheme).then(named("sig-alg-not-registered")), flowErrW),
		negW(Case{ID: "sig-ecdsa-psychic", Title: "an ES256 signature of zero bytes (r = s = 0) is refused", Family: "signature", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapAlg(jose.ES256)}, Flaw: R.ECDSANoRangeCheck, Mutation: "sig-ecdsa-psychic"},
			useAlg(jose.ES256).then(named("sig-ecdsa-psychic")), flowErrW),
		negW(Case{ID: "sig-ecdsa-der", Title: "an ES256 signature in ASN.1 DER form is refused", Family: "signature", Flows: keyedFlows,
			Clause: cES, Level: MUST, Needs: []Capability{CapAlg(jose.ES256)}, Flaw: R.ECDSADERAccepted, Mutation: "sig-ecdsa-der"},
			useAlg(jose.ES256).then(named("sig-ecdsa-der")), flowErrW),

		// ---- keys and the registry ----
		negW(Case{ID: "key-other-client", Title: "this client's claims signed by another registered client's key (same algorithm) are refused", Family: "key", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapAsymmetric}, Flaw: R.AnyRegisteredCert, Mutation: "key-other-client"},
			withPeer(false, "key-other-client"), flowErrW),
		negW(Case{ID: "key-other-client-kid", Title: "this client's claims signed by another client's key (same algorithm), naming that certificate's thumbprint, are refused", Family: "key", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapAsymmetric, CapCertificate}, Flaw: R.AnyRegisteredCert, Mutation: "key-other-client-kid"},
			withPeer(false, "key-other-client-kid"), flowErrW),
		negW(Case{ID: "key-cert-expired", Title: "an assertion verified only by an expired registered certificate is refused", Family: "key", Flows: keyedFlows,
			Clause: cCertValidity, Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapExpiredClient, CapAsymmetric}, Flaw: R.CertExpiryIgnored, Mutation: "key-cert-expired"},
			named("key-cert-expired"), flowErrW),
		negW(Case{ID: "key-cert-not-yet-valid", Title: "an assertion verified only by a not-yet-valid registered certificate is refused", Family: "key", Flows: keyedFlows,
			Clause: cCertValidity, Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapNotYetValidClient, CapAsymmetric}, Flaw: R.CertExpiryIgnored, Mutation: "key-cert-not-yet-valid"},
			named("key-cert-not-yet-valid"), flowErrW),
		negW(Case{ID: "key-client-disabled", Title: "a disabled client's otherwise valid assertion is refused", Family: "key", Flows: keyedFlows,
			Clause: cDisabledClient, Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapDisabledClient, CapAsymmetric}, Flaw: R.DisabledClientOK, Mutation: "key-client-disabled"},
			named("key-client-disabled"), func(s *session) want {
				w := flowErr(s.flow)
				if !s.flow.ClientAuth() {
					w.warn = []string{"invalid_client"}
					w.why = "a disabled issuer of a grant assertion is an invalid grant (RFC 7523 §3.1); invalid_client is a tolerated alternate"
				}
				return w
			}),
		{ID: "key-rotation", Title: "a client registered with two keys (rotation overlap) is accepted with either: the current key and the key rotated in", Family: "key", Flows: keyedFlows,
			Clause: cKeyRollover, Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapRotatingClient}, Flaw: R.FirstCertOnly, Run: body(keyRotation)},
		negW(Case{ID: "req-unauthorized-client", Title: "a registered client not permitted this flow is refused (unauthorized_client)", Family: "key", Flows: keyedFlows,
			Clause: cClientAuthz, Level: POLICY, Policy: PolicyFlows, Needs: []Capability{CapRestrictedClient, CapAsymmetric}, Flaw: R.GrantNotPermittedOK, Mutation: "req-unauthorized-client"},
			named("req-unauthorized-client"), func(s *session) want {
				if s.flow.ClientAuth() {
					return want{codes: []string{"unauthorized_client", "invalid_client"}}
				}
				return want{codes: []string{"unauthorized_client"}, warn: []string{"invalid_grant"},
					why: "RFC 6749 §5.2 names unauthorized_client for a client not authorized to use the grant type"}
			}),

		// ---- header ----
		negM(Case{ID: "hdr-jwk-embedded", Title: "an assertion signed by the key in its own jwk header is refused", Family: "header", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapUnregisteredKey, CapAsymmetric}, Flaw: R.EmbeddedJWKTrusted, Mutation: "hdr-jwk-embedded"}, flowErrW),
		negM(Case{ID: "hdr-x5c-untrusted", Title: "an assertion signed by the key of an untrusted x5c certificate is refused", Family: "header", Flows: keyedFlows,
			Clause: cX5c, Level: MUST, Needs: []Capability{CapUnregisteredKey, CapAsymmetric}, Flaw: R.X5CTrusted, Mutation: "hdr-x5c-untrusted"}, flowErrW),
		{ID: "hdr-jku", Title: "an assertion signed by a key from its jku URL is refused (and the URL should not be fetched)", Family: "header", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapUnregisteredKey, CapLoopbackListener, CapAsymmetric}, Negative: true, Flaw: R.JKUFetched,
			Mutation: "hdr-jku", Run: remoteKey("jku")},
		{ID: "hdr-x5u", Title: "an assertion signed by the key of the certificate at its x5u URL is refused (and the URL should not be fetched)", Family: "header", Flows: keyedFlows,
			Clause: cSig, Level: MUST, Needs: []Capability{CapUnregisteredKey, CapLoopbackListener, CapAsymmetric}, Negative: true, Flaw: R.JKUFetched,
			Mutation: "hdr-x5u", Run: remoteKey("x5u")},
		negM(Case{ID: "hdr-crit", Title: "an assertion with an unknown critical header extension is refused", Family: "header", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.CritIgnored, Mutation: "hdr-crit"}, flowErrW),
		{ID: "hdr-kid-unknown", Title: "an unknown kid on a validly signed assertion is accepted or refused with the flow's error, never 5xx", Family: "header", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Negative: true, Flaw: R.UnregisteredKidOK, Mutation: "hdr-kid-unknown", Run: hintOnly(named("hdr-kid-unknown"))},
		{ID: "hdr-kid-injection", Title: "a path-traversal kid on a validly signed assertion is accepted or refused with the flow's error, never 5xx", Family: "header", Flows: allFlows,
			Clause: cRequest400, Level: MUST, Negative: true, Flaw: R.UnregisteredKidOK, Mutation: "hdr-kid-injection",
			Run: hintOnly(named("hdr-kid-injection"))},
		pos(Case{ID: "hdr-typ-client-auth", Title: `typ "client-authentication+jwt" is accepted`, Family: "header", Flows: clientFlows,
			Clause: cPolicyTyping, Level: POLICY, Policy: PolicyExplicitTyping, Flaw: R.TypExplicitRejected, Mutation: "hdr-typ-client-auth"}, named("hdr-typ-client-auth")),
		negM(Case{ID: "hdr-typ-foreign", Title: `typ "at+jwt" (another kind of JWT) is refused`, Family: "header", Flows: allFlows,
			Clause: cTypKinds, Level: BCP, Flaw: R.TypIgnored, Mutation: "hdr-typ-foreign"}, flowErrW),
		negM(Case{ID: "hdr-duplicate-alg", Title: `a header with a second "alg":"none" member is refused`, Family: "header", Flows: allFlows,
			Clause: clause("RFC7515", "4", `Header Parameter names within the JOSE Header MUST be unique; JWS parsers MUST either reject JWSs with duplicate Header Parameter names or use a JSON parser that returns only the lexically last duplicate member name.`),
			Level:  MUST, Flaw: R.DupHeaderFirstWins, Mutation: "hdr-duplicate-alg"}, malformedW),

		// ---- encoding ----
		negM(Case{ID: "enc-two-parts", Title: `a two-segment assertion ("h.p") is refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-two-parts"}, malformedW),
		negM(Case{ID: "enc-four-parts", Title: `a four-segment assertion ("h.p.s.s") is refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ParseFirstThree, Mutation: "enc-four-parts"}, malformedW),
		negM(Case{ID: "enc-trailing-dot", Title: `an assertion with a trailing dot ("h.p.s.") is refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ParseFirstThree, Mutation: "enc-trailing-dot"}, malformedW),
		negM(Case{ID: "enc-trailing-garbage", Title: "two JWTs in one assertion parameter are refused", Family: "encoding", Flows: allFlows,
			Clause: cGrant, Level: MUST, Flaw: R.ParseFirstThree, Mutation: "enc-trailing-garbage"}, malformedW),
		negM(Case{ID: "enc-padded", Title: `"=" padded base64url segments are refused`, Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.LenientBase64, Mutation: "enc-padded"}, malformedW),
		negM(Case{ID: "enc-std-base64", Title: "segments in the standard base64 alphabet are refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.LenientBase64, Mutation: "enc-std-base64"}, malformedW),
		negM(Case{ID: "enc-whitespace", Title: "CR LF inside a segment is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.LenientBase64, Mutation: "enc-whitespace"}, malformedW),
		negM(Case{ID: "enc-leading-space", Title: "spaces around the assertion are refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.LenientBase64, Mutation: "enc-leading-space"}, malformedW),
		negM(Case{ID: "enc-non-canonical", Title: "a signature segment with non-zero unused trailing bits is refused", Family: "encoding", Flows: allFlows,
			Clause: clause("RFC4648", "3.5", `In some environments, the alteration is critical and therefore decoders MAY chose to reject an encoding if the pad bits have not been set to zero.`),
			Level:  MAY, Flaw: R.LenientBase64, Mutation: "enc-non-canonical"}, malformedW),
		negM(Case{ID: "enc-json-serialization", Title: "the JWS JSON serialization is refused as an assertion", Family: "encoding", Flows: allFlows,
			Clause: cGrant, Level: MUST, Flaw: R.JSONSerialization, Mutation: "enc-json-serialization"}, malformedW),
		negM(Case{ID: "enc-jwe", Title: "a five-part JWE in place of a signed JWT is refused", Family: "encoding", Flows: allFlows,
			Clause: cSig, Level: MUST, Flaw: R.JWEPassthrough, Mutation: "enc-jwe"}, malformedW),
		negM(Case{ID: "enc-duplicate-claims", Title: "a payload with a second, foreign aud after the valid one is refused", Family: "encoding", Flows: allFlows,
			Clause: cDupClaims, Level: MUST, Flaw: R.DuplicateFirstWins, Mutation: "enc-duplicate-claims"}, malformedW),
		negM(Case{ID: "enc-oversize", Title: "a 1 MiB assertion is refused (400 or 413), never 5xx", Family: "encoding", Flows: allFlows,
			Clause: cPolicySize, Level: POLICY, Policy: PolicyAssertionBytes, Flaw: R.NoSizeLimit, Mutation: "enc-oversize"},
			func(s *session) want {
				w := malformedErr(s.flow)
				w.codes = append(w.codes, "invalid_request")
				w.warn = nil
				w.statuses = []int{http.StatusRequestEntityTooLarge}
				return w
			}),
		negM(Case{ID: "enc-not-jwt", Title: "an assertion that is not a JWT is refused", Family: "encoding", Flows: allFlows,
			Clause: cGrant, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-not-jwt"}, malformedW),
		negM(Case{ID: "enc-header-not-json", Title: "a header segment that is not JSON is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-header-not-json"}, malformedW),
		negM(Case{ID: "enc-header-not-object", Title: "a header segment that is JSON null is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-header-not-object"}, malformedW),
		negM(Case{ID: "enc-payload-not-object", Title: "a validly signed payload that is a JSON array is refused", Family: "encoding", Flows: allFlows,
			Clause: cJWTValidate, Level: MUST, Flaw: R.ServerErrorOnBad, Mutation: "enc-payload-not-object"}, malformedW),
	}
}

// setHeader adds a protected header member to the spec.
func setHeader(sp *fixtures.Spec, k string, v any) {
	h := make(map[jose.HeaderKey]any, len(sp.Header)+1)
	for a, b := range sp.Header {
		h[a] = b
	}
	h[jose.HeaderKey(k)] = v
	sp.Header = h
}

// useAlg makes the assertion sign with the flow's credential for alg.
func useAlg(alg jose.SignatureAlgorithm) mutation {
	return specEdit(func(s *session, sp *fixtures.Spec) error {
		c := s.env.Target.Credential(s.flow, alg)
		if c == nil {
			return fmt.Errorf("%w: flows.%s has no %s credential", fixtures.ErrNotApplicable, s.flow, alg)
		}
		sp.Cred = c
		return nil
	})
}

// rsaWithoutOtherScheme picks a registered RSA credential of this flow
// (the primary, else an alternate) whose key the target does not also list
// under the other RSA signature scheme (RS256 <-> PS256): mutation
// sig-alg-not-registered then signs with that scheme.
func rsaWithoutOtherScheme(s *session, sp *fixtures.Spec) error {
	fc := s.env.Target.Flows[s.flow]
	for _, c := range append([]*fixtures.Credential{fc.Credential}, fc.Alternates...) {
		if c == nil {
			continue
		}
		if _, ok := c.Key.(*rsa.PrivateKey); !ok {
			continue
		}
		alg := jose.PS256
		if strings.HasPrefix(string(c.Alg), "PS") {
			alg = jose.RS256
		}
		if o := s.env.Target.Credential(s.flow, alg); o != nil && o.Key == c.Key {
			continue
		}
		sp.Cred = c
		if p := s.env.Target.Policy; !p.AcceptsAlg(alg) {
			s.declared = fmt.Sprintf("policy.algorithms %v excludes %s", p.Algorithms, alg)
		}
		return nil
	}
	return fmt.Errorf("%w: flows.%s has no RSA credential", fixtures.ErrNotApplicable, s.flow)
}

// hintOnly is the body of a case whose mutation the endpoint may ignore
// (a kid is only a hint): issued is a PASS; a refusal must carry the flow's
// error and every negative-case invariant (never 5xx).
func hintOnly(m mutation) RunFunc {
	return body(func(s *session) reports.Verdict {
		req, end := s.controlThen(m)
		if end != nil {
			return *end
		}
		ex := s.send("case (may be issued, or refused with the flow's error; never 5xx)", req)
		if ex.Issued() {
			return s.finish(pass("issued (kid is a hint) or "+flowErr(s.flow).String(), describe(ex)))
		}
		return s.finish(s.judgeRejected(ex, flowErr(s.flow)))
	})
}

// ---- replay bodies ----

type replayKind int

const (
	sameBytes replayKind = iota // the identical request again
	sameJTI                     // a newly signed assertion with the used jti
	malleated                   // the used ECDSA assertion with s replaced by n - s
)

func replay(kind replayKind) RunFunc {
	return body(func(s *session) reports.Verdict {
		jti := fixtures.NewJTI()
		sp := s.spec()
		if kind == malleated {
			c := s.env.Target.Credential(s.flow, jose.ES256)
			if c == nil {
				return skipf("flows.%s has no ES256 credential", s.flow)
			}
			sp.Cred = c
		}
		sp.Claims = append(sp.Claims, func(c fixtures.Claims) { c["jti"] = jti })
		tok, err := s.mint(sp)
		if err != nil {
			return errorf("could not mint the assertion: %v", err)
		}
		first := s.request(tok)
		if _, bad := s.control(first); bad != nil {
			return *bad
		}
		var again string
		switch kind {
		case sameBytes:
			again = tok
		case sameJTI:
			sp2 := s.spec()
			sp2.Claims = append(sp2.Claims, func(c fixtures.Claims) {
				c["jti"] = jti
				c["iat"] = s.now().Add(-time.Second).Unix()
				ahead := 90 * time.Second
				if half := s.maxLifetime() / 2; half > 0 && half < ahead {
					ahead = half
				}
				c["exp"] = s.now().Add(ahead).Unix()
			})
			if again, err = s.mint(sp2); err != nil {
				return errorf("could not mint the second assertion: %v", err)
			}
		}
		if kind == malleated {
			if again, err = malleate(sp.Cred, tok); err != nil {
				return errorf("could not re-encode the signature: %v", err)
			}
		}
		ex := s.send("replay (same jti; must be refused)", s.request(again))
		return s.finish(s.judgeRejected(ex, flowErr(s.flow)))
	})
}

// replayWindow: an assertion with jti J is used; the endpoint's clock then
// moves half the assertion's lifetime ahead, and a new assertion (new iat,
// exp and signature) reusing J is sent while the first would still be
// accepted. The used jti must be remembered until the first assertion's
// exp + leeway (RFC 7523 §3 item 7), not for a shorter fixed time.
func replayWindow(s *session) reports.Verdict {
	t0 := s.now()
	jti := fixtures.NewJTI()
	var exp int64
	sp := s.spec()
	sp.Claims = append(sp.Claims, func(c fixtures.Claims) {
		c["jti"] = jti
		exp, _ = c["exp"].(int64)
	})
	tok, err := s.mint(sp)
	if err != nil {
		return errorf("could not mint the first assertion: %v", err)
	}
	if _, bad := s.control(s.request(tok)); bad != nil {
		return *bad
	}
	life := time.Unix(exp, 0).Sub(t0)
	if life < 2*time.Second {
		return errorf("the first assertion's lifetime (%s) is too short to move the clock inside it", life)
	}
	adv := (life / 2).Truncate(time.Second)
	s.env.Clock.Advance(adv)
	sp2 := s.spec()
	sp2.Claims = append(sp2.Claims, func(c fixtures.Claims) { c["jti"] = jti })
	again, err := s.mint(sp2)
	if err != nil {
		return errorf("could not mint the second assertion: %v", err)
	}
	ex := s.send(fmt.Sprintf("%s later (the first assertion is still valid): a new assertion reusing its jti, with a new iat, exp and signature; must be refused", adv), s.request(again))
	v := s.judgeRejected(ex, flowErr(s.flow))
	if v.Outcome == reports.Fail && ex.Issued() {
		v.Reason = fmt.Sprintf("the jti was forgotten %s after its first use although that assertion was still valid: used jti values must be kept until exp + leeway", adv)
	}
	return s.finish(v)
}

// concurrentReplay fires n copies of one fresh assertion at once: exactly
// one may be issued a token.
func concurrentReplay(n int) RunFunc {
	return body(func(s *session) reports.Verdict {
		_, end := s.sendControl()
		if end != nil {
			return *end
		}
		req, err := s.validRequest()
		if err != nil {
			return errorf("could not mint the assertion: %v", err)
		}
		exs := make([]*driver.Exchange, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range exs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				exs[i] = s.env.Client.Do(s.ctx, req.Clone())
			}(i)
		}
		close(start)
		wg.Wait()
		issued, refused, other := 0, 0, 0
		var firstRefused *driver.Exchange
		for _, ex := range exs {
			switch {
			case ex.Issued():
				issued++
				if issued <= 2 {
					s.record(fmt.Sprintf("parallel copy issued (#%d)", issued), ex)
				}
			case ex.Err == nil && ex.Status >= 400 && ex.Status < 500:
				refused++
				if firstRefused == nil {
					firstRefused = ex
					s.record("parallel copy refused (first)", ex)
				}
			default:
				other++
				s.record("parallel copy with neither a token nor a 4xx", ex)
			}
		}
		exp := fmt.Sprintf("of %d parallel copies exactly 1 issued and %d refused with %s", n, n-1, flowErr(s.flow).String())
		act := fmt.Sprintf("%d issued, %d refused (4xx), %d other", issued, refused, other)
		switch {
		case issued == n:
			return fail(exp, act, "no replay detection: every parallel copy of one assertion was issued a token")
		case issued > 1:
			return fail(exp, act, "the replay check is not atomic: several parallel copies of one assertion were each issued a token")
		case issued == 0:
			s.invariant = true
			return fail(exp, act, "no copy of a valid assertion was issued a token")
		case other > 0:
			s.invariant = true
			return fail(exp, act, "some parallel copies got neither a token nor a 4xx error")
		}
		v := s.judgeRejected(firstRefused, flowErr(s.flow))
		v.Expected, v.Actual = exp, act+"; first refusal: "+describe(firstRefused)
		return s.finish(v)
	})
}

// burnedEarly: an assertion refused for its aud must not record its jti,
// so a valid assertion with the same jti is then issued.
func burnedEarly(s *session) reports.Verdict {
	_, end := s.sendControl()
	if end != nil {
		return *end
	}
	jti := fixtures.NewJTI()
	bad := s.spec()
	bad.Claims = append(bad.Claims, func(c fixtures.Claims) { c["jti"] = jti; c["aud"] = fixtures.ForeignAudience })
	tok, err := s.mint(bad)
	if err != nil {
		return errorf("could not mint: %v", err)
	}
	ex := s.send("assertion with a foreign aud and jti J (must be refused)", s.request(tok))
	if v := s.judgeRejected(ex, flowErr(s.flow)); v.Outcome == reports.Fail {
		return v
	}
	good := s.spec()
	good.Claims = append(good.Claims, func(c fixtures.Claims) { c["jti"] = jti })
	if tok, err = s.mint(good); err != nil {
		return errorf("could not mint: %v", err)
	}
	ex = s.send("valid assertion with the same jti J (must be issued: J was never used)", s.request(tok))
	v := s.judgeIssued(ex)
	if v.Outcome == reports.Fail {
		v.Reason = "a refused assertion burned its jti: the replay cache recorded J before the other checks"
	}
	return v
}

// keyRotation signs the flow's valid assertion as the rotating client, once
// with its current key and once with the key rotated in (both registered,
// no kid): each must be issued a token, so the endpoint must try every
// registered key of the client, not only the first.
func keyRotation(s *session) reports.Verdict {
	t := s.env.Target
	steps := []struct {
		label string
		cred  *fixtures.Credential
	}{
		{"assertion signed by the rotating client's current (first registered) key; must be issued", t.RotatingClient},
		{"assertion signed by the key rotated in (second registered certificate); must be issued", t.RotatingClientNext},
	}
	var last reports.Verdict
	for i, st := range steps {
		if st.cred == nil {
			return skipf("the target file declares no rotating_client")
		}
		tok, err := s.mint(s.specFor(st.cred))
		if err != nil {
			return errorf("could not mint: %v", err)
		}
		req := s.request(tok)
		if s.flow.ClientAuth() && req.Has("client_id") {
			req.Set("client_id", st.cred.ClientID)
		}
		ex := s.send(st.label, req)
		last = s.judgeIssued(ex)
		if last.Outcome == reports.Fail || last.Outcome == reports.Error {
			if i == 0 {
				return errorf("the rotating client's current key was refused, so rotation cannot be judged (check rotating_client in the target file and the registry): %s", describe(ex))
			}
			last.Reason = "the key rotated in was refused although its certificate is registered: the endpoint tries only one of the client's keys, so a key rollover breaks the client"
			return last
		}
	}
	return last
}

// ---- remote key URLs (jku, x5u) ----

// remoteKey serves the unregistered key (a JWK set for jku, a PEM
// certificate for x5u) on a loopback listener, signs with it, names the URL
// in the header, and records whether the endpoint fetched it.
func remoteKey(member string) RunFunc {
	return body(func(s *session) reports.Verdict {
		u := s.unregistered()
		if u == nil || u.Key == nil {
			return skipf("no unregistered key")
		}
		var fetches atomic.Int32
		var payload []byte
		ctype := "application/jwk-set+json"
		if member == "x5u" {
			if u.Certificate == nil {
				return skipf("no certificate for the unregistered key")
			}
			payload = fixtures.EncodeCertificatePEM(u.Certificate)
			ctype = "application/pem-certificate-chain"
		} else {
			set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: u.Key.Public(), KeyID: "harness", Algorithm: string(u.Alg), Use: "sig"}}}
			var err error
			if payload, err = json.Marshal(set); err != nil {
				return errorf("could not encode the key set: %v", err)
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return errorf("could not listen on loopback: %v", err)
		}
		srv := &http.Server{ReadHeaderTimeout: 2 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fetches.Add(1)
			w.Header().Set("Content-Type", ctype)
			_, _ = w.Write(payload)
		})}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		s.jku = "http://" + ln.Addr().String() + "/keys"
		m := named("hdr-" + member)
		v := s.reject(m, flowErr(s.flow))
		if n := fetches.Load(); n > 0 && (v.Outcome == reports.Pass || v.Outcome == reports.Warn) {
			reason := "the endpoint fetched the " + member + " URL named by an untrusted header (RFC 8725 §3.10: SSRF risk)"
			if v.Reason != "" {
				reason = v.Reason + "; also: " + reason
			}
			v = warn(v.Expected+"; the URL not fetched", v.Actual+fmt.Sprintf("; the endpoint fetched %s %d time(s)", s.jku, n), reason)
		}
		return v
	})
}

// peerPair finds a credential of this flow (the primary, else an
// alternate) and another registered client whose key signs with the same
// algorithm: the other client, any flow's credentials, then (unless
// enabledOnly) the restricted and disabled clients, whose certificates are
// registered too. With keys of different algorithms the endpoint's
// algorithm pinning alone would refuse, and the case would not show whether
// key ownership is checked. A peer holding the same key pair is passed
// over. nil, nil when the target has no such pair.
func (s *session) peerPair(enabledOnly bool) (me, peer *fixtures.Credential) {
	t := s.env.Target
	fc := t.Flows[s.flow]
	if fc == nil {
		return nil, nil
	}
	mc := s.mutationContext()
	for _, m := range append([]*fixtures.Credential{fc.Credential}, fc.Alternates...) {
		if p := mc.Peer(m, !enabledOnly); p != nil {
			return m, p
		}
	}
	return nil, nil
}

// asPair makes the assertion this flow's credential me's (claims and the
// client_id parameter) and lets edit sign it in some way involving peer.
func asPair(enabledOnly bool, edit func(s *session, sp *fixtures.Spec, me, peer *fixtures.Credential)) mutation {
	return mutation{
		spec: func(s *session, sp *fixtures.Spec) error {
			me, peer := s.peerPair(enabledOnly)
			if me == nil {
				return fmt.Errorf("%w: no other registered client signs with the algorithm of a %s credential", fixtures.ErrNotApplicable, s.flow)
			}
			sp.Cred = me
			edit(s, sp, me, peer)
			return nil
		},
		req: func(s *session, r *driver.Request) error {
			if me, _ := s.peerPair(enabledOnly); me != nil && r.Has("client_id") {
				r.Set("client_id", me.ClientID)
			}
			return nil
		},
	}
}

// withPeer applies the fixtures mutation name (key-other-client,
// claims-iss-other-client) as this flow's credential of a peer pair (see
// peerPair), with that peer as the mutation's other client: a peer whose
// key signs with the same algorithm, so that algorithm pinning alone does
// not refuse the assertion.
func withPeer(enabledOnly bool, name string) mutation {
	return asPair(enabledOnly, func(*session, *fixtures.Spec, *fixtures.Credential, *fixtures.Credential) {}).then(named(name))
}

// malleate replaces the ECDSA signature (r, s) by (r, n - s): a different
// token string that still verifies (ECDSA signatures are malleable unless a
// verifier insists on low s), with the same claims and jti.
func malleate(cred *fixtures.Credential, tok string) (string, error) {
	k, ok := cred.Key.(*ecdsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("not an ECDSA key")
	}
	sig, err := malformed.DecodeSignature(tok)
	if err != nil {
		return "", err
	}
	half := len(sig) / 2
	n := k.Curve.Params().N
	sv := new(big.Int).SetBytes(sig[half:])
	sv.Sub(n, sv)
	out := append([]byte(nil), sig[:half]...)
	out = append(out, sv.FillBytes(make([]byte, half))...)
	return malformed.ReplaceSignature(tok, out)
}
