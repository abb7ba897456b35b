package reference

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/jwtharness/jwtharness/fixtures"
)

// rfc6749Codes are the only error codes the verifier may produce without
// flaws (temporarily_unavailable only when the replay cache is full).
var rfc6749Codes = map[string]bool{
	ErrInvalidRequest: true, ErrInvalidClient: true, ErrInvalidGrant: true,
	ErrUnauthorizedClient: true, ErrTemporarilyUnavailable: true,
}

const benchAudience = "https://as.example/token"

func newTestVerifier(tb testing.TB, opts Options) *Verifier {
	tb.Helper()
	if opts.Registry == nil {
		opts.Registry = testRegistry(tb)
	}
	if opts.Audience == "" {
		opts.Audience = benchAudience
	}
	v, err := NewVerifier(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func mintFor(tb testing.TB, flow fixtures.Flow, cred *fixtures.Credential, edits ...func(fixtures.Claims)) string {
	tb.Helper()
	m := &fixtures.Minter{Lifetime: 4 * time.Minute}
	tok, err := m.Mint(fixtures.Spec{Flow: flow, Cred: cred, Audience: benchAudience, Claims: edits})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func TestVerifierWithoutHTTP(t *testing.T) {
	c := getCreds(t)
	v := newTestVerifier(t, Options{})
	ctx := context.Background()
	res, err := v.Verify(ctx, PurposeGrant, mintFor(t, fixtures.FlowJWTBearer, c.rsa))
	if err != nil || res.Client.ID != "client-rsa" || res.Subject != "alice" || res.Alg != jose.RS256 {
		t.Fatalf("grant: %+v %v", res, err)
	}
	res, err = v.Verify(ctx, PurposeClientAuth, mintFor(t, fixtures.FlowClientSecretJWT, c.secret))
	if err != nil || res.Method != "client_secret_jwt" {
		t.Fatalf("client_secret_jwt: %+v %v", res, err)
	}
	res, err = v.Verify(ctx, PurposeClientAuth, mintFor(t, fixtures.FlowPrivateKeyJWT, c.ec))
	if err != nil || res.Method != "private_key_jwt" {
		t.Fatalf("private_key_jwt: %+v %v", res, err)
	}
	if _, err := v.Verify(ctx, Purpose(9), "a.b.c"); err == nil || err.Code != ErrInvalidRequest {
		t.Fatalf("unknown purpose: %v", err)
	}
}

// TestReplayCapacity: a cache full of live entries fails closed with 503
// temporarily_unavailable and Retry-After; expired entries make room.
func TestReplayCapacity(t *testing.T) {
	c := getCreds(t)
	now := time.Now()
	clock := func() time.Time { return now }
	var mu sync.Mutex
	v := newTestVerifier(t, Options{ReplayCapacity: 2, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock() }})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := v.Verify(ctx, PurposeClientAuth, mintFor(t, fixtures.FlowClientSecretJWT, c.secret)); err != nil {
			t.Fatal(err)
		}
	}
	_, err := v.Verify(ctx, PurposeClientAuth, mintFor(t, fixtures.FlowClientSecretJWT, c.secret))
	if err == nil || err.Code != ErrTemporarilyUnavailable || err.Status != 503 || err.Header.Get("Retry-After") == "" {
		t.Fatalf("full cache: %+v", err)
	}
	mu.Lock()
	later := now.Add(4*time.Minute + 61*time.Second)
	clock = func() time.Time { return later }
	mu.Unlock()
	m := &fixtures.Minter{Now: clock}
	tok, _ := m.Mint(fixtures.Spec{Flow: fixtures.FlowClientSecretJWT, Cred: c.secret, Audience: benchAudience})
	if _, err := v.Verify(ctx, PurposeClientAuth, tok); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

// benchCase is one algorithm of BenchmarkVerify.
type benchCase struct {
	name string
	cred func(*creds) *fixtures.Credential
	flow fixtures.Flow
}

var benchCases = []benchCase{
	{"RS256-2048", func(c *creds) *fixtures.Credential { return c.rsa }, fixtures.FlowPrivateKeyJWT},
	{"PS256", func(c *creds) *fixtures.Credential { return c.ps }, fixtures.FlowPrivateKeyJWT},
	{"ES256", func(c *creds) *fixtures.Credential { return c.ec }, fixtures.FlowPrivateKeyJWT},
	{"EdDSA", func(c *creds) *fixtures.Credential { return c.ed }, fixtures.FlowPrivateKeyJWT},
	{"HS256", func(c *creds) *fixtures.Credential { return c.secret }, fixtures.FlowClientSecretJWT},
}

const benchPool = 256

// BenchmarkVerify compares the reference verifier (the whole assertion
// pipeline: charset, parse, header, claims, registry, signature, claim
// checks, replay insert) with go-jose's raw ParseSignedCompact + Verify of
// the same tokens. The pool holds distinct jti values; the replay cache is
// emptied each time the pool wraps around.
func BenchmarkVerify(b *testing.B) {
	c := getCreds(b)
	v := newTestVerifier(b, Options{})
	ctx := context.Background()
	for _, bc := range benchCases {
		cred := bc.cred(c)
		pool := make([]string, benchPool)
		for i := range pool {
			pool[i] = mintFor(b, bc.flow, cred)
		}
		key := cred.SigningKey()
		if cred.Key != nil {
			key = cred.Key.Public()
		}
		algs := []jose.SignatureAlgorithm{cred.Alg}
		b.Run(bc.name+"/reference", func(b *testing.B) {
			v.replay.reset()
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				j := i % benchPool
				if j == 0 && i > 0 {
					v.replay.reset()
				}
				if _, err := v.Verify(ctx, PurposeClientAuth, pool[j]); err != nil {
					b.Fatal(err)
				}
			}
		})
		// raw-claims: the least any go-jose verifier of a JWT does, parse,
		// verify and decode the registered claims (jwt.ParseSigned + Claims).
		b.Run(bc.name+"/raw-claims", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tok, err := jwt.ParseSigned(pool[i%benchPool], algs)
				if err != nil {
					b.Fatal(err)
				}
				var cl jwt.Claims
				if err := tok.Claims(key, &cl); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/raw", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				jws, err := jose.ParseSignedCompact(pool[i%benchPool], algs)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := jws.Verify(key); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLogsHoldNoSecrets: the request log names clients and reasons, never
// an assertion, an access token or a secret.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	}), nil))
	e := newEnv(t, Options{Logger: logger})
	good := e.mustMint(fixtures.FlowClientSecretJWT, nil, "valid")
	bad := e.mustMint(fixtures.FlowClientSecretJWT, nil, "aud-wrong")
	r := e.post(form(fixtures.FlowClientSecretJWT, good))
	e.post(form(fixtures.FlowClientSecretJWT, bad))
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	tok, _ := r.json["access_token"].(string)
	for _, secret := range []string{good, bad, good[strings.LastIndexByte(good, '.')+1:], string(e.c.secret.Secret), tok} {
		if secret != "" && strings.Contains(out, secret) {
			t.Fatalf("log leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "client-secret") || !strings.Contains(out, "aud does not contain") {
		t.Fatalf("log lacks client or reason:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestUnstartedServer(t *testing.T) {
	s, err := NewUnstartedServer(Options{Registry: testRegistry(t), Flaws: []Flaw{"no-such-flaw"}})
	if err == nil {
		s.Close()
		t.Fatal("unknown flaw accepted")
	}
	s, err = NewUnstartedServer(Options{Registry: testRegistry(t)})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	res, err := s.Client().Get(s.URL + MetadataPath)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("metadata: %v %v", res, err)
	}
	res.Body.Close()
	s.Close()
	if _, err := NewHandler(Options{Registry: testRegistry(t)}); err == nil {
		t.Fatal("NewHandler without Audience accepted")
	}
	if _, err := NewHandler(Options{Registry: testRegistry(t), Audience: "x", Profile: "rfc7523bis"}); err == nil {
		t.Fatal("rfc7523bis without Issuer accepted")
	}
}
