package reference

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	badjws "github.com/jwtharness/jwtharness/fixtures/malformed"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// acceptanceOracle judges a verifier's answer independently of it: an
// accepted assertion must verify with go-jose under a key registered for
// the client and the algorithm the verifier names, and satisfy the claim
// rules (iss, sub, aud, exp, nbf, iat, jti) at the verifier's clock; a
// refusal must carry an RFC 6749 code of the flow, a 4xx status and a
// clean description.
type acceptanceOracle struct {
	reg      *registry.Registry
	audience string
	issuer   string
	bis      bool
	now      time.Time
	leeway   time.Duration
	maxLife  time.Duration
}

func newOracle(v *Verifier) acceptanceOracle {
	o := v.Options()
	return acceptanceOracle{reg: o.Registry, audience: o.Audience, issuer: o.Issuer, bis: o.Profile == "rfc7523bis",
		now: o.Now(), leeway: o.Leeway, maxLife: o.MaxLifetime}
}

// verifyAndJudge runs one assertion through v and returns whether v
// accepted it and what the oracle finds wrong with the answer (nil: the
// answer is right). FuzzVerify and TestOracleCatchesFlaws share it.
func verifyAndJudge(v *Verifier, p Purpose, tok string) (bool, error) {
	o := newOracle(v)
	start := time.Now()
	res, err := v.Verify(context.Background(), p, tok)
	if d := time.Since(start); d > 2*time.Second {
		return err == nil, fmt.Errorf("verification took %v", d)
	}
	if err != nil {
		return false, o.judgeRefusal(p, err)
	}
	return true, o.judgeAcceptance(p, tok, res)
}

func (o acceptanceOracle) judgeRefusal(p Purpose, err *OAuthError) error {
	if !rfc6749Codes[err.Code] {
		return fmt.Errorf("error code %q is not an RFC 6749 code", err.Code)
	}
	if p == PurposeGrant && err.Code == ErrInvalidClient || p == PurposeClientAuth && err.Code == ErrInvalidGrant {
		return fmt.Errorf("error code %q for %v", err.Code, p)
	}
	if err.Status < 400 || err.Status >= 500 && err.Code != ErrTemporarilyUnavailable {
		return fmt.Errorf("status %d for bad input", err.Status)
	}
	if strings.ContainsAny(err.Description, "\"\\\r\n") || sanitizeDesc(err.Description) != err.Description {
		return fmt.Errorf("description outside the RFC 6749 charset: %q", err.Description)
	}
	return nil
}

// errBypass marks an accepted assertion the oracle refuses.
var errBypass = errors.New("accepted an assertion that must be refused")

func (o acceptanceOracle) judgeAcceptance(p Purpose, tok string, res *Result) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", errBypass, fmt.Sprintf(format, a...))
	}
	if res == nil || res.Client == nil {
		return bad("success without a result")
	}
	c, ok := o.reg.Lookup(res.Client.ID)
	if !ok {
		return bad("client %q is not registered", res.Client.ID)
	}
	if c.Disabled {
		return bad("client %q is disabled", c.ID)
	}
	if !c.AllowsAlg(res.Alg) {
		return bad("alg %q is not registered for %q", res.Alg, c.ID)
	}
	hmac := registry.IsHMAC(res.Alg)
	wantMethod := registry.MethodJWTBearer
	switch {
	case p == PurposeClientAuth && hmac:
		wantMethod = registry.MethodClientSecretJWT
	case p == PurposeClientAuth:
		wantMethod = registry.MethodPrivateKeyJWT
	}
	if res.Method != wantMethod || !c.Allows(wantMethod) {
		return bad("method %q (want %q, registered %v)", res.Method, wantMethod, c.Methods)
	}

	// The signature, with go-jose, under the registered key and algorithm.
	jws, err := jose.ParseSignedCompact(tok, []jose.SignatureAlgorithm{res.Alg})
	if err != nil {
		return bad("go-jose cannot parse it as a compact %s JWS: %v", res.Alg, err)
	}
	var keys []any
	if hmac {
		if c.Secret != nil {
			keys = append(keys, c.Secret)
		}
	} else {
		for _, cert := range c.Certificates {
			if o.now.Before(cert.NotBefore) || o.now.After(cert.NotAfter) {
				continue
			}
			if rk, ok := cert.PublicKey.(*rsa.PublicKey); ok && rk.N.BitLen() < 2048 {
				continue
			}
			keys = append(keys, cert.PublicKey)
		}
	}
	var payload []byte
	for _, k := range keys {
		if b, err := jws.Verify(k); err == nil {
			payload = b
			break
		}
	}
	if payload == nil {
		return bad("the signature does not verify with go-jose under any key registered for %q with %s", c.ID, res.Alg)
	}

	// The claims.
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var cl map[string]any
	if err := dec.Decode(&cl); err != nil {
		return bad("claims are not a JSON object: %v", err)
	}
	str := func(name string) (string, bool) { s, ok := cl[name].(string); return s, ok }
	if iss, _ := str("iss"); iss != c.ID {
		return bad("iss %q is not the client %q", cl["iss"], c.ID)
	}
	sub, _ := str("sub")
	switch {
	case sub == "":
		return bad("sub missing or not a string")
	case p == PurposeClientAuth && sub != c.ID:
		return bad("client assertion sub %q is not the client_id", sub)
	case p == PurposeGrant && !c.AllowsSubject(sub):
		return bad("sub %q is not permitted for %q", sub, c.ID)
	}
	var auds []string
	switch a := cl["aud"].(type) {
	case string:
		auds = []string{a}
	case []any:
		for _, x := range a {
			s, ok := x.(string)
			if !ok {
				return bad("aud array member %v is not a string", x)
			}
			auds = append(auds, s)
		}
	default:
		return bad("aud %v is neither a string nor an array of strings", cl["aud"])
	}
	if o.bis && p == PurposeClientAuth {
		if len(auds) != 1 || auds[0] != o.issuer {
			return bad("rfc7523bis client assertion aud %q is not the issuer alone", auds)
		}
	} else if !slices.Contains(auds, o.audience) && (o.issuer == "" || !slices.Contains(auds, o.issuer)) {
		return bad("aud %q names neither %q nor %q", auds, o.audience, o.issuer)
	}
	now := float64(o.now.UnixNano()) / 1e9
	lee := o.leeway.Seconds()
	date := func(name string) (float64, bool, error) {
		raw, present := cl[name]
		if !present {
			return 0, false, nil
		}
		n, ok := raw.(json.Number)
		if !ok {
			return 0, true, bad("%s %v is not a JSON number", name, raw)
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, true, bad("%s %v is out of range", name, raw)
		}
		return f, true, nil
	}
	exp, ok, err := date("exp")
	if err != nil {
		return err
	}
	if !ok {
		return bad("exp missing")
	}
	if !(now < exp+lee) {
		return bad("expired: exp %v, now %v, leeway %v", exp, now, lee)
	}
	if exp > now+o.maxLife.Seconds()+lee {
		return bad("exp %v beyond now + max lifetime + leeway", exp)
	}
	if nbf, ok, err := date("nbf"); err != nil {
		return err
	} else if ok && nbf > now+lee {
		return bad("nbf %v in the future", nbf)
	}
	iat, ok, err := date("iat")
	if err != nil {
		return err
	}
	if !ok && p == PurposeGrant {
		return bad("bearer grant without iat")
	}
	if ok && iat > now+lee {
		return bad("iat %v in the future", iat)
	}
	if jti, isString := str("jti"); p == PurposeClientAuth && (!isString || jti == "") {
		return bad("client assertion without a jti string")
	} else if _, present := cl["jti"]; present && !isString {
		return bad("jti %v is not a string", cl["jti"])
	}
	return nil
}

// fuzzSeeds are valid assertions of every flow, every fixtures mutation
// of them, and the fixtures/malformed kit applied to each valid one.
func fuzzSeeds(tb testing.TB, now time.Time) []string {
	c := getCreds(tb)
	m := &fixtures.Minter{Now: func() time.Time { return now }, Lifetime: 4 * time.Minute}
	type flowCred struct {
		flow fixtures.Flow
		cred *fixtures.Credential
	}
	fcs := []flowCred{
		{fixtures.FlowJWTBearer, c.rsa}, {fixtures.FlowPrivateKeyJWT, c.ec},
		{fixtures.FlowPrivateKeyJWT, c.ed}, {fixtures.FlowClientSecretJWT, c.secret},
	}
	ctx := fixtures.MutationContext{Other: c.hybrid, Unregistered: c.stranger, TokenEndpoint: benchAudience, Issuer: "https://as.example", OversizeBytes: 4096}
	var seeds []string
	for _, fc := range fcs {
		spec := fixtures.Spec{Flow: fc.flow, Cred: fc.cred, Audience: benchAudience}
		valid, err := m.Mint(spec)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, valid)
		for _, mu := range fixtures.Mutations() {
			s, err := fixtures.Mutate(spec, mu.Name, ctx)
			if err != nil {
				continue
			}
			if tok, err := m.Mint(s); err == nil {
				seeds = append(seeds, tok)
			}
		}
		kit := []func(string) (string, error){
			badjws.EmptySignature, badjws.FlipSignatureBit, badjws.GarbageSignature, badjws.ZeroSignature,
			badjws.ECDSAToDER, badjws.TwoParts, badjws.FourParts, badjws.NonCanonical, badjws.FlattenedJSON,
			badjws.JWEFromCompact,
			func(t string) (string, error) { return badjws.GeneralJSON(t) },
			func(t string) (string, error) { return badjws.TruncateSignature(t, 4) },
			func(t string) (string, error) { return badjws.AlgNone(t, "nOnE", false) },
			func(t string) (string, error) { return badjws.AlgNone(t, "none", true) },
			func(t string) (string, error) { return badjws.SetHeaderMember(t, "alg", "HS1") },
			func(t string) (string, error) { return badjws.SetHeaderMember(t, "crit", []string{"exp"}) },
			func(t string) (string, error) { return badjws.InsertIntoSegment(t, 1, "!") },
			func(t string) (string, error) {
				return badjws.ReplacePayload(t, append([]byte(`{"x":`), append(badjws.Nested(200), '}')...))
			},
			func(t string) (string, error) { return badjws.Pad(t), nil },
			func(t string) (string, error) { return badjws.StdAlphabet(t), nil },
			func(t string) (string, error) { return badjws.Surround(t, " ", "\n"), nil },
			func(t string) (string, error) { return badjws.TrailingGarbage(t, ".x"), nil },
		}
		for _, k := range kit {
			if tok, err := k(valid); err == nil {
				seeds = append(seeds, tok)
			}
		}
	}
	return append(seeds, "", ".", "..", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsieCJdfQ.e30.AAAA",
		`{"payload":"e30","signatures":[]}`, "a.b.c.d.e")
}

// FuzzVerify: whatever the assertion, the verifier neither panics nor
// hangs, and the acceptance oracle agrees with its answer: everything it
// accepts verifies with go-jose under the client's registered key and
// algorithm and meets the claim rules; everything it refuses carries an
// RFC 6749 code of the flow.
func FuzzVerify(f *testing.F) {
	now := time.Now()
	v := newTestVerifier(f, Options{Now: func() time.Time { return now }})
	for _, tok := range fuzzSeeds(f, now) {
		f.Add(tok, true)
		f.Add(tok, false)
	}
	f.Fuzz(func(t *testing.T, tok string, grant bool) {
		p := PurposeClientAuth
		if grant {
			p = PurposeGrant
		}
		if _, err := verifyAndJudge(v, p, tok); err != nil {
			t.Fatal(err)
		}
	})
}

// TestOracleCatchesFlaws: the fuzz oracle is not vacuous. Over the seed
// corpus it agrees with the correct verifier, and it reports a bypass for
// a verifier with a flaw injected (signature-not-verified first of all).
func TestOracleCatchesFlaws(t *testing.T) {
	now := time.Now()
	seeds := fuzzSeeds(t, now)
	run := func(flaws ...Flaw) (accepted int, bypasses []string) {
		v := newTestVerifier(t, Options{Now: func() time.Time { return now }, Flaws: flaws})
		for _, tok := range seeds {
			for _, p := range []Purpose{PurposeGrant, PurposeClientAuth} {
				ok, err := verifyAndJudge(v, p, tok)
				if ok {
					accepted++
				}
				if errors.Is(err, errBypass) {
					bypasses = append(bypasses, err.Error())
				} else if err != nil && len(flaws) == 0 {
					t.Errorf("correct verifier: %v", err)
				}
			}
		}
		return accepted, bypasses
	}
	accepted, bypasses := run()
	if accepted == 0 {
		t.Fatal("the correct verifier accepted no seed: the oracle judged no acceptance")
	}
	if len(bypasses) > 0 {
		t.Fatalf("the oracle flags the correct verifier:\n%s", strings.Join(bypasses, "\n"))
	}
	for _, tc := range []struct {
		flaw Flaw
		want string // a word of the oracle's finding
	}{
		{FlawSigNotVerified, "signature does not verify"},
		{FlawAlgNoneAccepted, `alg "none"`},
		{FlawAudIgnored, "aud"},
		{FlawExpIgnored, "expired"},
		{FlawSubNotClient, "sub"},
		{FlawECDSANoRangeCheck, "signature does not verify"},
	} {
		t.Run(string(tc.flaw), func(t *testing.T) {
			_, bypasses := run(tc.flaw)
			if len(bypasses) == 0 {
				t.Fatalf("the oracle found no bypass in a verifier with flaw %s", tc.flaw)
			}
			if !strings.Contains(strings.Join(bypasses, "\n"), tc.want) {
				t.Fatalf("no finding mentions %q:\n%s", tc.want, strings.Join(bypasses, "\n"))
			}
		})
	}
}
