package reference

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/reference/registry"
)

// creds are the test clients, generated once per test binary.
type creds struct {
	rsa, ps, ec, ed, secret, expired, future, disabled, restricted, hybrid, weak, stranger *fixtures.Credential
	hybridSecret                                                                           []byte
}

var (
	credsOnce sync.Once
	testCreds *creds
	credsErr  error
)

func mustCred(id string, alg jose.SignatureAlgorithm, v fixtures.Validity) *fixtures.Credential {
	c, err := fixtures.GenerateCredential(id, alg, v, 0)
	if err != nil {
		panic(err)
	}
	return c
}

func getCreds(t testing.TB) *creds {
	t.Helper()
	credsOnce.Do(func() {
		c := &creds{
			rsa:        mustCred("client-rsa", jose.RS256, fixtures.CertValid),
			ps:         mustCred("client-ps", jose.PS256, fixtures.CertValid),
			ec:         mustCred("client-ec", jose.ES256, fixtures.CertValid),
			ed:         mustCred("client-ed", jose.EdDSA, fixtures.CertValid),
			secret:     mustCred("client-secret", jose.HS256, fixtures.CertValid),
			expired:    mustCred("client-expired", jose.RS256, fixtures.CertExpired),
			future:     mustCred("client-future", jose.RS256, fixtures.CertNotYetValid),
			disabled:   mustCred("client-disabled", jose.RS256, fixtures.CertValid),
			restricted: mustCred("client-restricted", jose.RS256, fixtures.CertValid),
			hybrid:     mustCred("client-hybrid", jose.RS256, fixtures.CertValid),
			stranger:   mustCred("client-rsa", jose.RS256, fixtures.CertValid),
		}
		c.rsa.Subject = "alice"
		c.hybridSecret, credsErr = fixtures.NewSecret(32)
		if credsErr != nil {
			return
		}
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			credsErr = err
			return
		}
		cert, err := fixtures.SelfSign(k, "client-weak", fixtures.CertValid, time.Time{})
		if err != nil {
			credsErr = err
			return
		}
		c.weak = &fixtures.Credential{ClientID: "client-weak", Key: k, Certificate: cert, Alg: jose.RS256}
		testCreds = c
	})
	if credsErr != nil {
		t.Fatal(credsErr)
	}
	return testCreds
}

func certs(c *fixtures.Credential) []*x509.Certificate { return []*x509.Certificate{c.Certificate} }

func testRegistry(t testing.TB) *registry.Registry {
	c := getCreds(t)
	all := []registry.Method{registry.MethodJWTBearer, registry.MethodPrivateKeyJWT}
	asym := func(cr *fixtures.Credential, m []registry.Method, algs ...jose.SignatureAlgorithm) *registry.Client {
		return &registry.Client{ID: cr.ClientID, Methods: m, Algorithms: algs, Certificates: certs(cr)}
	}
	rsaClient := asym(c.rsa, all, jose.RS256)
	rsaClient.Subjects = []string{"alice"}
	disabled := asym(c.disabled, all, jose.RS256)
	disabled.Disabled = true
	hybrid := asym(c.hybrid, []registry.Method{registry.MethodPrivateKeyJWT}, jose.RS256, jose.HS256)
	hybrid.Secret = c.hybridSecret
	r, err := registry.New(
		rsaClient,
		asym(c.ps, all, jose.PS256),
		asym(c.ec, all, jose.ES256),
		asym(c.ed, all, jose.EdDSA),
		&registry.Client{ID: c.secret.ClientID, Methods: []registry.Method{registry.MethodClientSecretJWT}, Algorithms: []jose.SignatureAlgorithm{jose.HS256}, Secret: c.secret.Secret},
		asym(c.expired, all, jose.RS256),
		asym(c.future, all, jose.RS256),
		disabled,
		asym(c.restricted, nil, jose.RS256),
		hybrid,
		asym(c.weak, all, jose.RS256),
	)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// env is one running server plus what a test needs to talk to it.
type env struct {
	t   *testing.T
	srv *Server
	m   *fixtures.Minter
	c   *creds
	now func() time.Time
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	if opts.Registry == nil {
		opts.Registry = testRegistry(t)
	}
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, m: &fixtures.Minter{Now: opts.Now}, c: getCreds(t), now: opts.Now}
}

func (e *env) cred(flow fixtures.Flow) *fixtures.Credential {
	switch flow {
	case fixtures.FlowPrivateKeyJWT:
		return e.c.ec
	case fixtures.FlowClientSecretJWT:
		return e.c.secret
	}
	return e.c.rsa
}

func (e *env) spec(flow fixtures.Flow, cred *fixtures.Credential) fixtures.Spec {
	if cred == nil {
		cred = e.cred(flow)
	}
	return fixtures.Spec{Flow: flow, Cred: cred, Audience: e.srv.TokenURL}
}

func (e *env) mctx() fixtures.MutationContext {
	return fixtures.MutationContext{
		Other: e.c.hybrid, Unregistered: e.c.stranger,
		TokenEndpoint: e.srv.TokenURL, Issuer: e.srv.Issuer,
		MaxLifetime: e.srv.opts.MaxLifetime, Leeway: e.srv.opts.Leeway, LeewayDeclared: true,
	}
}

// mint mints flow's assertion with mutation (may be "valid") and spec edits.
// It returns "" and skip=true when the mutation does not apply.
func (e *env) mint(flow fixtures.Flow, cred *fixtures.Credential, mutation string, edits ...func(*fixtures.Spec)) (string, bool) {
	e.t.Helper()
	s := e.spec(flow, cred)
	for _, ed := range edits {
		ed(&s)
	}
	if mutation != "" && mutation != "valid" {
		var err error
		s, err = fixtures.Mutate(s, mutation, e.mctx())
		if errors.Is(err, fixtures.ErrNotApplicable) {
			return "", true
		}
		if err != nil {
			e.t.Fatalf("mutate %s: %v", mutation, err)
		}
	}
	tok, err := e.m.Mint(s)
	if errors.Is(err, fixtures.ErrNotApplicable) {
		return "", true
	}
	if err != nil {
		e.t.Fatalf("mint %s: %v", mutation, err)
	}
	return tok, false
}

func (e *env) mustMint(flow fixtures.Flow, cred *fixtures.Credential, mutation string, edits ...func(*fixtures.Spec)) string {
	e.t.Helper()
	tok, skip := e.mint(flow, cred, mutation, edits...)
	if skip {
		e.t.Fatalf("mutation %s not applicable to %s", mutation, flow)
	}
	return tok
}

func form(flow fixtures.Flow, assertion string) url.Values {
	if flow == fixtures.FlowJWTBearer {
		return url.Values{"grant_type": {GrantTypeJWTBearer}, "assertion": {assertion}}
	}
	return url.Values{"grant_type": {GrantTypeClientCredentials}, "client_assertion_type": {ClientAssertionTypeJWT}, "client_assertion": {assertion}}
}

type resp struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r *resp) issued() bool { return r.status == 200 && r.json["access_token"] != nil }
func (r *resp) code() string { s, _ := r.json["error"].(string); return s }

func (e *env) post(f url.Values) *resp {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.TokenURL, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

func (e *env) do(req *http.Request) *resp {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := &resp{status: res.StatusCode, header: res.Header, body: b}
	_ = json.Unmarshal(b, &r.json)
	return r
}

// send mints flow's assertion with mutation and posts it.
func (e *env) send(flow fixtures.Flow, mutation string, edits ...func(*fixtures.Spec)) *resp {
	e.t.Helper()
	return e.post(form(flow, e.mustMint(flow, nil, mutation, edits...)))
}

func setClaim(k string, v any) func(*fixtures.Spec) {
	return func(s *fixtures.Spec) { s.Claims = append(s.Claims, func(c fixtures.Claims) { c[k] = v }) }
}

func delClaim(k string) func(*fixtures.Spec) {
	return func(s *fixtures.Spec) { s.Claims = append(s.Claims, func(c fixtures.Claims) { delete(c, k) }) }
}
