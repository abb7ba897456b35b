package loadgen

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/jwtharness/jwtharness/fixtures"
	"github.com/jwtharness/jwtharness/fixtures/target"
	"github.com/jwtharness/jwtharness/suites/driver"
)

// Scenario binds a target, a flow, the credential that signs with the
// chosen algorithm and a mix into the Pool's MintFunc. Request bodies are
// built as the driver builds them (driver.FlowRequest), with the assertion
// spliced between a precomputed prefix and suffix.
type Scenario struct {
	Target *target.Target
	Flow   fixtures.Flow
	Cred   *fixtures.Credential
	Mix    []MixEntry
	Minter *fixtures.Minter
	// Lifetime is exp - iat of the minted assertions (within the
	// endpoint's max lifetime); StaleAfter is how long after minting an
	// item may still be sent.
	Lifetime, StaleAfter time.Duration

	mctx           fixtures.MutationContext
	prefix, suffix string
}

// NewScenario prepares minting for flow and alg ("" = the flow's primary
// credential) on target t.
func NewScenario(t *target.Target, flow fixtures.Flow, alg jose.SignatureAlgorithm, mix []MixEntry) (*Scenario, error) {
	if !flow.Valid() {
		return nil, fmt.Errorf("unknown flow %q (want one of %v)", flow, fixtures.Flows)
	}
	if !t.Offers(flow) {
		return nil, fmt.Errorf("the target does not offer %s (offered: %v)", flow, t.OfferedFlows())
	}
	cred := t.Credential(flow, alg)
	if cred == nil {
		return nil, fmt.Errorf("the target has no %s credential that signs with %s", flow, alg)
	}
	maxLife := t.MaxLifetime
	if maxLife <= 0 {
		maxLife = 5 * time.Minute
	}
	life := maxLife * 4 / 5
	if life > 4*time.Minute {
		life = 4 * time.Minute
	}
	stale := life - life/4
	if life-stale < 10*time.Second && life > 20*time.Second {
		stale = life - 10*time.Second
	}
	s := &Scenario{Target: t, Flow: flow, Cred: cred, Mix: mix, Minter: &fixtures.Minter{Lifetime: life},
		Lifetime: life, StaleAfter: stale, mctx: t.MutationContext()}
	const marker = "JWTHARNESS-ASSERTION-MARKER"
	req := driver.FlowRequest(t, flow, marker)
	if flow.ClientAuth() && req.Has("client_id") {
		req.Set("client_id", cred.ClientID)
	}
	form := driver.EncodeParams(req.Params)
	i := strings.Index(form, marker)
	if i < 0 {
		return nil, errors.New("scenario: cannot find the assertion in the token request form")
	}
	s.prefix, s.suffix = form[:i], form[i+len(marker):]
	for _, e := range mix {
		if e.Mutation == "" || e.Mutation == "valid" {
			continue
		}
		if _, err := s.spec(e.Mutation); err != nil {
			return nil, fmt.Errorf("mix class %q: %w", e.Name, err)
		}
	}
	return s, nil
}

func (s *Scenario) spec(mutation string) (fixtures.Spec, error) {
	sp := fixtures.Spec{Flow: s.Flow, Cred: s.Cred, Audience: s.Target.Audience}
	if mutation == "" || mutation == "valid" {
		return sp, nil
	}
	return fixtures.Mutate(sp, mutation, s.mctx)
}

// Assertion mints one assertion of class k (a valid one for k < 0).
func (s *Scenario) Assertion(k int) (string, error) {
	m := ""
	if k >= 0 {
		m = s.Mix[k].Mutation
	}
	sp, err := s.spec(m)
	if err != nil {
		return "", err
	}
	return s.Minter.Mint(sp)
}

// Body wraps an assertion into the url-encoded token request form.
func (s *Scenario) Body(assertion string) []byte {
	b := make([]byte, 0, len(s.prefix)+len(assertion)+len(s.suffix)+16)
	b = append(b, s.prefix...)
	b = append(b, url.QueryEscape(assertion)...)
	return append(b, s.suffix...)
}

// Mint is the Pool's MintFunc: a fresh assertion (new jti) in a request body.
func (s *Scenario) Mint(k int) (Item, error) {
	now := time.Now()
	a, err := s.Assertion(k)
	if err != nil {
		return Item{}, err
	}
	return Item{Body: s.Body(a), StaleAt: now.Add(s.StaleAfter)}, nil
}

// VerifyKey returns what verifies the credential's signatures (public
// key or HMAC secret), its algorithm and, for RSA, the key size in bits.
func (s *Scenario) VerifyKey() (jose.SignatureAlgorithm, any, int) {
	alg := s.Cred.Alg
	if s.Cred.Key == nil {
		return alg, s.Cred.Secret, 0
	}
	pub := s.Cred.Key.Public()
	bits := 0
	if k, ok := pub.(*rsa.PublicKey); ok {
		bits = k.N.BitLen()
	}
	return alg, pub, bits
}
